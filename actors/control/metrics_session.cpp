// The metrics server: a managed server whose sessions each answer one HTTP
// request with every server's totals (Prometheus text), then close. HTTP
// is read as lines: the request line, headers, an empty line.
//
// Peers that send their request slowly (or never) must not keep scrapes
// out: a request must be complete within `request_deadline` of the
// connection, and when incomplete requests are about to take every slot,
// the oldest of them is given up (408) so that one slot stays free.

#include <chrono>
#include <memory>

#include "control/pending_requests.hpp"
#include "pss/atoms.hpp"
#include "pss/metrics.hpp"
#include "pss/proc_socket_server.hpp"

namespace pss {

namespace {

constexpr auto registry_timeout = std::chrono::seconds(5);
constexpr int max_header_lines = 100;
constexpr auto request_deadline = std::chrono::seconds(2);
constexpr int32_t metrics_max_sessions = 16;

// Addresses, not handles: the table must not keep a session alive (its
// behavior holds the table).
using pending_metrics_requests = pending_requests<caf::actor_addr>;

void respond(session& s, const std::string& status, const std::string& type,
             const std::string& body) {
  s.send("HTTP/1.1 " + status + "\r\nContent-Type: " + type
         + "\r\nContent-Length: " + std::to_string(body.size())
         + "\r\nConnection: close\r\n\r\n" + body);
  s.close();
}

void respond_error(session& s, const std::string& status) {
  respond(s, status, "text/plain; charset=utf-8", status + "\n");
}

// Asks the registry for every server, then each server for its totals;
// answers once all did (servers that vanish meanwhile are left out).
void answer_metrics(session& s, const registry_actor& reg) {
  auto self
      = s.io_self(); // The metrics server runs its sessions on the I/O thread.
  self->request(reg, registry_timeout, list_atom::value)
      .then(
          [&s, self, reg](std::vector<server_info>& servers) {
            struct gathering {
              std::vector<server_totals> totals;
              size_t pending = 0;
            };
            auto g = std::make_shared<gathering>();
            g->pending = servers.size();
            auto done = [&s, g] {
              if (--g->pending == 0)
                respond(s, "200 OK", "text/plain; version=0.0.4",
                        render_prometheus(g->totals));
            };
            if (servers.empty()) {
              respond(s, "200 OK", "text/plain; version=0.0.4",
                      render_prometheus({}));
              return;
            }
            for (auto& info : servers)
              self->request(reg, registry_timeout, info_atom::value,
                            server_ref{info.name})
                  .then(
                      [g, done](server_totals& t) {
                        g->totals.push_back(std::move(t));
                        done();
                      },
                      [done](caf::error&) { done(); });
          },
          [&s](caf::error&) { respond_error(s, "503 Service Unavailable"); });
}

// One request's progress. While it is incomplete its session is in
// `pending`; it leaves when the request is complete or the session ends.
struct request_state {
  request_state(std::shared_ptr<pending_metrics_requests> pending,
                uint64_t ticket)
      : pending(std::move(pending)), ticket(ticket) {
    // nop
  }
  request_state(const request_state&) = delete;
  request_state& operator=(const request_state&) = delete;
  ~request_state() {
    pending->remove(ticket);
  }

  /// No more input is taken: the request is complete, or given up.
  void finish() {
    answered = true;
    pending->remove(ticket);
  }

  std::shared_ptr<pending_metrics_requests> pending;
  uint64_t ticket;
  bool have_request_line = false;
  bool answered = false;
  std::string status; // of an error answer; empty: the metrics
  int lines = 0;
};

// Starts a session's request clock and claims its place among the pending
// requests, giving up the oldest one if it took the last free slot.
std::shared_ptr<request_state>
begin_request(session& s,
              const std::shared_ptr<pending_metrics_requests>& pending) {
  auto [ticket, evicted] = pending->add(s.handle().address());
  if (auto oldest = caf::actor_cast<caf::actor>(evicted.value_or(nullptr)))
    s.send_to(oldest, give_up_atom::value);
  s.with_self([&](auto* self) {
    self->delayed_send(s.handle(), request_deadline, give_up_atom::value);
  });
  return std::make_shared<request_state>(pending, ticket);
}

} // namespace

session_function metrics_session(registry_actor reg) {
  // One slot is kept free for a request that comes complete at once.
  auto pending = std::make_shared<pending_metrics_requests>(
      static_cast<size_t>(metrics_max_sessions - 1));
  return [reg, pending](session& s) -> caf::behavior {
    auto st = begin_request(s, pending);
    s.on_packet([&s, st, reg](caf::string_view line) {
      if (st->answered)
        return;
      std::string text{line.begin(), line.end()};
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
      if (!st->have_request_line) {
        st->have_request_line = true;
        // METHOD SP PATH SP VERSION
        auto sp1 = text.find(' ');
        auto sp2 = text.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
        if (sp1 == std::string::npos || sp2 == std::string::npos
            || text.compare(sp2 + 1, 5, "HTTP/") != 0) {
          st->status = "400 Bad Request";
          return;
        }
        auto method = text.substr(0, sp1);
        auto path = text.substr(sp1 + 1, sp2 - sp1 - 1);
        if (method != "GET")
          st->status = "405 Method Not Allowed";
        else if (path != "/metrics" && path != "/")
          st->status = "404 Not Found";
        return;
      }
      if (!text.empty()) {
        if (++st->lines > max_header_lines) {
          st->finish();
          respond_error(s, "431 Request Header Fields Too Large");
        }
        return;
      }
      // The empty line ends the request; one request per connection.
      st->finish();
      if (!st->status.empty())
        respond_error(s, st->status);
      else
        answer_metrics(s, reg);
    });
    return {
        [&s, st](give_up_atom) {
          if (st->answered)
            return;
          st->finish();
          respond_error(s, "408 Request Timeout");
        },
    };
  };
}

caf::expected<server_info> start_metrics_server(const registry_actor& reg,
                                                const std::string& host,
                                                uint16_t port) {
  server_spec spec;
  spec.name = metrics_server_name;
  spec.port = port;
  spec.bind_address = host;
  spec.max = metrics_max_sessions;
  spec.packet = packet_type::line;
  spec.packet_size = 8192;
  // A scraper that connects and sends nothing must not hold a slot.
  spec.session.idle_timeout_ms = 10'000;
  return start_raw_server(reg, std::move(spec), metrics_session(reg));
}

} // namespace pss
