#include "session/session_worker.hpp"

#include <caf/detail/behavior_impl.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_counted.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/unit.hpp>

#include "pss/atoms.hpp"
#include "session/session_failure.hpp"
#include "session/session_messages.hpp"

namespace pss {

namespace {

// Output of the handler running now, framed. One buffer serves every worker
// on a thread: a worker empties it (flush) before its handler returns and
// before any other actor runs on the thread.
std::vector<char>& pending_output() {
  thread_local std::vector<char> buf;
  return buf;
}

/// The worker's behavior: packets from the broker and pss's messages
/// first, then the session's handlers; output is flushed after each.
class worker_behavior final : public caf::detail::behavior_impl {
public:
  using behavior_impl::invoke;

  worker_behavior(worker_state& st, caf::behavior user)
      : behavior_impl(user ? user.timeout() : caf::duration{}), st_(st),
        user_(std::move(user)) {
    // nop
  }

  caf::match_case::result invoke(caf::detail::invoke_result_visitor& f,
                                 caf::type_erased_tuple& xs) override {
    return st_.in_handler([&] {
      if (invoke_own(f, xs))
        return caf::match_case::match;
      return user_(f, xs);
    });
  }

  void handle_timeout() override {
    if (user_)
      st_.in_handler([&] { user_.handle_timeout(); });
  }

private:
  bool invoke_own(caf::detail::invoke_result_visitor& f,
                  caf::type_erased_tuple& xs) {
    if (is_atom_and_string(xs, input_atom::value)) {
      auto& data = xs.get_as<std::string>(1);
      st_.deliver(data.data(), data.size());
    } else if (is_atom(xs, eof_atom::value)) {
      st_.end_of_input();
    } else if (xs.match_elements<caf::atom_value, std::string, std::string>()
               && xs.get_as<caf::atom_value>(0) == tls_peer_atom::value) {
      st_.on_tls_peer(xs.get_as<std::string>(1), xs.get_as<std::string>(2));
    } else {
      return handle_session_message(st_, f, xs);
    }
    f(caf::unit);
    return true;
  }

  worker_state& st_;
  caf::behavior user_;
};

} // namespace

worker_state::~worker_state() {
  // The worker's end is the session's: its broker hears it after all the
  // output sent before (CAF keeps the order of one sender's messages).
  // Cheaper than a monitor: no attachable per session.
  if (self_ != nullptr)
    caf::anon_send(broker_, worker_done_atom::value, self_->fail_state());
}

void worker_state::init(caf::event_based_actor* self, caf::actor broker,
                        std::shared_ptr<const session_config> cfg,
                        std::string peer) {
  self_ = self;
  broker_ = std::move(broker);
  cfg_ = std::move(cfg);
  peer_ = std::move(peer);
}

caf::behavior worker_state::make_behavior(caf::behavior user_handlers) {
  handlers_ = user_handlers;
  caf::behavior result;
  result.assign(caf::behavior::impl_ptr{
      caf::make_counted<worker_behavior>(*this, std::move(user_handlers))});
  return result;
}

void worker_state::flush() {
  auto& out = pending_output();
  if (out.empty() && credit_ == 0)
    return;
  self_->send(broker_, output_atom::value, std::string{out.begin(), out.end()},
              out_packets_, credit_, credit_bytes_);
  out.clear();
  // A burst must not pin its memory on this thread for good.
  if (out.capacity() > 64 * 1024)
    std::vector<char>{}.swap(out);
  out_packets_ = 0;
  credit_ = 0;
  credit_bytes_ = 0;
}

caf::error worker_state::write_frame(caf::string_view payload) {
  if (auto err = append_frame(pending_output(), cfg_->packet, payload.data(),
                              payload.size()))
    return err;
  ++out_packets_;
  if (!in_handler_)
    flush();
  return caf::none;
}

void worker_state::write_framed(const std::vector<char>& bytes,
                                uint32_t packets) {
  auto& out = pending_output();
  out.insert(out.end(), bytes.begin(), bytes.end());
  out_packets_ += packets;
  if (!in_handler_)
    flush();
}

void worker_state::consumed(size_t size) {
  ++credit_;
  credit_bytes_ += static_cast<uint32_t>(size);
}

void worker_state::quit(caf::error reason) {
  if (quitting_)
    return;
  quitting_ = true;
  // The broker writes this output before it sees our end.
  flush();
  self_->quit(std::move(reason));
}

void worker_state::finish_session() {
  quit(caf::exit_reason::normal);
}

void worker_state::fail(caf::error reason) {
  quit(std::move(reason));
}

bool worker_state::ending() const {
  return quitting_;
}

void worker_state::become(caf::behavior handlers) {
  self_->become(make_behavior(std::move(handlers)));
}

caf::actor worker_state::handle() const {
  return caf::actor_cast<caf::actor>(self_);
}

caf::scheduled_actor* worker_state::self() {
  return self_;
}

caf::io::broker* worker_state::io_self() {
  return nullptr;
}

caf::event_based_actor* worker_state::worker_self() {
  return self_;
}

std::string worker_state::tls_peer_subject() const {
  return tls_peer_ ? tls_peer_->first : std::string{};
}

std::string worker_state::tls_alpn() const {
  return tls_peer_ ? tls_peer_->second : std::string{};
}

void worker_state::on_tls_peer(std::string subject, std::string alpn) {
  tls_peer_ = std::make_unique<std::pair<std::string, std::string>>(
      std::move(subject), std::move(alpn));
}

caf::behavior session_worker(session_worker_actor* self, caf::actor broker,
                             std::shared_ptr<const session_config> cfg,
                             std::string peer) {
  self->set_exception_handler(
      [](caf::scheduled_actor*, std::exception_ptr& eptr) {
        return session_failure(eptr);
      });
  auto& st = self->state;
  auto fun = cfg->fun;
  st.init(self, std::move(broker), std::move(cfg), std::move(peer));
  caf::behavior user_handlers;
  try {
    user_handlers = st.in_handler([&] { return fun(st); });
  } catch (...) {
    st.fail(session_failure(std::current_exception()));
    return {};
  }
  return st.make_behavior(std::move(user_handlers));
}

} // namespace pss
