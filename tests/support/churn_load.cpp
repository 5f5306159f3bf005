#include "churn_load.hpp"

#include <thread>

#include "loopback_client.hpp"

namespace pss::test {

namespace {

using clock = std::chrono::steady_clock;

/// How a client uses its one connection; clients take them in turn.
enum class visit_kind {
  /// One packet, its echo, close.
  plain,
  /// Three packets in one write, three echoes, close.
  several,
  /// The start of the packet one byte per write, then the rest.
  trickle,
  /// One packet, then half-close: the echo and the server's close follow.
  half_close,
  /// One packet, its echo, then a TCP reset instead of a close.
  reset,
  /// One packet, its echo, then the start of a packet and a close (line
  /// framing: an unterminated line, which the server still answers).
  cut_off,
};

constexpr int visit_kinds = 6;

/// Shared by the clients of one load: the tally and its lock.
struct shared_tally {
  std::mutex mtx;
  churn_tally tally;
};

std::string on_wire(packet_type type, const std::string& payload) {
  std::vector<char> out;
  append_frame(out, type, payload.data(), payload.size());
  return {out.begin(), out.end()};
}

/// A token no other connection of the load sends: who, which visit, and a
/// filler whose length varies so that reads and buffers vary too.
std::string make_token(size_t target, int client, uint64_t seq) {
  auto token = "t" + std::to_string(target) + "." + std::to_string(client) + "."
               + std::to_string(seq) + ":";
  auto filler = (seq * 131 + static_cast<uint64_t>(client) * 17) % 700;
  for (uint64_t i = 0; i < filler; ++i)
    token += static_cast<char>('a' + (seq + i) % 26);
  return token;
}

/// Sends `bytes` and checks that exactly they come back; "" when they did.
std::string round_trip(loopback_client& client, const std::string& bytes) {
  if (!client.send(bytes))
    return "send failed";
  auto echo = client.receive(bytes.size());
  if (echo != bytes)
    return "echo of " + std::to_string(bytes.size()) + " bytes came back as "
           + std::to_string(echo.size()) + " other bytes";
  return {};
}

/// Half-closes and checks that exactly `expected` comes before the server's
/// close; "" when it did.
std::string finish_half_closed(loopback_client& client,
                               const std::string& expected) {
  client.shutdown_sending();
  std::string rest;
  if (!client.receive_to_end(rest))
    return "server did not close after a half-close";
  if (rest != expected)
    return "half-closed: expected " + std::to_string(expected.size())
           + " bytes before the close, got " + std::to_string(rest.size());
  return {};
}

/// One connection of `kind` to `target`; "" when it was served as expected.
std::string visit(const churn_target& target, visit_kind kind,
                  const std::string& token) {
  loopback_client client{target.port};
  if (!client.connected())
    return "connect failed";
  auto packet = on_wire(target.framing, token);
  switch (kind) {
    case visit_kind::plain:
      return round_trip(client, packet);
    case visit_kind::several:
      return round_trip(client, packet + on_wire(target.framing, token + "/2")
                                    + on_wire(target.framing, token + "/3"));
    case visit_kind::trickle: {
      auto head = std::min<size_t>(packet.size(), 12);
      for (size_t i = 0; i < head; ++i)
        if (client.send_some(packet.data() + i, 1) != 1)
          return "trickle send failed";
      if (!client.send(packet.substr(head)))
        return "send failed";
      auto echo = client.receive(packet.size());
      return echo == packet ? "" : "trickled packet came back changed";
    }
    case visit_kind::half_close:
      if (!client.send(packet))
        return "send failed";
      return finish_half_closed(client, packet);
    case visit_kind::reset: {
      auto why = round_trip(client, packet);
      client.reset();
      return why;
    }
    case visit_kind::cut_off: {
      if (target.framing == packet_type::line) {
        if (!client.send(token))
          return "send failed";
        return finish_half_closed(client, token + "\n");
      }
      auto why = round_trip(client, packet);
      if (!why.empty())
        return why;
      auto next = on_wire(target.framing, token);
      if (!client.send(next.substr(0, header_size(target.framing) + 3)))
        return "send failed";
      return {};
    }
  }
  return "unknown visit";
}

/// One client thread: visits until `until`, then adds its counts to `out`.
void churn_client(const churn_target& target, size_t target_index, int client,
                  clock::time_point until, shared_tally& out) {
  churn_tally mine;
  for (uint64_t seq = 0; clock::now() < until; ++seq) {
    auto kind = static_cast<visit_kind>((seq + static_cast<uint64_t>(client))
                                        % visit_kinds);
    ++mine.started;
    auto why = visit(target, kind, make_token(target_index, client, seq));
    if (why.empty()) {
      ++mine.served;
      if (kind == visit_kind::cut_off && header_size(target.framing) > 0)
        ++mine.cut_off;
    } else {
      ++mine.failed;
      if (mine.failures.size() < 5)
        mine.failures.push_back(target.name + ": " + why);
    }
  }
  std::lock_guard<std::mutex> guard{out.mtx};
  auto& sum = out.tally;
  sum.started += mine.started;
  sum.served += mine.served;
  sum.cut_off += mine.cut_off;
  sum.failed += mine.failed;
  for (auto& why : mine.failures)
    if (sum.failures.size() < 10)
      sum.failures.push_back(why);
}

} // namespace

churn_tally run_churn(const std::vector<churn_target>& targets,
                      int clients_per_target,
                      std::chrono::milliseconds length) {
  auto until = clock::now() + length;
  shared_tally out;
  std::vector<std::thread> clients;
  for (size_t t = 0; t < targets.size(); ++t)
    for (int c = 0; c < clients_per_target; ++c)
      clients.emplace_back(churn_client, std::cref(targets[t]), t, c, until,
                           std::ref(out));
  for (auto& client : clients)
    client.join();
  return out.tally;
}

} // namespace pss::test
