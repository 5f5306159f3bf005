#include "session/session_broker.hpp"

#include <exception>

#include <sys/socket.h>

#include <caf/exit_reason.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/send.hpp>

#include "caf017/broker_cleanup.hpp"
#include "caf017/direct_scribe.hpp"
#include "memory/heap_release.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "server/listen_socket.hpp"
#include "session/linger_watch.hpp"
#include "session/session_behavior.hpp"
#include "session/session_failure.hpp"
#include "session/session_worker.hpp"
#include "session/worker_link.hpp"

namespace pss {

namespace {

// Replies built during one read, written at its end. One buffer serves every
// session: sessions run on the I/O thread one at a time, and each empties it
// before its handler returns.
std::vector<char>& shared_output() {
  thread_local std::vector<char> buf;
  return buf;
}

session_state& state_of(caf::io::abstract_broker* owner) {
  return static_cast<session_broker*>(owner)->state;
}

// What the session's scribe hands the session without CAF's dispatch.
const direct_events session_events{
    [](caf::io::abstract_broker* owner, const char* data, size_t size) {
      return state_of(owner).on_direct_data(data, size);
    },
    [](caf::io::abstract_broker* owner, size_t, size_t remaining) {
      state_of(owner).on_transferred(remaining);
    },
};

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
  last_read_ms_ = now_ms();
  if (cfg_->options.idle_timeout_ms > 0)
    schedule_idle_check(
        std::chrono::milliseconds(cfg_->options.idle_timeout_ms));
  if (cfg_->tls) {
    tls_ = std::make_unique<tls_channel>(cfg_->tls);
    broker()->delayed_send(
        broker(), std::chrono::milliseconds(cfg_->tls_handshake_timeout_ms),
        tls_deadline_atom::value);
  }
}

void session_state::attach_worker(caf::actor worker) {
  link_ = std::make_unique<worker_link>(std::move(worker));
}

const caf::actor* session_state::worker() const {
  return link_ ? &link_->worker() : nullptr;
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
    if (cfg_->options.idle_timeout_ms > 0)
      last_read_ms_ = now_ms();
    grow_reads(size);
    if (tls_)
      on_cipher(data, size);
    else
      on_bytes(data, size);
  } catch (...) {
    in_read_ = false;
    fail(session_failure(std::current_exception()));
  }
  return true;
}

void session_state::on_data(const caf::io::new_data_msg& msg) {
  // The direct path's guard: whatever escapes a read (bad_alloc in the
  // decoder, say) would otherwise leave this session's replies in the
  // shared output buffer, for the next session to send to its own peer.
  on_direct_data(msg.buf.data(), msg.buf.size());
}

void session_state::grow_reads(size_t size) {
  // A read that filled the buffer suggests more is coming: read more at a
  // time. Sessions start small (idle memory) and grow only under load.
  if (size == read_size_ && read_size_ < max_read_size && !ending()) {
    read_size_ = static_cast<uint32_t>(
        std::min(size_t{read_size_} * 2, max_read_size));
    broker()->configure_read(connection(),
                             caf::io::receive_policy::at_most(read_size_));
  }
}

void session_state::on_cipher(const char* data, size_t size) {
  if (ending())
    return;
  // The plaintext of one read, on the I/O thread's scratch buffer (no
  // session keeps one).
  static thread_local std::vector<char> plain;
  plain.clear();
  bool was_established = tls_->established();
  bool ok = tls_->feed(data, size, plain);
  // A worker learns who the peer is before its first packet.
  if (!was_established && tls_->established() && link_)
    link_->tls_established(broker(), tls_->peer_subject(), tls_->alpn());
  if (!plain.empty())
    on_bytes(plain.data(), plain.size());
  if (plain.capacity() > 64 * 1024)
    std::vector<char>{}.swap(plain);
  if (ending())
    return;
  if (!ok) {
    // The alert for the peer goes out first (fail writes what is queued).
    fail(caf::make_error(error::tls_failed, tls_->failure()));
    return;
  }
  // The handshake's answers (on_bytes wrote any replies already).
  write_out();
  if (tls_->peer_finished() && !peer_done_ && !ending())
    on_end_of_input();
}

std::string session_state::tls_peer_subject() const {
  return tls_ ? tls_->peer_subject() : std::string{};
}

std::string session_state::tls_alpn() const {
  return tls_ ? tls_->alpn() : std::string{};
}

void session_state::on_tls_deadline() {
  if (ending() || !tls_ || tls_->established())
    return;
  fail(caf::make_error(error::tls_failed,
                       "no TLS handshake within "
                           + std::to_string(cfg_->tls_handshake_timeout_ms)
                           + " ms"));
}

void session_state::schedule_tls_busy_check() {
  broker()->delayed_send(broker(), tls_busy_check_interval,
                         tls_busy_check_atom::value);
}

void session_state::on_tls_busy_check() {
  if (!ending() && tls_ && tls_->check_busy())
    schedule_tls_busy_check();
}

void session_state::on_bytes(const char* data, size_t size) {
  if (ending())
    return;
  session_stats::bump(stats_->bytes_in, size);
  in_read_ = true;
  auto held = decoder_.buffered();
  auto err = decoder_.feed(
      data, size, [this](const char* pkt, size_t n) { take_packet(pkt, n); });
  in_read_ = false;
  if (decoder_.buffered() < held) // A packet split across reads is done.
    note_buffer_freed(held);
  if (err) {
    fail(std::move(err)); // Writes the replies so far, then ends.
    return;
  }
  write_out();
  update_reading();
}

void session_state::take_packet(const char* data, size_t size) {
  if (ending())
    return;
  session_stats::bump(stats_->packets_in, 1);
  if (link_)
    link_->forward(broker(), data, size);
  else
    deliver(data, size);
}

void session_state::update_reading() {
  if (ending() || peer_done_)
    return;
  bool held = link_ ? link_->holding() : holding();
  gate_.set_active(!held && !write_backed_up_);
}

void session_state::input_flow_changed() {
  // Called from the handlers' side; inside a read, the read's end applies it.
  if (!in_read_)
    update_reading();
}

void session_state::on_closed() {
  if (ending())
    return;
  // The first failure of a connection whose scribe we gave our events
  // (caf017/direct_scribe.hpp) leaves the scribe ours: if the peer only sent
  // its FIN, reading has stopped and the replies to its last packets can still
  // go out. A reset, any later failure, or one on a scribe without our
  // events means the connection is gone: nobody reads replies any more.
  // (Asked only of a session with work in progress: one without ends
  // either way, and the question costs a system call.)
  if (fin_seen_ || !broker()->valid(connection())
      || ((link_ || work_pending())
          && connection_reset(static_cast<int>(connection().id())))) {
    // The peer is gone and CAF's pending write (if any) fails: nothing to
    // linger for.
    released_ = true;
    end(caf::exit_reason::normal); // The original's `socket_closed`.
    return;
  }
  fin_seen_ = true;
  // After TLS close_notify the input had already ended.
  if (!peer_done_)
    on_end_of_input();
}

void session_state::on_end_of_input() {
  peer_done_ = true;
  // Reading stopped for good: a resume would only meet the FIN again.
  gate_.set_active(false);
  in_read_ = true;
  auto err = decoder_.finish(
      [this](const char* pkt, size_t n) { take_packet(pkt, n); });
  in_read_ = false;
  if (err) {
    fail(std::move(err));
    return;
  }
  write_out();
  if (ending())
    return;
  if (link_)
    link_->end_of_input(broker());
  else
    end_of_input();
}

caf::error session_state::write_frame(caf::string_view payload) {
  auto& out = pending_output();
  auto before = out.size();
  if (auto err
      = append_frame(out, cfg_->packet, payload.data(), payload.size()))
    return err;
  count_output(out.size() - before, 1);
  // Inside a read, every packet's reply goes out in one write at its end.
  if (!in_read_)
    write_out();
  return caf::none;
}

void session_state::write_framed(const std::vector<char>& bytes,
                                 uint32_t packets) {
  auto& out = pending_output();
  out.insert(out.end(), bytes.begin(), bytes.end());
  count_output(bytes.size(), packets);
  if (!in_read_)
    write_out();
}

void session_state::count_output(size_t bytes, uint32_t packets) {
  session_stats::bump(stats_->bytes_out, bytes);
  session_stats::bump(stats_->packets_out, packets);
}

void session_state::on_worker_output(const std::string& bytes, uint32_t packets,
                                     uint32_t credit, uint32_t credit_bytes) {
  if (ending())
    return;
  if (!bytes.empty()) {
    auto& out = pending_output();
    out.insert(out.end(), bytes.begin(), bytes.end());
    count_output(bytes.size(), packets);
    write_out();
    if (ending())
      return;
  }
  if (credit > 0)
    link_->returned(broker(), credit, credit_bytes);
  update_reading();
}

void session_state::on_worker_done(const caf::error& reason) {
  if (ending())
    return;
  // The worker's output came before its end (messages between two actors
  // keep their order). A clean end is the session closing.
  if (is_clean_exit(reason)) {
    write_out();
    end(caf::exit_reason::normal);
  } else {
    fail(reason);
  }
}

size_t session_state::write_limit() const {
  return effective_write_limit(cfg_->options, cfg_->packet, cfg_->packet_limit);
}

void session_state::write_out() {
  auto& out = pending_output();
  if (tls_) {
    // Plaintext in, ciphertext out: what the channel held (handshake,
    // alerts, close_notify) and what it encrypted now, in order. A failed
    // or closed channel refuses the plaintext: nothing goes out in clear.
    if (!out.empty()) {
      tls_->write(out.data(), out.size());
      out.clear();
    }
    tls_->take_output(out);
    if (tls_->take_busy_check_request())
      schedule_tls_busy_check();
  }
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
    // A flush that started a write swapped in the buffer of CAF's previous
    // write, now empty: a large one goes.
    if (buf.empty())
      release_caf_output_buffer();
  }
  release_pending_output();
  if (caf_writing_)
    check_backlog();
}

void session_state::check_backlog() {
  // After a flush, wr_buf holds only what queues behind a write the peer
  // has not taken yet: the measure of a peer that does not read. (The
  // write under way does not count: one reply larger than the high water,
  // which the peer may well be reading, pauses nothing. Reading stops when
  // a second queues behind it; the write limit leaves room for that.)
  auto queued = broker()->wr_buf(connection()).size();
  if (queued > write_limit()) {
    fail(
        caf::make_error(error::send_buffer_full,
                        std::to_string(queued) + " bytes queued for " + peer_));
    return;
  }
  if (queued > cfg_->options.write_high_water && !write_backed_up_) {
    write_backed_up_ = true;
    update_reading();
  }
}

void session_state::on_transferred(size_t remaining) {
  if (remaining == 0) {
    caf_writing_ = false;
    broker()->ack_writes(connection(), false);
    release_caf_output_buffer();
  }
  if (write_backed_up_ && remaining <= cfg_->options.write_high_water / 2) {
    write_backed_up_ = false;
    update_reading();
  }
}

void session_state::release_caf_output_buffer() {
  // CAF clears its write buffers but keeps their capacity for the
  // connection's life: one large reply would pin its size (twice: CAF swaps
  // two buffers) until the session ends. The buffer of the write under way
  // is CAF's alone; it comes back here, empty, with the next flush.
  auto& buf = broker()->wr_buf(connection());
  if (buf.empty() && buf.capacity() > max_read_size) {
    auto capacity = buf.capacity();
    std::vector<char>{}.swap(buf);
    note_buffer_freed(capacity);
  }
}

std::vector<char>& session_state::pending_output() {
  return shared_output();
}

void session_state::release_pending_output() {
  auto& out = shared_output();
  out.clear();
  // A burst must not pin its memory on the I/O thread for good.
  if (out.capacity() > 64 * 1024) {
    auto capacity = out.capacity();
    std::vector<char>{}.swap(out);
    note_buffer_freed(capacity);
  }
}

uint32_t session_state::now_ms() {
  auto since_epoch = clock::now().time_since_epoch();
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch)
          .count());
}

void session_state::schedule_idle_check(clock::duration after) {
  broker()->delayed_send(broker(), after, idle_atom::value);
}

void session_state::on_idle_check() {
  if (ending())
    return;
  auto timeout = std::chrono::milliseconds(cfg_->options.idle_timeout_ms);
  auto idle = std::chrono::milliseconds(
      static_cast<uint32_t>(now_ms() - last_read_ms_));
  if (idle >= timeout) {
    fail(caf::make_error(
        error::timeout, "idle for " + std::to_string(timeout.count()) + " ms"));
    return;
  }
  schedule_idle_check(timeout - idle);
}

void session_state::finish_session() {
  write_out();
  end(caf::exit_reason::normal);
}

bool session_state::ending() const {
  return gate_.quitting();
}

void session_state::end(caf::error reason) {
  // A TLS peer learns that the session's output is complete (close_notify)
  // behind the last reply. Not after a failed or unfinished handshake, nor
  // to a peer already cut off.
  if (tls_ && tls_->established() && !tls_->closing() && !released_
      && !ending()) {
    tls_->close();
    write_out();
  }
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
  // The peer of a full send buffer gets a reset: a FIN after the part of
  // its replies it took would make them look complete. A silent peer has
  // no reply in flight; it gets a FIN.
  if (reason == error::send_buffer_full || reason == error::timeout) {
    release_pending_output();
    auto fd = static_cast<int>(connection().id());
    if (reason == error::send_buffer_full)
      reset_connection(fd);
    else
      ::shutdown(fd, SHUT_RDWR);
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
  // The worker ends with its session (a worker blocked in a call ends when
  // the call returns).
  if (link_)
    caf::anon_send_exit(link_->worker(), caf::exit_reason::user_shutdown);
  // The state dies before CAF closes the broker's connections: a scribe
  // still attached is ours, and its socket the connection's.
  if (broker()->valid(connection()))
    release_connection();
  // CAF never closes a broker's mailbox; a message we sent ourselves would
  // keep the broker alive (caf017/broker_cleanup.hpp).
  drain_mailbox(broker(), broker()->fail_state());
  // Large packets of this session may have left free memory behind.
  trim_heap_if_pending();
}

void session_state::release_connection() {
  // CAF ends the connection when the session ends: it writes what it
  // holds, sends FIN and closes the descriptor. Two things go wrong
  // without a watch: a peer that never reads keeps CAF writing for ever,
  // and a peer still sending has input unread at the close, for which the
  // kernel resets the connection and drops the replies it still held. A
  // peer that sent its FIN has nothing more to send.
  if (released_)
    return;
  released_ = true;
  bool input_open = !peer_done_;
  if (!caf_writing_ && !input_open)
    return;
  auto fd = static_cast<int>(connection().id());
  if (cfg_->options.linger_ms == 0) {
    if (caf_writing_)
      reset_connection(fd);
    return;
  }
  watch_linger(broker()->home_system(), fd,
               std::chrono::milliseconds(cfg_->options.linger_ms), input_open);
}

void session_state::become(caf::behavior handlers) {
  broker()->become(make_behavior(std::move(handlers)));
}

caf::actor session_state::handle() const {
  return caf::actor_cast<caf::actor>(broker());
}

caf::scheduled_actor* session_state::self() {
  return broker();
}

caf::io::broker* session_state::io_self() {
  return broker();
}

caf::event_based_actor* session_state::worker_self() {
  return nullptr;
}

namespace {

// The behavior of a session whose session function failed: settle messages
// must still reach the gate before the session ends.
caf::behavior failed_session(session_broker* self) {
  return {
      [self](settle_atom) { self->state.on_settled(); },
      [self](const caf::io::connection_closed_msg&) {
        self->state.on_closed();
      },
  };
}

} // namespace

caf::behavior start_child(session_broker* self, caf::io::connection_handle hdl,
                          std::shared_ptr<const session_config> cfg,
                          std::string peer,
                          std::shared_ptr<session_stats> stats) {
  self->set_exception_handler(
      [](caf::scheduled_actor*, std::exception_ptr& eptr) {
        return session_failure(eptr);
      });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.on_exit_request(std::move(msg.reason));
  });
  self->compact_connection_table();
  auto& st = self->state;
  auto mode = cfg->options.runs_on;
  auto fun = cfg->fun;
  st.init(self, hdl, cfg, peer, std::move(stats));
  caf::behavior bhvr;
  if (mode == run_mode::io) {
    caf::behavior user_handlers;
    try {
      user_handlers = fun(st);
    } catch (...) {
      st.fail(session_failure(std::current_exception()));
      return failed_session(self);
    }
    bhvr = st.make_behavior(std::move(user_handlers));
  } else {
    // The session function runs on the worker, in its first turn.
    auto broker = caf::actor_cast<caf::actor>(self);
    caf::actor worker
        = mode == run_mode::thread
              ? self->spawn<caf::detached>(session_worker, broker, cfg, peer)
              : self->spawn(session_worker, broker, cfg, peer);
    st.attach_worker(worker);
    // Messages for the session that pss does not handle go to the worker,
    // whose handlers are the session's.
    self->set_default_handler(
        [worker](caf::scheduled_actor* ptr,
                 caf::message_view& x) -> caf::result<caf::message> {
          auto rp = ptr->make_response_promise();
          rp.delegate(worker, x.move_content_to_message());
          return rp;
        });
    bhvr = st.make_behavior(caf::behavior{});
  }
  // From now on reads skip CAF's message dispatch (see
  // caf017/direct_scribe.hpp).
  set_direct_events(self, hdl, &session_events);
  return bhvr;
}

} // namespace pss
