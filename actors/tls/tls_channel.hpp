#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tls/tls_context.hpp"

// OpenSSL's types stay out of every header but this folder's.
struct ssl_st;
struct bio_st;

namespace pss {

/// The server side of one TLS connection, over memory: ciphertext the
/// socket read goes in (`feed`), the plaintext it completes comes out;
/// plaintext the session writes goes in (`write`), ciphertext for the
/// socket comes out (`take_output`). No socket, no actor, no clock: the
/// session moves the bytes and times the handshake, and every path here is
/// testable without a network.
///
/// Order and completeness: plaintext comes out in the order the peer sent
/// it; what the session writes before the handshake ends is held and sent
/// right after it, in order; `close` queues close_notify after everything
/// written before it. After the peer's close_notify the channel still
/// writes (a peer that half-closes gets its replies).
class tls_channel {
public:
  explicit tls_channel(std::shared_ptr<const tls_context> ctx);
  tls_channel(const tls_channel&) = delete;
  tls_channel& operator=(const tls_channel&) = delete;
  ~tls_channel();

  /// Takes `size` bytes the peer sent and appends the plaintext they
  /// complete to `plain`. Drives the handshake. Returns false once the
  /// channel failed (see `failure`); its output may then hold an alert for
  /// the peer, worth sending before the socket closes.
  bool feed(const char* data, size_t size, std::vector<char>& plain);

  /// Encrypts `size` bytes for the peer (held until the handshake ends).
  /// Returns false, writing nothing, once the channel failed or `close`
  /// was called.
  bool write(const char* data, size_t size);

  /// Queues close_notify after everything written so far; later writes
  /// are refused. Does nothing a second time or after a failure.
  void close();

  /// Appends the ciphertext ready for the peer to `out` and empties the
  /// channel's output.
  void take_output(std::vector<char>& out);

  /// Bytes of ciphertext waiting for `take_output`.
  size_t pending_output() const;

  /// The handshake ended successfully (stays true after a close).
  bool established() const {
    return established_;
  }

  /// The handshake or a record failed: the connection is unusable.
  bool failed() const {
    return !failure_.empty();
  }

  /// Why the channel failed, e.g. `peer did not return a certificate`;
  /// empty if it did not.
  const std::string& failure() const {
    return failure_;
  }

  /// The peer sent close_notify: it sends nothing more.
  bool peer_finished() const {
    return peer_finished_;
  }

  /// `close` was called.
  bool closing() const {
    return closing_;
  }

  /// The subject of the client's verified certificate (RFC 2253, e.g.
  /// `CN=alice,O=example`), empty when the client presented none.
  std::string peer_subject() const;

  /// The application protocol agreed by ALPN, empty if none.
  std::string alpn() const;

  /// The protocol version in use, e.g. `TLSv1.3` (empty before the
  /// handshake ends).
  std::string version() const;

private:
  // Marks the channel failed with OpenSSL's reason or `fallback`.
  bool fail(const std::string& fallback);

  // Runs the handshake, then reads, on the input view of one feed.
  bool drive(std::vector<char>& plain);

  // Reads every plaintext record the input holds.
  bool read_records(std::vector<char>& plain);

  // Encrypts `size` bytes now (the handshake has ended).
  bool encrypt(const char* data, size_t size);

  std::shared_ptr<const tls_context> ctx_;
  ssl_st* ssl_ = nullptr;
  /// The output: a growing memory buffer, replaced when a burst left it
  /// large, so that an idle session keeps no burst's memory.
  bio_st* out_ = nullptr;
  /// What the session wrote during the handshake.
  std::vector<char> held_;
  std::string failure_;
  bool established_ = false;
  bool peer_finished_ = false;
  bool closing_ = false;
};

} // namespace pss
