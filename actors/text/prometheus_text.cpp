// The Prometheus text exposition format (version 0.0.4) of server totals.

#include <functional>

#include "pss/metrics.hpp"

namespace pss {

namespace {

// Label values escape backslash, double quote and newline.
std::string escape_label(const std::string& value) {
  std::string result;
  for (auto c : value) {
    if (c == '\\')
      result += "\\\\";
    else if (c == '"')
      result += "\\\"";
    else if (c == '\n')
      result += "\\n";
    else
      result += c;
  }
  return result;
}

std::string server_labels(const server_totals& t) {
  return "server=\"" + escape_label(t.name) + "\",port=\""
         + std::to_string(t.port) + "\"";
}

struct metric {
  const char* name;
  const char* type;
  const char* help;
  std::function<uint64_t(const server_totals&)> value;
};

const std::vector<metric>& simple_metrics() {
  static const std::vector<metric> table{
      {"pss_sessions", "gauge", "Sessions running now.",
       [](const server_totals& t) { return uint64_t(t.active); }},
      {"pss_sessions_max", "gauge", "Most sessions at once (the limit).",
       [](const server_totals& t) { return uint64_t(t.max); }},
      {"pss_sessions_peak", "gauge", "Most sessions that ran at once.",
       [](const server_totals& t) { return uint64_t(t.peak); }},
      {"pss_clients_waiting", "gauge",
       "Clients connected but waiting for a slot (listen backlog included).",
       [](const server_totals& t) { return uint64_t(t.waiting); }},
      {"pss_sessions_accepted_total", "counter", "Sessions started.",
       [](const server_totals& t) { return t.accepted; }},
      {"pss_refused_frames_total", "counter",
       "Frames refused: oversized, or cut off by the peer closing.",
       [](const server_totals& t) { return t.refused_frames; }},
      {"pss_received_bytes_total", "counter",
       "Bytes received from peers, framing included.",
       [](const server_totals& t) { return t.bytes_in; }},
      {"pss_sent_bytes_total", "counter",
       "Bytes queued for peers, framing included.",
       [](const server_totals& t) { return t.bytes_out; }},
      {"pss_received_packets_total", "counter", "Packets received from peers.",
       [](const server_totals& t) { return t.packets_in; }},
      {"pss_sent_packets_total", "counter", "Packets sent to peers.",
       [](const server_totals& t) { return t.packets_out; }},
      {"pss_server_suspended", "gauge", "1 while accepting is suspended.",
       [](const server_totals& t) { return uint64_t(t.suspended); }},
      {"pss_server_draining", "gauge", "1 while the server drains.",
       [](const server_totals& t) { return uint64_t(t.draining); }},
      {"pss_server_uptime_seconds", "gauge",
       "Seconds since the server started.",
       [](const server_totals& t) { return t.uptime_ms / 1000; }},
  };
  return table;
}

void header(std::string& out, const char* name, const char* type,
            const char* help) {
  out += std::string{"# HELP "} + name + " " + help + "\n";
  out += std::string{"# TYPE "} + name + " " + type + "\n";
}

void sample(std::string& out, const char* name, const std::string& labels,
            uint64_t value) {
  out += std::string{name} + "{" + labels + "} " + std::to_string(value) + "\n";
}

} // namespace

std::string render_prometheus(const std::vector<server_totals>& servers) {
  std::string out;
  for (auto& m : simple_metrics()) {
    header(out, m.name, m.type, m.help);
    for (auto& t : servers)
      sample(out, m.name, server_labels(t), m.value(t));
  }
  header(out, "pss_sessions_ended_total", "counter",
         "Sessions ended, by how: clean, error, or closed by the server.");
  for (auto& t : servers) {
    auto labels = server_labels(t);
    sample(out, "pss_sessions_ended_total", labels + ",result=\"clean\"",
           t.ended_clean);
    sample(out, "pss_sessions_ended_total", labels + ",result=\"error\"",
           t.ended_error);
    sample(out, "pss_sessions_ended_total", labels + ",result=\"closed\"",
           t.closed_by_server);
  }
  header(out, "pss_session_errors_total", "counter",
         "Sessions ended with an error, by reason.");
  for (auto& t : servers)
    for (auto& kvp : t.errors)
      sample(out, "pss_session_errors_total",
             server_labels(t) + ",reason=\"" + escape_label(kvp.first) + "\"",
             kvp.second);
  return out;
}

} // namespace pss
