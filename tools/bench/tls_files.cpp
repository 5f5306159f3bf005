#include "tls_files.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace pss::bench {

namespace {

struct free_pkey {
  void operator()(EVP_PKEY* p) const {
    EVP_PKEY_free(p);
  }
};
struct free_pkey_ctx {
  void operator()(EVP_PKEY_CTX* p) const {
    EVP_PKEY_CTX_free(p);
  }
};
struct free_x509 {
  void operator()(X509* p) const {
    X509_free(p);
  }
};
struct free_ext {
  void operator()(X509_EXTENSION* p) const {
    X509_EXTENSION_free(p);
  }
};
struct close_file {
  void operator()(std::FILE* f) const {
    std::fclose(f);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, free_pkey>;

// OpenSSL's first queued reason, or `fallback`.
std::string reason(const char* fallback) {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return std::string{fallback} + ": " + text;
}

pkey_ptr make_p256_key() {
  std::unique_ptr<EVP_PKEY_CTX, free_pkey_ctx> ctx{
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)};
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1
      || EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1
      || EVP_PKEY_generate(ctx.get(), &key) != 1)
    return nullptr;
  return pkey_ptr{key};
}

// Adds an extension written as in openssl.cnf (`DNS:localhost,...`).
bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, free_ext> ext{
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

std::unique_ptr<X509, free_x509> make_self_signed(EVP_PKEY* key) {
  std::unique_ptr<X509, free_x509> cert{X509_new()};
  if (!cert)
    return nullptr;
  auto* name = X509_get_subject_name(cert.get());
  auto* cn = reinterpret_cast<const unsigned char*>("localhost");
  // A day of validity, starting a minute ago (a clock a little behind).
  bool ok
      = X509_set_version(cert.get(), X509_VERSION_3) == 1
        && ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1
        && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr
        && X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) != nullptr
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0)
               == 1
        && X509_set_issuer_name(cert.get(), name) == 1
        && X509_set_pubkey(cert.get(), key) == 1
        && add_extension(cert.get(), NID_subject_alt_name,
                         "DNS:localhost,IP:127.0.0.1")
        && add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE")
        && X509_sign(cert.get(), key, EVP_sha256()) > 0;
  return ok ? std::move(cert) : nullptr;
}

// Opens `path` for writing, readable by its owner only (it may hold a
// private key).
std::unique_ptr<std::FILE, close_file> create_private(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return nullptr;
  auto* file = ::fdopen(fd, "w");
  if (file == nullptr)
    ::close(fd);
  return std::unique_ptr<std::FILE, close_file>{file};
}

} // namespace

tls_files::tls_files() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string{tmp != nullptr && *tmp ? tmp : "/tmp"}
                        + "/pss-bench-tls-XXXXXX";
  std::vector<char> path(pattern.begin(), pattern.end());
  path.push_back('\0');
  if (::mkdtemp(path.data()) == nullptr) {
    error_ = "cannot create a directory like " + pattern;
    return;
  }
  dir_ = path.data();
  auto key = make_p256_key();
  if (!key) {
    error_ = reason("cannot make a P-256 key");
    return;
  }
  auto cert = make_self_signed(key.get());
  if (!cert) {
    error_ = reason("cannot make a certificate");
    return;
  }
  auto key_path = dir_ + "/key.pem";
  auto cert_path = dir_ + "/cert.pem";
  auto key_file = create_private(key_path);
  auto cert_file = create_private(cert_path);
  if (!key_file || !cert_file
      || PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0,
                              nullptr, nullptr)
             != 1
      || PEM_write_X509(cert_file.get(), cert.get()) != 1
      || std::fflush(key_file.get()) != 0
      || std::fflush(cert_file.get()) != 0) {
    error_ = reason(("cannot write " + dir_).c_str());
    return;
  }
  key_ = key_path;
  cert_ = cert_path;
}

tls_files::~tls_files() {
  if (dir_.empty())
    return;
  // Only what the constructor made: no recursive removal.
  ::unlink((dir_ + "/key.pem").c_str());
  ::unlink((dir_ + "/cert.pem").c_str());
  ::rmdir(dir_.c_str());
}

} // namespace pss::bench
