#pragma once

#include <memory>
#include <string>
#include <vector>

// OpenSSL's types stay out of every header but this folder's.
struct ssl_ctx_st;

namespace pss {

/// The files and choices a server's TLS is made of (the `tls-*` options).
struct tls_files {
  /// PEM: the server's certificate, then any intermediates (`tls-cert`).
  std::string cert;
  /// PEM: the certificate's private key (`tls-key`).
  std::string key;
  /// PEM: the certificates that sign acceptable client certificates
  /// (`tls-ca`). Set: every client must present one that verifies. Empty:
  /// clients are not asked for a certificate.
  std::string ca;
  /// The application protocols the server speaks, in its order of
  /// preference (`tls-alpn`). Empty: ALPN is not negotiated. Set: a client
  /// that offers ALPN but none of these is refused (RFC 7301); a client that
  /// offers none is served.
  std::vector<std::string> alpn;
};

/// A server's loaded TLS configuration: OpenSSL's `SSL_CTX`, immutable once
/// loaded and shared by the sessions it started. A reload makes a new one;
/// running sessions keep theirs.
///
/// Defaults (not options): TLS 1.2 at least, the system's cipher policy
/// (/etc/ssl/openssl.cnf), no renegotiation, no compression, buffers
/// released while a session is idle.
class tls_context {
public:
  /// Loads `files`. On failure returns null and sets `error` to what a user
  /// needs to fix: the option, the file and OpenSSL's reason, e.g.
  /// `tls-key /etc/pss/key.pem: cannot read: No such file or directory`.
  static std::shared_ptr<const tls_context> load(const tls_files& files,
                                                 std::string& error);

  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;
  ~tls_context();

  /// OpenSSL's context, for `tls_channel`.
  ssl_ctx_st* native() const {
    return ctx_;
  }

  /// What it was loaded from.
  const tls_files& files() const {
    return files_;
  }

  /// Whether clients must present a verified certificate.
  bool verifies_clients() const {
    return !files_.ca.empty();
  }

private:
  tls_context(ssl_ctx_st* ctx, tls_files files);

  ssl_ctx_st* ctx_;
  tls_files files_;
  /// `files_.alpn` in the wire format (length-prefixed), for the selection
  /// callback.
  std::vector<unsigned char> alpn_wire_;
};

/// Most sessions a server's context keeps for resumption by session id
/// (TLS 1.2 clients that take no ticket): OpenSSL's default of 20,480,
/// each with the client's certificate, could hold tens of megabytes per
/// server. Clients that take tickets (TLS 1.3, most TLS 1.2 clients)
/// resume from the ticket and cost the server nothing.
constexpr long tls_session_cache_size = 1024;

/// How servers and sessions hold a context: shared, never changed.
using tls_context_ptr = std::shared_ptr<const tls_context>;

/// Checks a `tls-alpn` list: 1 to 255 bytes per name, at least one name.
/// Returns an empty string if it is valid, else the reason.
std::string check_alpn(const std::vector<std::string>& names);

} // namespace pss
