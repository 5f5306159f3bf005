#pragma once

#include <string>

namespace pss {

/// Whether `given` equals `expected`, in a time that depends only on the
/// length of `expected`: how far a guess matches must not show in how long
/// the answer takes.
bool secrets_equal(const std::string& given, const std::string& expected);

} // namespace pss
