#include "tls/tls_errors.hpp"

#include <openssl/err.h>

namespace pss {

std::string openssl_reason(const std::string& fallback) {
  std::string result;
  while (auto code = ERR_get_error()) {
    // The reason alone ("certificate verify failed"): the library and
    // function parts name OpenSSL's internals, not the user's mistake.
    const char* reason = ERR_reason_error_string(code);
    std::string text
        = reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
    if (result.find(text) != std::string::npos)
      continue;
    if (!result.empty())
      result += "; ";
    result += text;
  }
  return result.empty() ? fallback : result;
}

void clear_openssl_errors() {
  if (ERR_peek_error() != 0)
    ERR_clear_error();
}

} // namespace pss
