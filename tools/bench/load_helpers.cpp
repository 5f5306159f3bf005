#include "load_helpers.hpp"

#include <cerrno>
#include <ctime>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pss::bench {

std::string make_request(size_t header, size_t size, int conn) {
  std::string msg;
  for (size_t i = header; i > 0; --i)
    msg += static_cast<char>((size >> (8 * (i - 1))) & 0xFF);
  for (size_t i = 0; i < size; ++i)
    msg += static_cast<char>((i * 31 + static_cast<size_t>(conn) * 7) & 0xFF);
  return msg;
}

bool start_connect(int fd, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
         || errno == EINPROGRESS;
}

void bind_rotating_source(int fd, uint32_t& next) {
  int on = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on));
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7F000002u + next);
  next = (next + 1) % 253;
  ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof(src));
}

int connect_nonblocking(uint16_t port, uint32_t* next_source) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (next_source != nullptr)
    bind_rotating_source(fd, *next_source);
  if (!start_connect(fd, port)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void close_abortive(int fd) {
  linger lin{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
  ::close(fd);
}

bool send_all(int fd, const std::string& msg) {
  size_t done = 0;
  while (done < msg.size()) {
    auto n = ::send(fd, msg.data() + done, msg.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec)
         + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace pss::bench
