#include "session/linger_watch.hpp"

#include <algorithm>

#include <sys/socket.h>
#include <sys/stat.h>

#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>

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

// A broker, so that it runs on the I/O thread; one per lingering connection
// (rare: only ends that find CAF still holding output start one).
caf::behavior linger_watch_actor(caf::io::broker* self, socket_identity sock,
                                 clock::time_point deadline) {
  drain_mailbox_on_exit(self);
  auto next_check = [self, deadline] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now());
    self->delayed_send(
        self,
        std::max(std::chrono::milliseconds(0),
                 std::min<std::chrono::milliseconds>(left, check_interval)),
        linger_atom::value);
  };
  next_check();
  return {[self, sock, deadline, next_check](linger_atom) {
    if (!still_open(sock)) {
      self->quit();
      return;
    }
    if (clock::now() >= deadline) {
      reset_connection(sock.fd);
      self->quit();
      return;
    }
    next_check();
  }};
}

} // namespace

void reset_connection(int fd) {
  ::linger abort_on_close{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
               sizeof(abort_on_close));
  ::shutdown(fd, SHUT_RDWR);
}

void watch_linger(caf::actor_system& sys, int fd,
                  std::chrono::milliseconds linger) {
  socket_identity sock;
  if (!identify(fd, sock))
    return;
  sys.middleman().spawn_broker(linger_watch_actor, sock, clock::now() + linger);
}

} // namespace pss
