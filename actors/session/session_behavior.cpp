#include "session/session_behavior.hpp"

#include <caf/detail/behavior_impl.hpp>
#include <caf/io/system_messages.hpp>
#include <caf/make_counted.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/unit.hpp>

#include "pss/atoms.hpp"
#include "session/session_broker.hpp"
#include "session/session_messages.hpp"

namespace pss {

namespace {

class session_behavior final : public caf::detail::behavior_impl {
public:
  using behavior_impl::invoke;

  session_behavior(session_state& st, caf::behavior user)
      : behavior_impl(user ? user.timeout() : caf::duration{}), st_(st),
        user_(std::move(user)) {
    // nop
  }

  caf::match_case::result invoke(caf::detail::invoke_result_visitor& f,
                                 caf::type_erased_tuple& xs) override {
    if (invoke_own(f, xs))
      return caf::match_case::match;
    return user_(f, xs);
  }

  void handle_timeout() override {
    // The user's handlers own the timeout, as with CAF's `or_else`.
    if (user_)
      user_.handle_timeout();
  }

private:
  // Handles pss's messages; false for any other message.
  bool invoke_own(caf::detail::invoke_result_visitor& f,
                  caf::type_erased_tuple& xs) {
    using namespace caf::io;
    // Most frequent first: every read of the peer's bytes.
    if (xs.match_elements<new_data_msg>()) {
      st_.on_data(xs.get_as<new_data_msg>(0));
    } else if (xs.match_elements<caf::atom_value, std::string, uint32_t,
                                 uint32_t, uint32_t>()
               && xs.get_as<caf::atom_value>(0) == output_atom::value) {
      st_.on_worker_output(xs.get_as<std::string>(1), xs.get_as<uint32_t>(2),
                           xs.get_as<uint32_t>(3), xs.get_as<uint32_t>(4));
    } else if (xs.match_elements<caf::atom_value, caf::error>()
               && xs.get_as<caf::atom_value>(0) == worker_done_atom::value) {
      st_.on_worker_done(xs.get_as<caf::error>(1));
    } else if (xs.match_elements<data_transferred_msg>()) {
      st_.on_transferred(xs.get_as<data_transferred_msg>(0).remaining);
    } else if (xs.match_elements<connection_closed_msg>()) {
      st_.on_closed();
    } else if (st_.worker() != nullptr
               && (is_atom(xs, close_atom::value)
                   || is_atom_and_string(xs, send_atom::value))) {
      // The worker runs the session: its output and its end are ordered
      // there (reply slots, held packets).
      return false;
    } else if (handle_session_message(st_, f, xs)) {
      return true;
    } else if (is_atom(xs, settle_atom::value)) {
      st_.on_settled();
    } else if (is_atom(xs, idle_atom::value)) {
      st_.on_idle_check();
    } else if (is_atom(xs, tls_deadline_atom::value)) {
      st_.on_tls_deadline();
    } else if (is_atom(xs, tls_busy_check_atom::value)) {
      st_.on_tls_busy_check();
    } else {
      return false;
    }
    // Handled: answered like a handler returning void (an empty message,
    // to requests only).
    f(caf::unit);
    return true;
  }

  session_state& st_;
  caf::behavior user_;
};

} // namespace

caf::behavior make_session_behavior(session_state& st, caf::behavior user) {
  caf::behavior result;
  result.assign(caf::behavior::impl_ptr{
      caf::make_counted<session_behavior>(st, std::move(user))});
  return result;
}

} // namespace pss
