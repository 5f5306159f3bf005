#include "control/control_gate.hpp"

#include <chrono>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/node_id.hpp>
#include <caf/replies_to.hpp>

#include "control/reply_scrub.hpp"
#include "pss/atoms.hpp"
#include "pss/errors.hpp"
#include "pss/log.hpp"

namespace pss {

namespace {

/// Where refusals are logged.
constexpr const char* log_source = "control";

/// Most characters of a refused request that go into the log.
constexpr size_t max_logged_request = 200;

/// Why a message that is not an envelope is refused.
const std::string outside_envelope = "not a request in the envelope";

/// How long the gate waits for the middleman to name a peer's address.
constexpr auto address_lookup_timeout = std::chrono::seconds(2);

// A refused request as one log line's worth of text: control characters
// from a peer must not forge log lines.
std::string request_text(const caf::message& msg) {
  if (msg.empty())
    return "an empty request";
  auto text = to_string(msg);
  if (text.size() > max_logged_request) {
    text.resize(max_logged_request);
    text += "...";
  }
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  return text;
}

// -- relaying replies ---------------------------------------------------------

// A handler that passes one reply of the registry on, scrubbed.
template <class Output>
struct relay_handler;

template <class... Os>
struct relay_handler<caf::output_tuple<Os...>> {
  static auto make(caf::response_promise rp) {
    return [rp](Os&... xs) mutable {
      (scrub(xs), ...);
      rp.deliver(std::move(xs)...);
    };
  }
};

template <>
struct relay_handler<caf::output_tuple<void>> {
  static auto make(caf::response_promise rp) {
    return [rp]() mutable { rp.deliver(caf::unit); };
  }
};

template <class Signature>
struct output_of;

template <class Inputs, class Output>
struct output_of<caf::typed_mpi<Inputs, Output>> {
  using type = Output;
};

// Every reply the registry may give, once each, straight from its typed
// interface: a message added to `registry_actor` is relayed without a change
// here (its reply type needs a `scrub`, see reply_scrub.hpp).
using registry_replies = caf::detail::tl_distinct_t<
    caf::detail::tl_map_t<registry_actor::signatures, output_of>>;

template <class Replies>
struct relay;

template <class... Outputs>
struct relay<caf::detail::type_list<Outputs...>> {
  static caf::behavior make(caf::response_promise rp) {
    return {relay_handler<Outputs>::make(rp)..., [rp](caf::error& err) mutable {
              rp.deliver(scrubbed_error(std::move(err)));
            }};
  }
};

// -- the gate -----------------------------------------------------------------

class control_gate : public caf::event_based_actor {
public:
  control_gate(caf::actor_config& cfg, registry_actor registry)
      : caf::event_based_actor(cfg), registry_(std::move(registry)) {
    // nop
  }

  const char* name() const override {
    return "pss.control_gate";
  }

  /// Runs in the sender's thread, before the mailbox: the one place where a
  /// message from another node can be stopped before CAF acts on it. From
  /// anyone but a local actor only envelopes pass (and down messages, which
  /// the gate heeds only from the registry, an actor no peer can name): an
  /// exit message would end the gate even with a handler set (`kill` cannot
  /// be trapped), an error message would end it too, a response would pass
  /// for the registry's. A peer's anonymous messages arrive without a
  /// sender, so a message without one is a stranger's as well.
  void enqueue(caf::mailbox_element_ptr what,
               caf::execution_unit* host) override {
    if (from_local_actor(*what) || is_envelope(*what) || is_down_msg(*what)) {
      caf::event_based_actor::enqueue(std::move(what), host);
      return;
    }
    if (what->mid.is_request() && what->sender != nullptr)
      what->sender->enqueue(
          caf::make_mailbox_element(ctrl(), what->mid.response_id(), {},
                                    refusal(outside_envelope)),
          host);
    // Logging needs the gate's own context (it asks the middleman for the
    // peer's address); a message to itself gets it there.
    auto who = what->sender != nullptr ? what->sender->node() : caf::node_id{};
    caf::event_based_actor::enqueue(
        caf::make_mailbox_element(
            ctrl(), caf::make_message_id(), {}, refused_atom::value,
            std::move(who), outside_envelope,
            request_text(what->copy_content_to_message())),
        host);
  }

  caf::behavior make_behavior() override {
    monitor(registry_);
    set_down_handler([this](caf::down_msg& msg) {
      if (msg.source == registry_.address())
        quit(msg.reason);
    });
    set_default_handler(
        [this](caf::scheduled_actor*,
               caf::message_view& x) -> caf::result<caf::message> {
          report(sender_node(), outside_envelope,
                 request_text(x.copy_content_to_message()));
          return refusal(outside_envelope);
        });
    return {
        [this](auth_atom, caf::message& request) -> caf::result<caf::message> {
          return open(std::move(request));
        },
        [this](refused_atom, const caf::node_id& who, const std::string& reason,
               const std::string& what) { report(who, reason, what); },
    };
  }

private:
  bool from_local_actor(const caf::mailbox_element& x) const {
    return x.sender != nullptr && x.sender->node() == home_system().node();
  }

  static bool is_down_msg(const caf::mailbox_element& x) {
    return !x.mid.is_response() && x.content().match_elements<caf::down_msg>();
  }

  static bool is_envelope(const caf::mailbox_element& x) {
    auto& content = x.content();
    return !x.mid.is_response()
           && content.match_elements<caf::atom_value, caf::message>()
           && content.get_as<caf::atom_value>(0) == auth_atom::value;
  }

  static caf::error refusal(const std::string& reason) {
    return caf::make_error(error::unauthorized, reason);
  }

  // The node of the current message's sender; none for an anonymous one.
  caf::node_id sender_node() {
    auto sender = current_sender();
    return sender != nullptr ? sender->node() : caf::node_id{};
  }

  caf::result<caf::message> open(caf::message request) {
    if (request.empty())
      return caf::make_message(caf::ok_atom::value);
    // The gate asks and answers itself rather than delegating: a delegated
    // request is answered by the registry (or a server) directly, which
    // hands the remote caller that actor's handle, and the reply would not
    // be scrubbed.
    // `then` takes a single handler; the registry answers with one of
    // several types, so the gate adds the whole relay behavior for the
    // response itself, as `then` does inside.
    auto rp = make_response_promise();
    auto sent = this->request(caf::actor_cast<caf::actor>(registry_),
                              caf::infinite, std::move(request));
    add_multiplexed_response_handler(sent.id(),
                                     relay<registry_replies>::make(rp));
    return rp;
  }

  // Logs a refusal; for a peer, with the address the middleman knows it by
  // (its node id is what the peer claims to be, its address is where it
  // really connected from).
  void report(const caf::node_id& who, const std::string& reason,
              const std::string& what) {
    auto write = [reason, what](const std::string& sender) {
      log(log_level::warning, log_source, log_kind{"refused"},
          "refused " + what + " from " + sender + ": " + reason);
    };
    if (who == caf::none) {
      write("an anonymous sender");
      return;
    }
    if (who == home_system().node()) {
      write("this node");
      return;
    }
    auto node = " (node " + to_string(who) + ")";
    request(home_system().middleman().actor_handle(), address_lookup_timeout,
            caf::get_atom::value, who)
        .then(
            [write, node](const caf::node_id&, const std::string& host,
                          uint16_t port) {
              write((host.empty() ? "a peer that is gone"
                                  : host + ":" + std::to_string(port))
                    + node);
            },
            [write, node](caf::error&) {
              write("a peer of unknown address" + node);
            });
  }

  registry_actor registry_;
};

} // namespace

caf::actor spawn_control_gate(caf::actor_system& sys,
                              const registry_actor& registry) {
  return sys.spawn<control_gate>(registry);
}

} // namespace pss
