#include "process_probe.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <dirent.h>

namespace pss::test {

size_t open_descriptors(pid_t pid) {
  auto path = "/proc/" + std::to_string(pid) + "/fd";
  size_t count = 0;
  if (auto dir = ::opendir(path.c_str())) {
    while (auto entry = ::readdir(dir))
      if (entry->d_name[0] != '.')
        ++count;
    ::closedir(dir);
  }
  return count;
}

size_t resident_kib(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream in{line.substr(6)};
      size_t kib = 0;
      in >> kib;
      return kib;
    }
  return 0;
}

long cpu_ticks(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  // Fields after the command name (which is in parentheses and may hold
  // spaces): state is field 3, utime 14, stime 15.
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return -1;
  std::istringstream fields{text.substr(close + 2)};
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14)
      utime = std::stol(field);
    if (i == 15)
      stime = std::stol(field);
  }
  return utime + stime;
}

} // namespace pss::test
