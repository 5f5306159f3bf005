#pragma once

#include <string>

namespace pss {

/// Empties this thread's OpenSSL error queue into one readable reason: the
/// reason strings of its entries, oldest first, joined by "; ", or
/// `fallback` when the queue holds none.
std::string openssl_reason(const std::string& fallback);

} // namespace pss
