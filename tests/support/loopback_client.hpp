#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "deadline.hpp"

namespace pss::test {

/// A blocking TCP client on 127.0.0.1 whose every wait has a deadline.
class loopback_client {
public:
  /// Connects to 127.0.0.1:`port`; check `connected()`.
  explicit loopback_client(uint16_t port);
  loopback_client(loopback_client&& other) noexcept;
  loopback_client& operator=(loopback_client&&) = delete;
  ~loopback_client();

  /// Whether the connection was made.
  bool connected() const {
    return fd_ >= 0;
  }

  /// Sends all of `bytes`; false on error.
  bool send(const std::string& bytes);

  /// Sends what the socket takes now without blocking; returns the count.
  size_t send_some(const char* data, size_t size);

  /// `payload` behind a big-endian length header of `header` bytes.
  static std::string frame(const std::string& payload, size_t header);

  /// Sends one packet with a big-endian length header of `header` bytes.
  bool send_framed(const std::string& payload, size_t header);

  /// Receives exactly `size` bytes, or fewer if the peer closes or the
  /// deadline passes.
  std::string receive(size_t size,
                      std::chrono::milliseconds deadline = default_deadline);

  /// Receives one packet with a length header of `header` bytes.
  std::string receive_framed(size_t header, std::chrono::milliseconds deadline
                                            = default_deadline);

  /// Receives until `text` ends what was read (e.g. a newline).
  std::string receive_until(const std::string& text,
                            std::chrono::milliseconds deadline
                            = default_deadline);

  /// Receives one line and returns it without its newline; "" when no
  /// whole line came in time.
  std::string receive_line(std::chrono::milliseconds deadline
                           = default_deadline);

  /// Sends `request` and a newline, then receives the reply line as
  /// `receive_line` does ("" if the send failed).
  std::string ask_line(const std::string& request);

  /// Receives until the peer closes the connection and puts what came in
  /// `bytes`; false if the deadline passes (or a read fails) first.
  bool receive_to_end(std::string& bytes,
                      std::chrono::milliseconds deadline = default_deadline);

  /// Waits until the peer closes the connection (read returns 0 or an
  /// error); false if the deadline passes first. Discards data read.
  bool wait_closed(std::chrono::milliseconds deadline = default_deadline);

  /// True if nothing arrives and the connection stays open for `window`:
  /// used only to check that something does *not* happen.
  bool quiet_for(std::chrono::milliseconds window);

  /// Half-closes: no more sending (FIN), receiving goes on.
  void shutdown_sending();

  /// Closes the connection now.
  void close();

  /// Closes with a TCP reset (SO_LINGER 0) instead of a FIN.
  void reset();

  /// The descriptor, for tests that need socket options.
  int fd() const {
    return fd_;
  }

private:
  int fd_ = -1;
};

} // namespace pss::test
