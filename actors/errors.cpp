#include "pss/errors.hpp"

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

namespace pss {

std::string to_string(error x) {
  switch (x) {
    case error::none:
      return "none";
    case error::retrylater:
      return "retrylater";
    case error::timeout:
      return "timeout";
    case error::already_started:
      return "already_started";
    case error::address_in_use:
      return "address_in_use";
    case error::bind_failed:
      return "bind_failed";
    case error::packet_too_large:
      return "packet_too_large";
    case error::invalid_argument:
      return "invalid_argument";
    case error::unknown_handler:
      return "unknown_handler";
    case error::session_failed:
      return "session_failed";
    case error::send_buffer_full:
      return "send_buffer_full";
    case error::truncated_frame:
      return "truncated_frame";
    case error::unauthorized:
      return "unauthorized";
    case error::tls_failed:
      return "tls_failed";
  }
  return "error_" + std::to_string(static_cast<int>(x));
}

namespace {

// A context of one string (how pss makes its errors) reads best bare; any
// other context is shown the way CAF prints messages.
std::string context_text(const caf::message& context) {
  if (context.empty())
    return {};
  if (context.size() == 1 && context.match_element<std::string>(0))
    return context.get_as<std::string>(0);
  return to_string(context);
}

} // namespace

std::string render_error(uint8_t code, caf::atom_value,
                         const caf::message& context) {
  auto result = to_string(static_cast<error>(code));
  auto detail = context_text(context);
  if (!detail.empty()) {
    result += ": ";
    result += detail;
  }
  return result;
}

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  if (err.category() == error_category)
    return render_error(err.code(), err.category(), err.context());
  if (err.category() == caf::atom("system")) {
    auto text = to_string(static_cast<caf::sec>(err.code()));
    auto detail = context_text(err.context());
    return detail.empty() ? text : text + ": " + detail;
  }
  if (err.category() == caf::atom("exit"))
    return to_string(static_cast<caf::exit_reason>(err.code()));
  return to_string(err);
}

bool is_clean_exit(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal;
}

} // namespace pss
