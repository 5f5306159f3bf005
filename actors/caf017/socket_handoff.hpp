#pragma once

#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/io/abstract_broker.hpp>
#include <caf/io/accept_handle.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/network/native_socket.hpp>

#include "caf017/direct_scribe.hpp"

namespace pss {

/// An accepted socket on its way from the thread that accepted it to the
/// broker (of any actor system) that will read it: the owner of the bare
/// descriptor until a multiplexer owns it. Closes it when destroyed unless
/// released, so that every way a handoff can fail (a dropped message, a dead
/// receiver, a mailbox drained at exit, an early return) closes the socket.
class handed_socket {
public:
  /// Takes ownership of `fd` (a connected, non-blocking socket).
  explicit handed_socket(caf::io::network::native_socket fd) : fd_(fd) {
    // nop
  }

  handed_socket(const handed_socket&) = delete;
  handed_socket& operator=(const handed_socket&) = delete;

  /// Closes the socket unless it was released.
  ~handed_socket();

  /// The descriptor (still owned), or `invalid_native_socket`.
  caf::io::network::native_socket fd() const {
    return fd_;
  }

  /// Gives the descriptor up to the caller, who must close it.
  caf::io::network::native_socket release() {
    auto result = fd_;
    fd_ = caf::io::network::invalid_native_socket;
    return result;
  }

private:
  caf::io::network::native_socket fd_;
};

/// How a handed socket travels in CAF messages (which copy their values).
using handed_socket_ptr = std::shared_ptr<handed_socket>;

/// What a `handing_doorman` delivers to its broker for every connection it
/// accepted, instead of CAF's `new_connection_msg`: the socket itself, in
/// no multiplexer yet.
struct accepted_socket_msg {
  /// The doorman that accepted it.
  caf::io::accept_handle source;
  /// The connection.
  handed_socket_ptr socket;
};

/// A `direct_doorman` that makes no scribe: every accepted socket goes to
/// its broker as an `accepted_socket_msg`, in the accept's loop turn (as
/// CAF delivers `new_connection_msg`), for the broker to hand to a broker
/// of another actor system (`adopt_socket`).
///
/// Why: CAF 0.17 has no way to move a scribe to another multiplexer, and
/// `doorman_impl` always makes one in its own. Activity tokens
/// (`trigger(hdl, n)`) are not counted: a plain `trigger` and `halt` pause
/// and resume it as any doorman.
class handing_doorman : public direct_doorman {
public:
  using direct_doorman::direct_doorman;

  bool new_connection() override;
};

/// Adds a `handing_doorman` on the listening socket `fd` to `self`. Needs
/// CAF's default multiplexer; returns an invalid handle (and leaves `fd`
/// to the caller) with another backend.
caf::io::accept_handle add_handing_doorman(caf::io::abstract_broker* self,
                                           caf::io::network::native_socket fd);

/// Adds the socket of `sock` to `self`'s own multiplexer as a
/// `direct_scribe` (what `add_scribe(fd)` does, with pss's scribe), and
/// releases `sock`: from now on `self` owns the connection. With another
/// backend than CAF's default multiplexer, a plain CAF scribe.
caf::io::connection_handle adopt_socket(caf::io::abstract_broker* self,
                                        handed_socket& sock);

} // namespace pss

// Sockets in transit are local by nature: they never cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::handed_socket_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::accepted_socket_msg)
