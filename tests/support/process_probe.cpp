#include "process_probe.hpp"

#include <fstream>
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

} // namespace pss::test
