#include "test_pki.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "child_process.hpp"

namespace pss::test {

namespace {

constexpr const char* openssl = "/usr/bin/openssl";

} // namespace

bool test_pki::run(const std::vector<std::string>& args) {
  child_process proc{openssl, args};
  if (!proc.started()) {
    error_ = std::string{"cannot start "} + openssl;
    return false;
  }
  if (proc.wait_exit(std::chrono::seconds(30)) != 0) {
    error_ = "openssl " + args.front() + " failed: " + proc.stderr_text();
    return false;
  }
  return true;
}

test_pki::test_pki() {
  char pattern[] = "/tmp/pss-pki-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  auto path = [this](const char* name) { return dir_ + "/" + name; };
  auto key = [&](const char* name) {
    return run({"genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", path(name)});
  };
  // A CA (self-signed) and a leaf signed by it, with `ext` as extensions.
  auto self_signed
      = [&](const char* key_name, const char* cert_name, const char* subject) {
          return run({"req", "-x509", "-new", "-key", path(key_name), "-out",
                      path(cert_name), "-days", "2", "-subj", subject});
        };
  auto signed_by = [&](const char* ca, const char* ca_key, const char* key_name,
                       const char* cert_name, const char* subject,
                       const std::string& ext) {
    auto csr = path(cert_name) + ".csr";
    auto ext_file = path(cert_name) + ".ext";
    std::ofstream{ext_file} << ext << "\n";
    return run({"req", "-new", "-key", path(key_name), "-out", csr, "-subj",
                subject})
           && run({"x509", "-req", "-in", csr, "-CA", path(ca), "-CAkey",
                   path(ca_key), "-CAcreateserial", "-out", path(cert_name),
                   "-days", "2", "-extfile", ext_file});
  };
  ok_ = key("ca.key") && self_signed("ca.key", "ca.pem", "/CN=pss test CA")
        && key("server.key")
        && signed_by("ca.pem", "ca.key", "server.key", "server.pem",
                     "/CN=localhost",
                     "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                     "extendedKeyUsage=serverAuth")
        && key("renewed.key")
        && signed_by("ca.pem", "ca.key", "renewed.key", "renewed.pem",
                     "/O=renewed/CN=localhost",
                     "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                     "extendedKeyUsage=serverAuth")
        && key("client.key")
        && signed_by("ca.pem", "ca.key", "client.key", "client.pem",
                     "/O=pss tests/CN=pss-test-client",
                     "extendedKeyUsage=clientAuth")
        && key("other-ca.key")
        && self_signed("other-ca.key", "other-ca.pem", "/CN=another CA")
        && key("stranger.key")
        && signed_by("other-ca.pem", "other-ca.key", "stranger.key",
                     "stranger.pem", "/CN=stranger",
                     "extendedKeyUsage=clientAuth");
  std::ofstream{path("garbage.pem")} << "this is not a certificate\n";
}

test_pki::~test_pki() {
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

const test_pki& shared_pki() {
  static test_pki pki;
  return pki;
}

} // namespace pss::test
