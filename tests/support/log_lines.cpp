#include "log_lines.hpp"

namespace pss::test {

cause_count count_cause(const std::string& text, const std::string& mark,
                        const std::string& kind) {
  cause_count result;
  auto summary_tail = " more suppressed (" + kind + ")";
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    auto tail = line.find(summary_tail);
    if (tail != std::string::npos) {
      auto start = line.rfind(' ', tail - 1);
      result.suppressed += std::stoul(line.substr(start + 1, tail - start - 1));
      ++result.summaries;
    } else if (line.find(mark) != std::string::npos) {
      ++result.written;
    }
  }
  return result;
}

} // namespace pss::test
