#pragma once

#include <cstddef>

#include <caf/io/abstract_broker.hpp>
#include <caf/io/accept_handle.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/doorman.hpp>
#include <caf/io/network/acceptor.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/scribe_impl.hpp>

namespace pss {

/// What a scribe hands its broker without CAF's message dispatch.
struct direct_events {
  /// Handles bytes the scribe read. Returns false to decline them: the
  /// scribe then delivers them as CAF does.
  bool (*on_data)(caf::io::abstract_broker* owner, const char* data,
                  size_t size);
  /// Handles write progress (CAF's `data_transferred_msg`).
  void (*on_transferred)(caf::io::abstract_broker* owner, size_t written,
                         size_t remaining);
};

/// CAF's TCP scribe, with a shorter way from a read to its broker.
///
/// Why: CAF 0.17 delivers every read as a `new_data_msg` through the
/// broker's full message dispatch (categorize, behavior match, result
/// visitor, response promise, ...): about half of what the I/O thread
/// executes per request of a small ping-pong. Once a reader is installed,
/// `consume` calls it directly and then does what CAF's activation does
/// after a handler (behavior cleanup, `finalize`, receive timeout), so that
/// a broker that quits, fails or changes its behavior while reading ends or
/// changes exactly as it would after a message. Whenever the broker is in a
/// state where CAF would not simply run its handler (activity tokens, an
/// a proxy registry, shutting down), or the reader declines, the read goes
/// CAF's way. Reads and write progress reach the broker even while it
/// awaits a response: CAF would drop both then (it caches only mailbox
/// messages), which loses input and stalls output; the broker holds them.
///
/// Half-close: with events installed, the first failure of the connection
/// (the peer's FIN, or a reset) still reaches the broker as CAF's
/// `connection_closed_msg`, but the scribe stays the broker's: reading has
/// stopped, writing goes on, so replies to the last packets still reach a
/// peer that half-closed. A second failure (a write to a peer that is
/// gone) or the broker closing the connection detaches it as CAF does.
///
/// First activation: a broker forked in a turn that CAF runs between two
/// polls (a message to a session host) is launched only after the next
/// poll, so its scribe's first event can come first. CAF 0.17 starts the
/// broker for a read, but hands a close to it unstarted (`consume`, not
/// `activate`) and then finalizes it: its behavior function never runs and
/// its state is destroyed under the launch still queued. This scribe starts
/// its broker before handing it either.
class direct_scribe : public caf::io::network::scribe_impl {
public:
  using scribe_impl::scribe_impl;

  /// Sends the reads and write progress of this scribe to `events` (static
  /// storage) from now on.
  void set_events(const direct_events* events) {
    events_ = events;
  }

  bool consume(caf::execution_unit* ctx, const void* data,
               size_t num_bytes) override;

  void data_transferred(caf::execution_unit* ctx, size_t written,
                        size_t remaining) override;

  void graceful_shutdown() override;

  caf::message detach_message() override;

protected:
  void detach_from(caf::io::abstract_broker* ptr) override;

private:
  // Runs the first activation (the behavior function) of a broker that
  // has not had it yet. Returns whether the broker is running afterwards.
  static bool start_owner(caf::execution_unit* ctx,
                          caf::io::abstract_broker* owner);

  // Whether CAF's activation would do more than run the broker's handler.
  bool needs_caf_dispatch(caf::io::abstract_broker* owner) const;

  // Runs `fn()` for `owner` as CAF runs a handler: the context set before,
  // behaviors cleaned up, a quit broker finalized, the timeout re-armed.
  template <class F>
  void run_as_handler(caf::execution_unit* ctx, caf::io::abstract_broker* owner,
                      F&& fn);

  const direct_events* events_ = nullptr;
  /// Set between keeping the scribe at its first failure and re-attaching
  /// it to the broker (see detach_message).
  caf::io::abstract_broker* kept_by_ = nullptr;
  /// The scribe was kept once; the next failure detaches it.
  bool kept_once_ = false;
  /// The broker closes the connection: detach as CAF does.
  bool closing_ = false;
};

/// How `direct_doorman` accepts: `accept4` with the new socket already
/// non-blocking and close-on-exec (CAF's TCP policy accepts plainly and
/// then spends two more system calls on close-on-exec).
struct accept4_policy {
  /// As CAF's `policy::tcp::try_accept`: false on an error, true with an
  /// invalid `result` when nothing waits.
  bool try_accept(caf::io::network::native_socket& result,
                  caf::io::network::native_socket fd);

  /// Set when an accept failed for want of descriptors (EMFILE, ENFILE,
  /// ENOBUFS, ENOMEM).
  bool out_of_descriptors = false;
};

/// CAF's acceptor with `accept4_policy`, which stops listening by itself
/// when an accept fails for want of descriptors.
///
/// Why: CAF 0.17's acceptor ignores a failed accept; the listening socket
/// stays readable, so the I/O loop wakes again at once and fails again,
/// thousands of times a second, until a descriptor frees up. This one
/// removes itself from the loop at the first such failure and remembers it;
/// its server learns of it (`take_accept_failure`) and decides when to try
/// again.
class shortage_acceptor : public caf::io::network::acceptor {
public:
  using acceptor::acceptor;

  void handle_event(caf::io::network::operation op) override;

  /// Whether accepting stopped for want of descriptors since the last call.
  bool take_failure() {
    auto result = stopped_;
    stopped_ = false;
    return result;
  }

private:
  accept4_policy policy_;
  bool stopped_ = false;
};

/// CAF's TCP doorman (`network::doorman_impl`, whose methods it mirrors),
/// accepting by `accept4_policy` and making a `direct_scribe` for every
/// connection (without events: reads go CAF's way until they are set).
class direct_doorman : public caf::io::doorman {
public:
  direct_doorman(caf::io::network::default_multiplexer& mpx,
                 caf::io::network::native_socket fd);

  bool new_connection() override;
  void graceful_shutdown() override;
  void launch() override;
  std::string addr() const override;
  uint16_t port() const override;
  void add_to_loop() override;
  void remove_from_loop() override;

  /// See shortage_acceptor::take_failure.
  bool take_accept_failure() {
    return acceptor_.take_failure();
  }

protected:
  /// The listening socket's event handler (a subclass reads the accepted
  /// socket and the multiplexer from it).
  shortage_acceptor acceptor_;
};

/// Adds a `direct_doorman` on the listening socket `fd` to `self`: what
/// `self->add_doorman(fd)` does, with `direct_scribe`s for its connections.
caf::io::accept_handle add_direct_doorman(caf::io::abstract_broker* self,
                                          caf::io::network::native_socket fd);

/// Whether the doorman `hdl` of `self` stopped accepting for want of
/// descriptors since the last call (it is out of the I/O loop then, as after
/// `halt`, until `trigger`). False for a doorman that is not a
/// `direct_doorman`.
bool take_accept_failure(caf::io::abstract_broker* self,
                         caf::io::accept_handle hdl);

/// Installs `events` on the scribe of `hdl` in `self`. False if that scribe
/// is not a `direct_scribe` (its reads then go CAF's way, which is correct,
/// only slower, and a half-closed peer gets no replies to its last packets).
bool set_direct_events(caf::io::abstract_broker* self,
                       caf::io::connection_handle hdl,
                       const direct_events* events);

} // namespace pss
