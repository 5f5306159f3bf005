#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/io/abstract_broker.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/event_handler.hpp>
#include <caf/io/network/native_socket.hpp>

namespace pss {

class listen_watch;

/// What a `listen_watch` delivers to its broker when its listening socket
/// has a client waiting (or failed), in that loop turn.
struct listen_ready_msg {
  listen_watch* watch;
};

/// Watches a listening socket in a CAF 0.17 default multiplexer for a
/// broker that accepts by itself, with EPOLLEXCLUSIVE: when several I/O
/// threads watch one listening socket (a duplicate each), the kernel wakes
/// one thread that sleeps in `epoll_wait` per client, not all of them.
///
/// Why not a CAF doorman: CAF registers every socket with plain EPOLLIN and
/// no way to pass flags, and its doorman accepts before its broker can take
/// a slot against Max. So this handler registers itself in the
/// multiplexer's epoll set directly (`epoll_fd_of`, which reads a private
/// member of CAF 0.17's `default_multiplexer`), outside CAF's own
/// bookkeeping of registrations: `pause` and `resume` take effect at once,
/// never squashed with another change of the same loop turn (the pitfall
/// `servant_gate` exists for). The epoll set may still hand the watch to
/// the loop in the turn that paused it: `close_listen_watch` therefore
/// frees it only in a later turn.
class listen_watch : public caf::io::network::event_handler {
public:
  /// Watches `fd` (owned from now on: closed with the watch) for `owner`,
  /// which must run on `mpx`'s thread. Not listening until `resume`.
  listen_watch(caf::io::network::default_multiplexer& mpx,
               caf::io::network::native_socket fd,
               caf::io::abstract_broker* owner);

  /// Starts listening (EPOLLIN | EPOLLEXCLUSIVE); nothing if it listens.
  void resume();

  /// Stops listening; nothing if it does not.
  void pause();

  /// Goes to the back of the threads the kernel picks from: of the threads
  /// that sleep, the one that registered first is woken first, so a
  /// thread that took more than its share steps back.
  void step_back();

  bool listening() const {
    return listening_;
  }

  void handle_event(caf::io::network::operation op) override;
  void removed_from_loop(caf::io::network::operation op) override;
  void graceful_shutdown() override;

private:
  bool control(int op);

  caf::io::abstract_broker* owner_;
  int epoll_fd_;
  bool listening_ = false;
};

/// Stops `watch` listening now, and closes its socket and frees it in a
/// later turn of its loop (when the loop holds no pointer to it any more);
/// then runs `done` on the loop's thread.
void close_listen_watch(std::unique_ptr<listen_watch> watch,
                        std::function<void()> done);

/// The epoll descriptor of CAF 0.17's default multiplexer.
int epoll_fd_of(caf::io::network::default_multiplexer& mpx);

} // namespace pss

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::listen_ready_msg)
