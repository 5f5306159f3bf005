#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "caf017/scheduler.hpp"
#include "session/session_config.hpp"
#include "session/session_core.hpp"

namespace pss {

/// The state of a session's worker: the actor that runs the session's
/// handlers in modes `pool` (on CAF's scheduler) and `thread` (detached,
/// on a thread of its own), while its broker keeps the connection. It is
/// the `pss::session` those handlers see.
///
/// Packets arrive as `(input_atom, data)` and the end of input as
/// `eof_atom`, in order. Output and the credit for every packet taken go
/// back to the broker as one `(output_atom, bytes, packets, credit,
/// credit_bytes)` message per message handled; output sent outside a
/// handler (a response handler) goes at once. The worker's end, normal or
/// not, is the session's: its last message tells the broker,
/// `(worker_done_atom, reason)`.
class worker_state : public session_core {
public:
  /// Tells the broker that the worker, and so the session, ended.
  ~worker_state() override;

  /// Binds the state to its actor and its session's broker.
  void init(caf::event_based_actor* self, caf::actor broker,
            std::shared_ptr<const session_config> cfg, std::string peer);

  /// Runs `fn` as a handler: output it sends is batched and flushed after.
  template <class F>
  auto in_handler(F&& fn) {
    struct guard {
      worker_state& st;
      bool outer;
      ~guard() {
        st.in_handler_ = outer;
        if (!outer)
          st.flush();
      }
    } g{*this, in_handler_};
    in_handler_ = true;
    return fn();
  }

  /// Sends the output and the credit gathered so far to the broker.
  void flush();

  /// Wraps the session's handlers with the worker's own.
  caf::behavior make_behavior(caf::behavior user_handlers);

  // -- pss::session -----------------------------------------------------------

  void fail(caf::error reason) override;
  void become(caf::behavior handlers) override;
  caf::actor handle() const override;
  caf::scheduled_actor* self() override;
  caf::io::broker* io_self() override;
  caf::event_based_actor* worker_self() override;
  std::string tls_peer_subject() const override;
  std::string tls_alpn() const override;

  /// Takes the TLS peer's subject and ALPN from the broker.
  void on_tls_peer(std::string subject, std::string alpn);

protected:
  caf::error write_frame(caf::string_view payload) override;
  void write_framed(const std::vector<char>& bytes, uint32_t packets) override;
  void finish_session() override;
  bool ending() const override;
  void consumed(size_t size) override;

private:
  void quit(caf::error reason);

  caf::event_based_actor* self_ = nullptr;
  caf::actor broker_;
  /// Packets in the output not yet sent to the broker.
  uint32_t out_packets_ = 0;
  /// Packets (and their bytes) taken since the last flush.
  uint32_t credit_ = 0;
  uint32_t credit_bytes_ = 0;
  bool in_handler_ = false;
  bool quitting_ = false;
  /// The TLS peer's subject and ALPN (only with TLS: a pointer for the
  /// sessions without).
  std::unique_ptr<std::pair<std::string, std::string>> tls_peer_;
};

/// The worker actor of a session in mode `pool` or `thread`.
class session_worker_actor : public caf::stateful_actor<worker_state>,
                             public caf017::timeout_tracked {
public:
  using super = caf::stateful_actor<worker_state>;
  using super::super;
};

/// Starts a session's worker: runs the session function, then its handlers.
caf::behavior session_worker(session_worker_actor* self, caf::actor broker,
                             std::shared_ptr<const session_config> cfg,
                             std::string peer);

} // namespace pss
