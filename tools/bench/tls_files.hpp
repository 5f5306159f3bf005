#pragma once

#include <string>

namespace pss::bench {

/// A P-256 key and a self-signed certificate for CN=localhost (SAN
/// DNS:localhost, IP:127.0.0.1), PEM, in a fresh temporary directory that
/// the destructor removes: what both TLS servers of the comparison load.
/// Made in-process with OpenSSL, so the bench needs no `openssl` program.
class tls_files {
public:
  tls_files();
  tls_files(const tls_files&) = delete;
  tls_files& operator=(const tls_files&) = delete;
  ~tls_files();

  /// Empty when the files could not be made (then `error()` says why).
  const std::string& cert() const {
    return cert_;
  }
  const std::string& key() const {
    return key_;
  }
  const std::string& error() const {
    return error_;
  }

private:
  std::string dir_;
  std::string cert_;
  std::string key_;
  std::string error_;
};

} // namespace pss::bench
