#include "session_broker.hpp"

#include <exception>

#include <sys/socket.h>

#include <caf/exit_reason.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/make_message.hpp>

#include "broker_cleanup.hpp"
#include "direct_scribe.hpp"
#include "linger_watch.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "session_behavior.hpp"

namespace pss {

namespace {

// Replies built during one read, written at its end. One buffer serves every
// session: sessions run on the I/O thread one at a time, and each empties it
// before its handler returns.
std::vector<char>& shared_output() {
  thread_local std::vector<char> buf;
  return buf;
}

// The message that carries each packet to the session's handlers, shared
// the same way: no allocation per packet or per session, unless a handler
// keeps the message (copy-on-write then gives the next packet a new one).
caf::message& shared_packet_message() {
  thread_local caf::message msg = caf::make_message(packet{});
  return msg;
}

// Exceptions thrown by handlers that CAF itself invokes (messages other than
// packets) end the session the same way as those thrown while dispatching
// packets: with `session_failed` and the exception's text.
caf::error exception_to_error(std::exception_ptr& eptr) {
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    return caf::make_error(error::session_failed, std::string{e.what()});
  } catch (...) {
    return caf::make_error(error::session_failed,
                           std::string{"unknown exception"});
  }
}

} // namespace

void session_state::init(caf::io::broker* self, caf::io::connection_handle hdl,
                         std::shared_ptr<const session_config> cfg,
                         std::string peer,
                         std::shared_ptr<session_stats> stats) {
  // The server started reading in an earlier I/O turn (start_session), so
  // the socket is settled in the loop and the gate may pause it at once.
  gate_.init(self, hdl, false);
  cfg_ = std::move(cfg);
  peer_ = std::move(peer);
  stats_ = std::move(stats);
  decoder_ = frame_decoder{cfg_->packet, cfg_->packet_limit};
  read_size_ = cfg_->options.read_buffer;
  last_read_ = clock::now();
  if (cfg_->options.idle_timeout_ms > 0)
    schedule_idle_check(
        std::chrono::milliseconds(cfg_->options.idle_timeout_ms));
}

caf::behavior session_state::make_behavior(caf::behavior user_handlers) {
  handlers_ = user_handlers;
  return make_session_behavior(*this, std::move(user_handlers));
}

bool session_state::on_direct_data(const char* data, size_t size) {
  if (ending())
    return false;
  // Nothing may escape a read: on the direct path there is no CAF handler
  // around us to catch it, and on either path it would leave this
  // session's replies in the I/O thread's shared output buffer.
  try {
    on_bytes(data, size);
  } catch (...) {
    in_read_ = false;
    auto eptr = std::current_exception();
    fail(exception_to_error(eptr));
  }
  return true;
}

void session_state::on_data(const caf::io::new_data_msg& msg) {
  // The direct path's guard: whatever escapes a read (bad_alloc in the
  // decoder, say) would otherwise leave this session's replies in the
  // shared output buffer, for the next session to send to its own peer.
  on_direct_data(msg.buf.data(), msg.buf.size());
}

void session_state::on_bytes(const char* data, size_t size) {
  if (ending())
    return;
  if (cfg_->options.idle_timeout_ms > 0)
    last_read_ = clock::now();
  session_stats::bump(stats_->bytes_in, size);
  // A read that filled the buffer suggests more is coming: read more at a
  // time. Sessions start small (idle memory) and grow only under load.
  if (size == read_size_ && read_size_ < max_read_size) {
    read_size_ = std::min(read_size_ * 2, max_read_size);
    broker()->configure_read(connection(),
                             caf::io::receive_policy::at_most(read_size_));
  }
  in_read_ = true;
  auto err = decoder_.feed(
      data, size, [this](const char* pkt, size_t n) { dispatch(pkt, n); });
  in_read_ = false;
  if (err)
    fail(std::move(err)); // Writes the replies so far, then ends.
  else
    write_out();
}

void session_state::on_closed() {
  // CAF has just taken the connection from us (the peer closed, reset, or a
  // write failed), but goes on writing what it holds of our output.
  release_connection();
  if (ending())
    return;
  in_read_ = true;
  auto err = decoder_.finish(
      [this](const char* data, size_t size) { dispatch(data, size); });
  in_read_ = false;
  write_out();
  if (err) {
    fail(std::move(err));
    return;
  }
  // The original's `socket_closed`: a clean end.
  end(caf::exit_reason::normal);
}

void session_state::dispatch(const char* data, size_t size) {
  if (ending())
    return;
  session_stats::bump(stats_->packets_in, 1);
  if (packet_fn_) {
    // Hold the function: it may replace itself.
    auto fn = packet_fn_;
    try {
      fn(caf::string_view{data, size});
    } catch (...) {
      auto eptr = std::current_exception();
      fail(exception_to_error(eptr));
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
      log(log_level::warning, cfg_->server_name,
          "session " + std::to_string(broker()->id()) + " (" + peer_
              + ") has no handler for pss::packet; packets are dropped");
    }
  } catch (...) {
    auto eptr = std::current_exception();
    fail(exception_to_error(eptr));
  }
  // One large packet must not pin its memory on the I/O thread for good.
  if (!msg.shared() && pkt.data.capacity() > 64 * 1024)
    std::string{}.swap(pkt.data);
}

caf::error session_state::send(caf::string_view payload) {
  if (ending())
    return caf::none;
  auto& out = pending_output();
  auto before = out.size();
  if (auto err
      = append_frame(out, cfg_->packet, payload.data(), payload.size()))
    return err;
  session_stats::bump(stats_->bytes_out, out.size() - before);
  session_stats::bump(stats_->packets_out, 1);
  // Inside a read, every packet's reply goes out in one write at its end.
  if (!in_read_)
    write_out();
  return caf::none;
}

size_t session_state::write_limit() const {
  auto& opts = cfg_->options;
  return opts.write_limit != 0 ? opts.write_limit
                               : size_t{16} * opts.write_high_water;
}

void session_state::write_out() {
  auto& out = pending_output();
  if (out.empty())
    return;
  // Fast path: nothing of ours waits in CAF, so write to the socket at once
  // (one system call, as a hand-written server does). CAF 0.17 would
  // otherwise register for a write event, wait a loop turn and unregister
  // again for every reply.
  size_t written = 0;
  if (!caf_writing_) {
    auto n = ::send(static_cast<int>(connection().id()), out.data(), out.size(),
                    MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0)
      written = static_cast<size_t>(n);
  }
  if (written < out.size()) {
    // The socket is full (or broken): CAF queues the rest and writes it when
    // the peer takes it, reporting progress so that we know when it is done.
    auto& buf = broker()->wr_buf(connection());
    buf.insert(buf.end(), out.begin() + static_cast<long>(written), out.end());
    caf_writing_ = true;
    broker()->ack_writes(connection(), true);
    broker()->flush(connection());
  }
  release_pending_output();
  if (caf_writing_)
    check_backlog();
}

void session_state::check_backlog() {
  // After a flush, wr_buf holds only what queues behind a write the peer
  // has not taken yet: the measure of a peer that does not read.
  auto queued = broker()->wr_buf(connection()).size();
  if (queued > write_limit()) {
    fail(
        caf::make_error(error::send_buffer_full,
                        std::to_string(queued) + " bytes queued for " + peer_));
    return;
  }
  if (queued > cfg_->options.write_high_water && gate_.active())
    gate_.set_active(false);
}

void session_state::on_transferred(const caf::io::data_transferred_msg& msg) {
  if (msg.remaining == 0) {
    caf_writing_ = false;
    broker()->ack_writes(connection(), false);
  }
  if (!gate_.active() && msg.remaining <= cfg_->options.write_high_water / 2)
    gate_.set_active(true);
}

std::vector<char>& session_state::pending_output() {
  return shared_output();
}

void session_state::release_pending_output() {
  auto& out = shared_output();
  out.clear();
  // A burst must not pin its memory on the I/O thread for good.
  if (out.capacity() > 64 * 1024)
    std::vector<char>{}.swap(out);
}

void session_state::schedule_idle_check(clock::duration after) {
  broker()->delayed_send(broker(), after, idle_atom::value);
}

void session_state::on_idle_check() {
  if (ending())
    return;
  auto timeout = std::chrono::milliseconds(cfg_->options.idle_timeout_ms);
  auto idle = clock::now() - last_read_;
  if (idle >= timeout) {
    fail(caf::make_error(
        error::timeout, "idle for " + std::to_string(timeout.count()) + " ms"));
    return;
  }
  schedule_idle_check(timeout - idle);
}

void session_state::close() {
  if (ending())
    return;
  write_out();
  end(caf::exit_reason::normal);
}

void session_state::end(caf::error reason) {
  gate_.quit(std::move(reason));
}

void session_state::on_exit_request(caf::error reason) {
  if (!reason || ending())
    return;
  end(std::move(reason));
}

void session_state::fail(caf::error reason) {
  if (ending())
    return;
  // A peer that stopped reading or went silent is not waited for: its
  // connection is shut down now (while the scribe, and so the descriptor,
  // is still ours), and CAF's pending write fails and releases it.
  // Otherwise the replies to the packets before the failure still go out,
  // within the linger time.
  bool abort = reason == error::send_buffer_full || reason == error::timeout;
  if (abort) {
    release_pending_output();
    ::shutdown(static_cast<int>(connection().id()), SHUT_RDWR);
    released_ = true; // Nothing left to linger for.
  } else {
    write_out();
    if (ending()) // Writing found a peer that does not read.
      return;
  }
  end(std::move(reason));
}

session_state::~session_state() {
  if (broker() == nullptr)
    return;
  // The state dies before CAF closes the broker's connections: a scribe
  // still attached is ours, and its socket the connection's.
  if (broker()->valid(connection()))
    release_connection();
  // CAF never closes a broker's mailbox; a message we sent ourselves would
  // keep the broker alive (broker_cleanup.hpp).
  drain_mailbox(broker(), broker()->fail_state());
}

void session_state::release_connection() {
  // Without output queued in CAF, CAF sends FIN and closes the descriptor
  // at once when the session ends; with some, it would wait for a peer
  // that may never read.
  if (!caf_writing_ || released_)
    return;
  released_ = true;
  auto fd = static_cast<int>(connection().id());
  if (cfg_->options.linger_ms == 0)
    reset_connection(fd);
  else
    watch_linger(broker()->home_system(), fd,
                 std::chrono::milliseconds(cfg_->options.linger_ms));
}

void session_state::on_packet(std::function<void(caf::string_view)> fn) {
  packet_fn_ = std::move(fn);
}

void session_state::become(caf::behavior handlers) {
  broker()->become(make_behavior(std::move(handlers)));
}

caf::actor session_state::handle() const {
  return caf::actor_cast<caf::actor>(broker());
}

caf::io::broker* session_state::self() {
  return broker();
}

const caf::actor& session_state::server() const {
  return cfg_->server;
}

const std::string& session_state::server_name() const {
  return cfg_->server_name;
}

const std::string& session_state::peer() const {
  return peer_;
}

packet_type session_state::framing() const {
  return cfg_->packet;
}

caf::behavior start_child(session_broker* self, caf::io::connection_handle hdl,
                          std::shared_ptr<const session_config> cfg,
                          std::string peer,
                          std::shared_ptr<session_stats> stats) {
  self->set_exception_handler(
      [](caf::scheduled_actor*, std::exception_ptr& eptr) {
        return exception_to_error(eptr);
      });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.on_exit_request(std::move(msg.reason));
  });
  self->compact_connection_table();
  auto& st = self->state;
  auto fun = cfg->fun;
  st.init(self, hdl, std::move(cfg), std::move(peer), std::move(stats));
  caf::behavior user_handlers;
  try {
    user_handlers = fun(st);
  } catch (...) {
    auto eptr = std::current_exception();
    st.fail(exception_to_error(eptr));
    // Settle messages must still reach the gate before the session ends.
    return {
        [self](settle_atom) { self->state.on_settled(); },
        [self](const caf::io::connection_closed_msg&) {
          self->state.on_closed();
        },
    };
  }
  auto bhvr = st.make_behavior(std::move(user_handlers));
  // From now on reads skip CAF's message dispatch (see direct_scribe.hpp).
  set_direct_reader(
      self, hdl,
      [](caf::io::abstract_broker* owner, const char* data, size_t size) {
        return static_cast<session_broker*>(owner)->state.on_direct_data(data,
                                                                         size);
      });
  return bhvr;
}

} // namespace pss
