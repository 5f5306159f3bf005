#include "loopback_client.hpp"

#include <cerrno>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pss::test {

namespace {

using clock = std::chrono::steady_clock;

// Waits for `fd` to be readable until `until`; false on timeout.
bool wait_readable(int fd, clock::time_point until) {
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    auto rc = ::poll(&pfd, 1, ms_until(until));
    if (rc > 0)
      return true;
    if (rc == 0)
      return false;
    if (errno != EINTR)
      return false;
  }
}

/// How a read to the end of a connection ended.
enum class ending { closed, failed, deadline };

// Reads until the peer closes or the connection fails, appending what comes
// to `kept` unless it is null (then the data is dropped).
ending read_to_end(int fd, clock::time_point until, std::string* kept) {
  char buf[4096];
  for (;;) {
    if (!wait_readable(fd, until))
      return ending::deadline;
    auto rc = ::recv(fd, buf, sizeof(buf), 0);
    if (rc == 0)
      return ending::closed;
    if (rc < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return ending::failed;
    }
    if (kept != nullptr)
      kept->append(buf, static_cast<size_t>(rc));
  }
}

} // namespace

loopback_client::loopback_client(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

loopback_client::loopback_client(loopback_client&& other) noexcept
    : fd_(other.fd_) {
  other.fd_ = -1;
}

loopback_client::~loopback_client() {
  close();
}

bool loopback_client::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto rc
        = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (rc < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    sent += static_cast<size_t>(rc);
  }
  return true;
}

size_t loopback_client::send_some(const char* data, size_t size) {
  auto rc = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  return rc < 0 ? 0 : static_cast<size_t>(rc);
}

std::string loopback_client::frame(const std::string& payload, size_t header) {
  std::string out;
  for (size_t i = header; i > 0; --i)
    out += static_cast<char>((payload.size() >> (8 * (i - 1))) & 0xFF);
  return out + payload;
}

bool loopback_client::send_framed(const std::string& payload, size_t header) {
  return send(frame(payload, header));
}

std::string loopback_client::receive(size_t size,
                                     std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  std::string result;
  char buf[65536];
  while (result.size() < size) {
    if (!wait_readable(fd_, until))
      break;
    auto want = std::min(sizeof(buf), size - result.size());
    auto rc = ::recv(fd_, buf, want, 0);
    if (rc <= 0) {
      if (rc < 0 && errno == EINTR)
        continue;
      break;
    }
    result.append(buf, static_cast<size_t>(rc));
  }
  return result;
}

std::string
loopback_client::receive_framed(size_t header,
                                std::chrono::milliseconds deadline) {
  auto head = receive(header, deadline);
  if (head.size() != header)
    return {};
  size_t length = 0;
  for (auto c : head)
    length = (length << 8) | static_cast<unsigned char>(c);
  return receive(length, deadline);
}

std::string loopback_client::receive_until(const std::string& text,
                                           std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  std::string result;
  char c;
  while (result.size() < text.size()
         || result.compare(result.size() - text.size(), text.size(), text)
                != 0) {
    if (!wait_readable(fd_, until))
      break;
    auto rc = ::recv(fd_, &c, 1, 0);
    if (rc <= 0) {
      if (rc < 0 && errno == EINTR)
        continue;
      break;
    }
    result += c;
  }
  return result;
}

std::string loopback_client::receive_line(std::chrono::milliseconds deadline) {
  auto line = receive_until("\n", deadline);
  if (line.empty() || line.back() != '\n')
    return "";
  line.pop_back();
  return line;
}

std::string loopback_client::ask_line(const std::string& request) {
  if (!send(request + "\n"))
    return "";
  return receive_line();
}

bool loopback_client::receive_to_end(std::string& bytes,
                                     std::chrono::milliseconds deadline) {
  return read_to_end(fd_, clock::now() + deadline, &bytes) == ending::closed;
}

bool loopback_client::wait_closed(std::chrono::milliseconds deadline) {
  return read_to_end(fd_, clock::now() + deadline, nullptr) != ending::deadline;
}

bool loopback_client::quiet_for(std::chrono::milliseconds window) {
  auto until = clock::now() + window;
  return !wait_readable(fd_, until);
}

void loopback_client::shutdown_sending() {
  if (fd_ >= 0)
    ::shutdown(fd_, SHUT_WR);
}

void loopback_client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

void loopback_client::reset() {
  if (fd_ < 0)
    return;
  linger lin{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
  close();
}

} // namespace pss::test
