#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pss/control.hpp"
#include "pss/errors.hpp"

namespace pss {

namespace {

caf::error invalid(const std::string& what) {
  return caf::make_error(error::invalid_argument, what);
}

// Drops the line end an editor or `echo` leaves after the secret.
void trim_line_end(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
}

caf::expected<std::string> checked(std::string secret,
                                   const std::string& origin) {
  if (secret.empty())
    return invalid(origin + " is empty");
  if (secret.size() < min_secret_length)
    return invalid(origin + " holds a secret shorter than "
                   + std::to_string(min_secret_length)
                   + " characters (make one with: head -c 32 /dev/urandom "
                     "| base64)");
  if (secret.size() > max_secret_length)
    return invalid(origin + " holds more than "
                   + std::to_string(max_secret_length) + " bytes");
  return secret;
}

} // namespace

caf::expected<std::string> read_secret_file(const std::string& path) {
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return invalid("secret file " + path + ": " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    auto err = errno;
    ::close(fd);
    return invalid("secret file " + path + ": " + std::strerror(err));
  }
  // Same rule as ssh for private keys: a secret others can read is no
  // secret, and one others can write is not ours.
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o",
                  static_cast<unsigned>(info.st_mode & 07777));
    return invalid("secret file " + path
                   + " may be read or written by group or others (mode " + mode
                   + "): chmod 600 " + path);
  }
  // Reads up to one byte past the limit: that much says "too long". A pipe
  // (--secret-file <(command)) may deliver the secret in pieces.
  std::string text;
  char buf[512];
  while (text.size() <= max_secret_length) {
    auto got = ::read(fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      auto err = errno;
      ::close(fd);
      return invalid("secret file " + path + ": " + std::strerror(err));
    }
    if (got == 0)
      break;
    text.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  trim_line_end(text);
  return checked(std::move(text), "secret file " + path);
}

caf::expected<std::string> load_secret(const std::string& secret_file) {
  if (!secret_file.empty())
    return read_secret_file(secret_file);
  auto from_env = std::getenv(secret_environment_variable);
  if (from_env == nullptr)
    return std::string{};
  std::string text{from_env};
  trim_line_end(text);
  return checked(std::move(text), secret_environment_variable);
}

} // namespace pss
