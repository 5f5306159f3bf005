#include "session/session_core.hpp"

#include <exception>

#include <caf/make_message.hpp>
#include <caf/send.hpp>

#include "caf017/awaits_response.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "session/session_failure.hpp"

namespace pss {

namespace {

// The message that carries each packet to the session's handlers, shared
// by every session that runs on this thread (one at a time): no allocation
// per packet or per session, unless a handler keeps the message
// (copy-on-write then gives the next packet a new one).
caf::message& shared_packet_message() {
  thread_local caf::message msg = caf::make_message(packet{});
  return msg;
}

} // namespace

/// The link from reply slots back to their session.
class session_core::sink : public detail::reply_sink {
public:
  explicit sink(session_core& owner) : owner_(owner) {
    // nop
  }

  caf::error fill_reply(uint64_t id, caf::string_view payload) override {
    std::vector<char> bytes;
    if (auto err = owner_.frame(bytes, payload)) {
      release_reply(id);
      return err;
    }
    owner_.flow().order.fill(id, std::move(bytes), 1);
    owner_.send_ready_replies();
    owner_.maybe_finish();
    return caf::none;
  }

  void release_reply(uint64_t id) override {
    owner_.flow().order.fill(id, {}, 0);
    owner_.send_ready_replies();
    owner_.maybe_finish();
  }

private:
  session_core& owner_;
};

session_core::~session_core() {
  // Slots that outlive the session find it gone.
  if (flow_)
    flow_->slots.reset();
}

session_core::flow_state& session_core::flow() {
  if (!flow_) {
    flow_ = std::make_unique<flow_state>();
    flow_->slots = std::make_shared<sink>(*this);
  }
  return *flow_;
}

bool session_core::awaiting() {
  return caf017::awaits_response(self());
}

bool session_core::holding() const {
  auto self_ptr = const_cast<session_core*>(this);
  return paused_ || (flow_ && !flow_->held.empty()) || self_ptr->awaiting();
}

bool session_core::work_pending() const {
  return holding() || (flow_ && flow_->order.holds_back());
}

void session_core::deliver(const char* data, size_t size) {
  if (closing_ || ending()) {
    consumed(size);
    return;
  }
  if (holding()) {
    hold(data, size);
    return;
  }
  dispatch(data, size);
  consumed(size);
  after_dispatch();
}

void session_core::after_dispatch() {
  // A handler that started an await: input is held until the response
  // came, and the release message (which CAF delivers after it) resumes.
  if (awaiting())
    post_release();
  maybe_finish();
}

void session_core::hold(const char* data, size_t size) {
  flow().held.emplace_back(data, size);
  // A paused session waits for resume_reading; one that awaits a response
  // gets the release message once the response came (CAF skips it before).
  if (!paused_)
    post_release();
  input_flow_changed();
}

void session_core::post_release() {
  if (release_posted_)
    return;
  release_posted_ = true;
  caf::anon_send(handle(), release_atom::value);
}

void session_core::on_release() {
  release_posted_ = false;
  while (flow_ && !flow_->held.empty() && !paused_ && !closing_ && !ending()) {
    if (awaiting()) {
      post_release();
      return;
    }
    auto pkt = std::move(flow_->held.front());
    flow_->held.pop_front();
    dispatch(pkt.data(), pkt.size());
    consumed(pkt.size());
  }
  if (closing_)
    drop_held();
  input_flow_changed();
  after_dispatch();
}

void session_core::end_of_input() {
  input_ended_ = true;
  input_flow_changed();
  maybe_finish();
}

void session_core::maybe_finish() {
  if (finished_ || ending())
    return;
  bool input_done
      = closing_ || (input_ended_ && (!flow_ || flow_->held.empty()));
  if (!input_done)
    return;
  // Reserved replies still to come: each fill checks again. An awaited
  // response still to come: the release message, which CAF delivers after
  // it, checks again.
  if ((flow_ && flow_->order.holds_back()) || awaiting())
    return;
  finished_ = true;
  finish_session();
}

void session_core::dispatch(const char* data, size_t size) {
  if (packet_fn_) {
    // Hold the function: it may replace itself.
    auto fn = packet_fn_;
    try {
      fn(caf::string_view{data, size});
    } catch (...) {
      fail(session_failure(std::current_exception()));
    }
    return;
  }
  auto& msg = shared_packet_message();
  msg.force_unshare();
  auto& pkt = msg.get_mutable_as<packet>(0);
  pkt.data.assign(data, size);
  // Hold the handlers: one of them may call become() and replace them.
  auto current = handlers_;
  try {
    if (!current(msg) && !warned_unhandled_) {
      warned_unhandled_ = true;
      log(log_level::warning, server_name(), log_kind{"no packet handler"},
          "session " + std::to_string(handle().id()) + " (" + peer()
              + ") has no handler for pss::packet; packets are dropped");
    }
  } catch (...) {
    fail(session_failure(std::current_exception()));
  }
  // One large packet must not pin its memory on this thread for good.
  if (!msg.shared() && pkt.data.capacity() > 64 * 1024)
    std::string{}.swap(pkt.data);
}

caf::error session_core::frame(std::vector<char>& out,
                               caf::string_view payload) {
  return append_frame(out, framing(), payload.data(), payload.size());
}

caf::error session_core::send(caf::string_view payload) {
  if (ending())
    return caf::none;
  if (flow_ && flow_->order.holds_back()) {
    std::vector<char> bytes;
    if (auto err = frame(bytes, payload))
      return err;
    flow_->order.append(bytes.data(), bytes.size(), 1);
    return caf::none;
  }
  return write_frame(payload);
}

void session_core::send_ready_replies() {
  if (ending())
    return;
  flow().order.take_ready(
      [this](const std::vector<char>& bytes, uint32_t packets) {
        write_framed(bytes, packets);
      });
}

void session_core::close() {
  if (ending() || closing_)
    return;
  closing_ = true;
  drop_held();
  input_flow_changed();
  maybe_finish();
}

void session_core::drop_held() {
  if (!flow_)
    return;
  while (!flow_->held.empty()) {
    consumed(flow_->held.front().size());
    flow_->held.pop_front();
  }
}

void session_core::pause_reading() {
  if (paused_)
    return;
  paused_ = true;
  input_flow_changed();
}

void session_core::resume_reading() {
  if (!paused_)
    return;
  paused_ = false;
  // Held packets (and the end of input) are delivered in a turn of their
  // own, not inside the handler that resumed.
  post_release();
  input_flow_changed();
}

bool session_core::reading_paused() const {
  return paused_;
}

run_mode session_core::runs_on() const {
  return cfg_->options.runs_on;
}

const caf::actor& session_core::server() const {
  return cfg_->server;
}

const std::string& session_core::server_name() const {
  return cfg_->server_name;
}

const std::string& session_core::peer() const {
  return peer_;
}

packet_type session_core::framing() const {
  return cfg_->packet;
}

reply_slot session_core::reserve_reply() {
  auto& f = flow();
  return reply_slot{f.slots, f.order.reserve()};
}

void session_core::on_packet(std::function<void(caf::string_view)> fn) {
  packet_fn_ = std::move(fn);
}

} // namespace pss
