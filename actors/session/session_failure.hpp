#pragma once

#include <exception>
#include <stdexcept>
#include <string>

#include <caf/error.hpp>

#include "pss/errors.hpp"

namespace pss {

/// The error that ends a session whose handler threw `eptr`:
/// `session_failed` with the exception's text.
inline caf::error session_failure(std::exception_ptr eptr) {
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    return caf::make_error(error::session_failed, std::string{e.what()});
  } catch (...) {
    return caf::make_error(error::session_failed,
                           std::string{"unknown exception"});
  }
}

} // namespace pss
