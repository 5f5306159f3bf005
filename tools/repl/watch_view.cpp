#include "watch_view.hpp"

#include <algorithm>
#include <cstdio>

#include "table.hpp"

namespace pss::repl {

namespace {

// A rate per second with one decimal, e.g. `12.5`.
std::string rate_text(double per_second) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", per_second);
  return buf;
}

const char* state_text(const server_totals& t) {
  if (t.draining)
    return "draining";
  if (t.suspended)
    return "suspended";
  return "accepting";
}

} // namespace

result watch_view::refresh(const server_totals& now,
                           std::vector<child_info> sessions,
                           clock::time_point at) {
  // Rates need two samples; the first refresh shows zeros.
  double seconds = 0;
  server_totals before = now;
  if (last_) {
    before = *last_;
    seconds = std::chrono::duration<double>(at - last_at_).count();
  }
  auto per_second = [&](uint64_t x, uint64_t y) {
    return seconds > 0 && x >= y ? static_cast<double>(x - y) / seconds : 0.0;
  };
  auto accepted = per_second(now.accepted, before.accepted);
  auto in = per_second(now.bytes_in, before.bytes_in);
  auto out = per_second(now.bytes_out, before.bytes_out);
  auto pkts_in = per_second(now.packets_in, before.packets_in);
  auto pkts_out = per_second(now.packets_out, before.packets_out);
  auto new_errors
      = now.ended_error - std::min(now.ended_error, before.ended_error);
  last_ = now;
  last_at_ = at;
  result res;
  auto& js = res.json["watch"];
  js["name"] = now.name;
  js["port"] = now.port;
  js["state"] = state_text(now);
  js["num"] = now.active;
  js["max"] = now.max;
  js["peak"] = now.peak;
  js["waiting"] = now.waiting;
  js["accepted"] = now.accepted;
  js["ended_error"] = now.ended_error;
  js["new_errors"] = new_errors;
  js["accepted_per_s"] = accepted;
  js["bytes_in_per_s"] = in;
  js["bytes_out_per_s"] = out;
  js["packets_in_per_s"] = pkts_in;
  js["packets_out_per_s"] = pkts_out;
  std::sort(sessions.begin(), sessions.end(),
            [](const child_info& x, const child_info& y) {
              return x.bytes_in + x.bytes_out > y.bytes_in + y.bytes_out;
            });
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < sessions.size() && i < max_rows; ++i) {
    auto& s = sessions[i];
    rows.push_back({std::to_string(s.id), s.peer,
                    std::to_string(s.age_ms / 1000) + "s",
                    std::to_string(s.bytes_in), std::to_string(s.bytes_out)});
  }
  res.text
      = now.name + "  port " + std::to_string(now.port) + "  " + state_text(now)
        + "\n" + "sessions " + std::to_string(now.active) + "/"
        + std::to_string(now.max) + "  peak " + std::to_string(now.peak)
        + "  waiting " + std::to_string(now.waiting) + "  accepted "
        + std::to_string(now.accepted) + " (" + rate_text(accepted) + "/s)\n"
        + "errors " + std::to_string(now.ended_error) + " (+"
        + std::to_string(new_errors) + ")  refused frames "
        + std::to_string(now.refused_frames) + "\n" + "in  " + rate_text(in)
        + " B/s  " + rate_text(pkts_in) + " packets/s\n" + "out "
        + rate_text(out) + " B/s  " + rate_text(pkts_out) + " packets/s\n";
  if (rows.empty())
    res.text += "(no sessions)";
  else
    res.text
        += format_table({"ID", "PEER", "AGE", "BYTES_IN", "BYTES_OUT"}, rows);
  if (sessions.size() > max_rows)
    res.text += "\n(" + std::to_string(sessions.size() - max_rows)
                + " more sessions)";
  return res;
}

} // namespace pss::repl
