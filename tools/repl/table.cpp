#include "table.hpp"

#include <algorithm>

namespace pss::repl {

std::string format_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (auto& header : headers)
    widths.push_back(header.size());
  for (auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size())
        out += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    return out;
  };
  std::string text = line(headers);
  for (auto& row : rows)
    text += "\n" + line(row);
  return text;
}

} // namespace pss::repl
