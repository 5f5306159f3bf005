#pragma once

#include <string>
#include <vector>

namespace pss::repl {

/// Lays out `rows` under `headers` in left-aligned columns two spaces
/// apart, one line per row, for people to read.
std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows);

} // namespace pss::repl
