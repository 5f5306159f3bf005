#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

/// The control endpoint's handshake, as bytes: what a node and a client
/// exchange on a new control connection before CAF's protocol (BASP) gets
/// it. Pure code, no sockets: the front door (control/front_door) and the
/// client side (control/control_connect) drive it.
///
///     node   -> client   hello      "PSSCTL01" flags(1) 0(7) nonce_n(32)
///     client -> node     response   "PSSRSP01" nonce_c(32) mac_c(32)
///     node   -> client   accepted   'A' mac_n(32)        then BASP
///                     or refused    'R' reason(1), then the node closes
///
/// mac_c = HMAC-SHA256(secret, "pss control v1 client" nonce_n nonce_c)
/// mac_n = HMAC-SHA256(secret, "pss control v1 node" nonce_n nonce_c)
///
/// Why: the secret never crosses the wire; a response is bound to the
/// node's fresh nonce, so a recorded one is refused on any other
/// connection; mac_n shows the client it reached a node that knows the
/// secret. Every message has a fixed size, so a node never holds more than
/// a response's worth of bytes for a connection that has not proven itself.
/// Without a secret (loopback endpoints) the macs are all zero and not
/// checked: the handshake then only bounds what a stranger costs.
namespace pss::auth {

using nonce = std::array<unsigned char, 32>;
using mac = std::array<unsigned char, 32>;

constexpr size_t hello_size = 8 + 1 + 7 + 32;
constexpr size_t response_size = 8 + 32 + 32;
constexpr size_t accepted_size = 1 + 32;
constexpr size_t refused_size = 2;

/// Flag of the hello: the node asks for a secret.
constexpr unsigned char flag_secret = 0x01;

/// Why a node refused a client (the byte after 'R').
enum class refusal : unsigned char {
  /// The response's mac does not match (wrong or missing secret).
  wrong_secret = 1,
  /// The response is not one (another protocol, another version).
  bad_response = 2,
};

/// A fresh random nonce (OpenSSL's RAND_bytes). Never fails in practice;
/// if the random source does, it throws std::runtime_error rather than hand
/// out a predictable nonce.
nonce fresh_nonce();

/// The client's mac for `secret` over the two nonces.
mac client_mac(const std::string& secret, const nonce& node_nonce,
               const nonce& client_nonce);

/// The node's mac for `secret` over the two nonces.
mac node_mac(const std::string& secret, const nonce& node_nonce,
             const nonce& client_nonce);

/// Whether two macs are equal, in a time that does not depend on where they
/// differ.
bool macs_equal(const mac& x, const mac& y);

struct hello {
  bool secret_required = false;
  nonce node_nonce{};
};

struct response {
  nonce client_nonce{};
  mac client_mac{};
};

std::array<unsigned char, hello_size> encode(const hello& x);
std::array<unsigned char, response_size> encode(const response& x);

/// The hello in `bytes` (exactly `hello_size` of them), or none if they are
/// not a hello of this version.
std::optional<hello> decode_hello(const unsigned char* bytes);

/// The response in `bytes` (exactly `response_size`), or none if they are
/// not a response of this version.
std::optional<response> decode_response(const unsigned char* bytes);

/// What a node answers to `bytes` (a response) after sending `sent`:
/// the bytes of an accepted or a refused message.
struct verdict {
  bool accepted = false;
  refusal reason = refusal::wrong_secret;
  std::string bytes;
};

/// Judges a client's response. With an empty `secret` every well-formed
/// response is accepted.
verdict judge(const std::string& secret, const hello& sent,
              const unsigned char* response_bytes);

/// What a refusal means, for error messages.
const char* describe(refusal reason);

} // namespace pss::auth
