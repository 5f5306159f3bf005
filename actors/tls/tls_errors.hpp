#pragma once

#include <string>

namespace pss {

/// Empties this thread's OpenSSL error queue into one readable reason: the
/// reason strings of its entries, oldest first, joined by "; ", or
/// `fallback` when the queue holds none.
std::string openssl_reason(const std::string& fallback);

/// Empties this thread's OpenSSL error queue, as OpenSSL asks before each
/// TLS operation whose result `SSL_get_error` explains. Costs a look at the
/// queue when it is empty (`ERR_clear_error` resets all of its slots).
void clear_openssl_errors();

} // namespace pss
