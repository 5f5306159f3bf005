#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls/channel_bios.hpp"
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

  /// OpenSSL's record buffers (about 34 KB) are released after every
  /// record, so that an idle session holds none, until the channel has
  /// seen `busy_activity` reads and writes since it last released them;
  /// then it keeps them, because setting up a 17 KB buffer per record is a
  /// large allocation per request (and a slow one in a heap left
  /// fragmented by thousands of ended sessions). Returns true once after
  /// the channel began keeping them, false otherwise: the session then
  /// calls `check_busy` once per interval for as long as that returns
  /// true.
  bool take_busy_check_request() {
    bool wanted = busy_check_wanted_;
    busy_check_wanted_ = false;
    return wanted;
  }

  /// Keeps the record buffers if the channel saw `busy_activity` reads and
  /// writes since the last check (since it began keeping them, at the
  /// first), and gives them back otherwise, unless a record is half-read;
  /// returns whether the channel still holds them. So a session keeps them
  /// while it keeps up that rate per interval, and one that slows down
  /// pays for them only while it is busy again.
  bool check_busy();

  /// Whether the channel keeps its record buffers between records.
  bool holding_buffers() const {
    return holding_;
  }

  /// Channels of this process that keep their record buffers now (for
  /// tests and diagnostics).
  static size_t channels_holding_buffers();

  /// Reads and writes (a request and its reply are two) that make a
  /// channel busy: since it last released its buffers, and per check.
  static constexpr uint32_t busy_activity = 16;

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

  // Counts a read or write of an established channel and keeps the record
  // buffers once it is busy.
  void note_activity();

  // Encrypts `size` bytes now (the handshake has ended).
  bool encrypt(const char* data, size_t size);

  std::shared_ptr<const tls_context> ctx_;
  ssl_st* ssl_ = nullptr;
  /// What OpenSSL's input BIO reads: the bytes of the current `feed`
  /// (channel_bios.hpp).
  input_view view_;
  /// Where OpenSSL's output BIO appends; `take_output` empties it, and
  /// replaces it when a burst left it large, so that an idle session keeps
  /// no burst's memory.
  std::vector<char> output_;
  /// What the session wrote during the handshake.
  std::vector<char> held_;
  std::string failure_;
  /// Reads and writes since the buffers were last released (wraps).
  uint32_t activity_ = 0;
  /// `activity_` at the last check, or when the channel began holding.
  uint32_t activity_at_check_ = 0;
  bool holding_ = false;
  bool busy_check_wanted_ = false;
  bool established_ = false;
  bool peer_finished_ = false;
  bool closing_ = false;
};

} // namespace pss
