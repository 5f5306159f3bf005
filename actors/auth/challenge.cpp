#include "auth/challenge.hpp"

#include <cstring>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace pss::auth {

namespace {

constexpr char hello_magic[] = "PSSCTL01";
constexpr char response_magic[] = "PSSRSP01";
constexpr size_t magic_size = 8;

// The label keeps a client's mac from ever passing for a node's and the
// other way round (a node that echoed macs would otherwise be an oracle).
mac labeled_mac(const char* label, const std::string& secret,
                const nonce& node_nonce, const nonce& client_nonce) {
  unsigned char input[64 + 32 + 32];
  auto label_size = std::strlen(label);
  std::memcpy(input, label, label_size);
  std::memcpy(input + label_size, node_nonce.data(), node_nonce.size());
  std::memcpy(input + label_size + node_nonce.size(), client_nonce.data(),
              client_nonce.size());
  mac result{};
  unsigned int size = 0;
  auto ok = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                 input, label_size + node_nonce.size() + client_nonce.size(),
                 result.data(), &size);
  if (ok == nullptr || size != result.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return result;
}

} // namespace

nonce fresh_nonce() {
  nonce result{};
  if (RAND_bytes(result.data(), static_cast<int>(result.size())) != 1)
    throw std::runtime_error("no random bytes for a nonce");
  return result;
}

mac client_mac(const std::string& secret, const nonce& node_nonce,
               const nonce& client_nonce) {
  return labeled_mac("pss control v1 client", secret, node_nonce, client_nonce);
}

mac node_mac(const std::string& secret, const nonce& node_nonce,
             const nonce& client_nonce) {
  return labeled_mac("pss control v1 node", secret, node_nonce, client_nonce);
}

bool macs_equal(const mac& x, const mac& y) {
  return CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

std::array<unsigned char, hello_size> encode(const hello& x) {
  std::array<unsigned char, hello_size> bytes{};
  std::memcpy(bytes.data(), hello_magic, magic_size);
  bytes[magic_size] = x.secret_required ? flag_secret : 0;
  std::memcpy(bytes.data() + magic_size + 8, x.node_nonce.data(),
              x.node_nonce.size());
  return bytes;
}

std::array<unsigned char, response_size> encode(const response& x) {
  std::array<unsigned char, response_size> bytes{};
  std::memcpy(bytes.data(), response_magic, magic_size);
  std::memcpy(bytes.data() + magic_size, x.client_nonce.data(),
              x.client_nonce.size());
  std::memcpy(bytes.data() + magic_size + x.client_nonce.size(),
              x.client_mac.data(), x.client_mac.size());
  return bytes;
}

std::optional<hello> decode_hello(const unsigned char* bytes) {
  if (std::memcmp(bytes, hello_magic, magic_size) != 0)
    return std::nullopt;
  hello result;
  result.secret_required = (bytes[magic_size] & flag_secret) != 0;
  std::memcpy(result.node_nonce.data(), bytes + magic_size + 8,
              result.node_nonce.size());
  return result;
}

std::optional<response> decode_response(const unsigned char* bytes) {
  if (std::memcmp(bytes, response_magic, magic_size) != 0)
    return std::nullopt;
  response result;
  std::memcpy(result.client_nonce.data(), bytes + magic_size,
              result.client_nonce.size());
  std::memcpy(result.client_mac.data(),
              bytes + magic_size + result.client_nonce.size(),
              result.client_mac.size());
  return result;
}

verdict judge(const std::string& secret, const hello& sent,
              const unsigned char* response_bytes) {
  verdict result;
  auto refuse = [&](refusal why) {
    result.accepted = false;
    result.reason = why;
    result.bytes = {'R', static_cast<char>(why)};
    return result;
  };
  auto got = decode_response(response_bytes);
  if (!got)
    return refuse(refusal::bad_response);
  mac proof{};
  if (!secret.empty()) {
    auto expected = client_mac(secret, sent.node_nonce, got->client_nonce);
    if (!macs_equal(expected, got->client_mac))
      return refuse(refusal::wrong_secret);
    proof = node_mac(secret, sent.node_nonce, got->client_nonce);
  }
  result.accepted = true;
  result.bytes.assign(1, 'A');
  result.bytes.append(reinterpret_cast<const char*>(proof.data()),
                      proof.size());
  return result;
}

const char* describe(refusal reason) {
  switch (reason) {
    case refusal::wrong_secret:
      return "wrong secret";
    case refusal::bad_response:
      return "not a pss control client";
  }
  return "refused";
}

} // namespace pss::auth
