#pragma once

#include <string>

#include <sys/types.h>

namespace pss::test {

/// A secret every control test shares (long enough for pss's minimum).
constexpr const char* test_secret = "correct horse battery staple";

/// A temporary file holding `content` with permissions `mode`, removed at
/// the end of the test.
class secret_file {
public:
  explicit secret_file(const std::string& content = test_secret,
                       mode_t mode = 0600);
  secret_file(const secret_file&) = delete;
  secret_file& operator=(const secret_file&) = delete;
  ~secret_file();

  /// Where the file is.
  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

/// A temporary file of any text, a config file say: the same class.
using temp_file = secret_file;

} // namespace pss::test
