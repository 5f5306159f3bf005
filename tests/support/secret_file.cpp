#include "secret_file.hpp"

#include <cstdlib>

#include <sys/stat.h>
#include <unistd.h>

namespace pss::test {

secret_file::secret_file(const std::string& content, mode_t mode) {
  char path[] = "/tmp/pss-test-secret-XXXXXX";
  auto fd = ::mkstemp(path);
  if (fd < 0)
    return;
  path_ = path;
  auto written = ::write(fd, content.data(), content.size());
  (void)written;
  ::fchmod(fd, mode);
  ::close(fd);
}

secret_file::~secret_file() {
  if (!path_.empty())
    ::unlink(path_.c_str());
}

} // namespace pss::test
