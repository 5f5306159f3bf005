#include "session/linger_watch.hpp"

#include <algorithm>
#include <memory>

#include <fcntl.h>

#include <sys/socket.h>
#include <sys/stat.h>

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/io/system_messages.hpp>

#include "caf017/broker_cleanup.hpp"
#include "pss/atoms.hpp"

namespace pss {

namespace {

using clock = std::chrono::steady_clock;

/// How often a watch checks whether CAF released the socket, so that the
/// watch (which `~actor_system` waits for) ends soon after its peer read.
constexpr auto check_interval = std::chrono::milliseconds(100);

/// One socket, told apart from any later one that reuses its descriptor
/// number: socket inodes are not reused while the process runs.
struct socket_identity {
  int fd = -1;
  dev_t device = 0;
  ino_t inode = 0;
};

bool identify(int fd, socket_identity& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return false;
  out = socket_identity{fd, st.st_dev, st.st_ino};
  return true;
}

// Whether the descriptor still refers to the socket: CAF has not closed it.
// Race-free on the I/O thread, the only thread on which CAF closes sockets.
bool still_open(const socket_identity& sock) {
  socket_identity now;
  return identify(sock.fd, now) && now.device == sock.device
         && now.inode == sock.inode;
}

/// What a watch knows of its connection.
struct linger_state {
  /// The socket as CAF holds it (CAF closes that descriptor).
  socket_identity sock;
  clock::time_point deadline;
  /// The watch's own descriptor of the socket, read until the peer's FIN.
  caf::io::connection_handle input;
  bool input_open = false;
};

/// Bytes a watch reads at a time from a peer that still sends.
constexpr size_t discard_read_size = 16 * 1024;

// Whether the connection is done: the peer's FIN came and CAF released its
// descriptor after writing everything and sending its own FIN.
bool finished(const linger_state& st) {
  return !st.input_open && !still_open(st.sock);
}

// Ends the connection now: a reset, through whichever descriptor is open.
void give_up(const linger_state& st) {
  if (st.input_open)
    reset_connection(static_cast<int>(st.input.id()));
  else if (still_open(st.sock))
    reset_connection(st.sock.fd);
}

// A broker, so that it runs on the I/O thread; one per lingering connection
// (only ends that find the peer still sending or CAF still writing start
// one).
caf::behavior linger_watch_actor(caf::io::broker* self, socket_identity sock,
                                 int input_fd, clock::time_point deadline) {
  drain_mailbox_on_exit(self);
  auto st = std::make_shared<linger_state>();
  st->sock = sock;
  st->deadline = deadline;
  if (input_fd >= 0) {
    st->input = self->add_scribe(input_fd);
    st->input_open = true;
    self->configure_read(st->input,
                         caf::io::receive_policy::at_most(discard_read_size));
  }
  auto next_check = [self, st] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        st->deadline - clock::now());
    self->delayed_send(
        self,
        std::max(std::chrono::milliseconds(0),
                 std::min<std::chrono::milliseconds>(left, check_interval)),
        linger_atom::value);
  };
  next_check();
  return {
      // Input after the session's end has nobody to take it.
      [](const caf::io::new_data_msg&) {},
      [self, st](const caf::io::connection_closed_msg&) {
        // The peer's FIN (or the connection's end): CAF closed our
        // descriptor, nothing is left unread.
        st->input_open = false;
        if (finished(*st))
          self->quit();
      },
      [self, st, next_check](linger_atom) {
        if (finished(*st)) {
          self->quit();
          return;
        }
        if (clock::now() >= st->deadline) {
          give_up(*st);
          self->quit();
          return;
        }
        next_check();
      },
  };
}

} // namespace

void reset_connection(int fd) {
  ::linger abort_on_close{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
               sizeof(abort_on_close));
  ::shutdown(fd, SHUT_RDWR);
}

void watch_linger(caf::actor_system& sys, int fd,
                  std::chrono::milliseconds linger, bool drain_input) {
  socket_identity sock;
  if (!identify(fd, sock))
    return;
  // A second descriptor keeps the socket open (so no reset for unread
  // input) after CAF closed its own.
  int input_fd = drain_input ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  sys.middleman().spawn_broker(linger_watch_actor, sock, input_fd,
                               clock::now() + linger);
}

} // namespace pss
