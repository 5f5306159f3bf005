#pragma once

#include <string>
#include <vector>

namespace pss::test {

/// Certificates for TLS tests, made by the `openssl` program in a
/// temporary directory (removed at the end of the test): a CA, two server
/// certificates for `localhost` and 127.0.0.1 signed by it, a client
/// certificate signed by it, and a client certificate of another CA.
/// Every key is P-256; the certificates last two days.
class test_pki {
public:
  test_pki();
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;
  ~test_pki();

  /// Whether every file was made (a test REQUIREs it).
  bool ok() const {
    return ok_;
  }

  /// What went wrong when not `ok`.
  const std::string& error() const {
    return error_;
  }

  std::string ca_cert() const {
    return dir_ + "/ca.pem";
  }
  std::string server_cert() const {
    return dir_ + "/server.pem";
  }
  std::string server_key() const {
    return dir_ + "/server.key";
  }
  /// A second server certificate for the same names and CA, with its own
  /// key and the subject `O=renewed,CN=localhost` (what a renewal brings).
  std::string renewed_cert() const {
    return dir_ + "/renewed.pem";
  }
  std::string renewed_key() const {
    return dir_ + "/renewed.key";
  }
  /// Subject `CN=pss-test-client,O=pss tests`, signed by the CA.
  std::string client_cert() const {
    return dir_ + "/client.pem";
  }
  std::string client_key() const {
    return dir_ + "/client.key";
  }
  /// A client certificate signed by a CA the server does not trust.
  std::string stranger_cert() const {
    return dir_ + "/stranger.pem";
  }
  std::string stranger_key() const {
    return dir_ + "/stranger.key";
  }
  /// A file that is not PEM at all.
  std::string garbage_file() const {
    return dir_ + "/garbage.pem";
  }
  /// The directory, for files a test adds.
  const std::string& dir() const {
    return dir_;
  }

private:
  bool run(const std::vector<std::string>& args);

  std::string dir_;
  bool ok_ = false;
  std::string error_;
};

/// One `test_pki` for the whole test program, made at the first call
/// (openssl takes about a second for all the files; a test with a
/// generator would otherwise pay it for every value).
const test_pki& shared_pki();

} // namespace pss::test
