#include "tls/tls_context.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls/tls_errors.hpp"

namespace pss {

namespace {

// OpenSSL reports a missing file as a decoder error; name the system's
// reason first, which is what the user can act on.
bool readable(const std::string& option, const std::string& path,
              std::string& error) {
  auto* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = option + " " + path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  std::fclose(file);
  return true;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                const unsigned char* in, unsigned int inlen, void* arg) {
  auto& wire = *static_cast<std::vector<unsigned char>*>(arg);
  unsigned char* chosen = nullptr;
  // The server's order wins: SSL_select_next_proto takes the first of its
  // first list that the second offers.
  if (SSL_select_next_proto(&chosen, outlen, wire.data(),
                            static_cast<unsigned int>(wire.size()), in, inlen)
      != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

} // namespace

std::string check_alpn(const std::vector<std::string>& names) {
  if (names.empty())
    return "tls-alpn: no protocol named";
  for (auto& name : names)
    if (name.empty() || name.size() > 255)
      return "tls-alpn: a protocol name has 1 to 255 bytes, not "
             + std::to_string(name.size());
  return {};
}

std::shared_ptr<const tls_context> tls_context::load(const tls_files& files,
                                                     std::string& error) {
  ERR_clear_error();
  if (files.cert.empty() || files.key.empty()) {
    error = "TLS needs both tls-cert and tls-key";
    return nullptr;
  }
  if (!files.alpn.empty()) {
    error = check_alpn(files.alpn);
    if (!error.empty())
      return nullptr;
  }
  if (!readable("tls-cert", files.cert, error)
      || !readable("tls-key", files.key, error)
      || (!files.ca.empty() && !readable("tls-ca", files.ca, error)))
    return nullptr;
  auto* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    error = "TLS: " + openssl_reason("cannot create a context");
    return nullptr;
  }
  std::shared_ptr<tls_context> result{new tls_context(ctx, files)};
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Renegotiation lets a client make the server redo the expensive half of
  // a handshake at will; nothing pss serves needs it.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // An idle session holds no record buffers (about 34 KB each otherwise).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_sess_set_cache_size(ctx, tls_session_cache_size);
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) != 1) {
    error = "tls-cert " + files.cert + ": "
            + openssl_reason("not a PEM certificate chain");
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM)
      != 1) {
    error = "tls-key " + files.key + ": "
            + openssl_reason("not a PEM private key");
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    error = "tls-key " + files.key + ": "
            + openssl_reason("does not match tls-cert " + files.cert);
    return nullptr;
  }
  if (!files.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1) {
      error = "tls-ca " + files.ca + ": "
              + openssl_reason("not a PEM certificate list");
      return nullptr;
    }
    // The names a client picks its certificate by.
    auto* names = SSL_load_client_CA_file(files.ca.c_str());
    if (names == nullptr) {
      error = "tls-ca " + files.ca + ": "
              + openssl_reason("holds no certificate");
      return nullptr;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
    // Resumed sessions keep their verified client: OpenSSL refuses to
    // resume without an id context when it verifies peers.
    static const unsigned char id[] = "pss";
    SSL_CTX_set_session_id_context(ctx, id, sizeof(id) - 1);
  }
  if (!files.alpn.empty()) {
    auto& wire = result->alpn_wire_;
    for (auto& name : files.alpn) {
      wire.push_back(static_cast<unsigned char>(name.size()));
      wire.insert(wire.end(), name.begin(), name.end());
    }
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, &wire);
  }
  ERR_clear_error();
  return result;
}

tls_context::tls_context(ssl_ctx_st* ctx, tls_files files)
    : ctx_(ctx), files_(std::move(files)) {
  // nop
}

tls_context::~tls_context() {
  SSL_CTX_free(ctx_);
}

} // namespace pss
