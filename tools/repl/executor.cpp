#include "executor.hpp"

#include "pss/live_operations.hpp"
#include "pss/proc_socket_server.hpp"
#include "table.hpp"

namespace pss::repl {

namespace {

std::string age_text(uint64_t ms) {
  if (ms < 1000)
    return std::to_string(ms) + "ms";
  if (ms < 60'000)
    return std::to_string(ms / 1000) + "s";
  if (ms < 3'600'000)
    return std::to_string(ms / 60'000) + "m" + std::to_string(ms / 1000 % 60)
           + "s";
  return std::to_string(ms / 3'600'000) + "h" + std::to_string(ms / 60'000 % 60)
         + "m";
}

result went_away(const node_link& node) {
  return error_result("not connected: node " + node.address()
                      + " went away (connect HOST:PORT to reconnect)");
}

result ok_result() {
  result res;
  res.json["ok"] = true;
  res.text = "ok";
  return res;
}

result status_result(const status& st) {
  result res;
  res.json["num"] = st.num;
  res.json["max"] = st.max;
  res.text = std::to_string(st.num) + "/" + std::to_string(st.max);
  return res;
}

} // namespace

result error_result(const std::string& message) {
  result res;
  res.ok = false;
  res.text = message;
  res.json["error"] = message;
  return res;
}

std::string error_text(const caf::error& err) {
  for (auto bare : {error::retrylater, error::timeout, error::already_started})
    if (err == bare)
      return to_string(bare);
  return describe(err);
}

result error_result(const caf::error& err) {
  // People read the detail (`retrylater: no server nosuch`); scripts match
  // the original's bare answers in JSON, as they always have.
  auto res = error_result(describe(err));
  res.json["error"] = error_text(err);
  return res;
}

std::string connect_failure_text(const std::string& address,
                                 const caf::error& err) {
  // CAF's own connection errors carry the system's reason: that is the
  // news ("Connection refused"), not CAF's code for it.
  auto reason = describe(err);
  if (err == caf::sec::cannot_connect_to_node && err.context().size() == 1
      && err.context().match_element<std::string>(0))
    reason = err.context().get_as<std::string>(0);
  auto text = "cannot connect to " + address + ": " + reason;
  if (err == error::unauthorized)
    text += " (pss-repl takes the secret from --secret-file FILE or "
            "PSS_SECRET)";
  return text;
}

executor::executor(node_set& nodes, std::chrono::milliseconds default_timeout)
    : nodes_(nodes), default_timeout_(default_timeout) {
  // nop
}

std::chrono::milliseconds executor::timeout_of(const command& cmd) const {
  return cmd.timeout ? *cmd.timeout : default_timeout_;
}

result executor::failure(node_link& node, const caf::error& err) {
  // A node that went away makes requests fail with delivery errors; say so
  // instead of passing on the error the broken request produced.
  if (!node.connected())
    return went_away(node);
  return error_result(err);
}

result executor::run(const command& cmd) {
  switch (cmd.kind) {
    case command_kind::nothing:
      return {};
    case command_kind::help: {
      result res;
      res.text = help_text();
      if (!res.text.empty() && res.text.back() == '\n')
        res.text.pop_back();
      res.json["commands"] = command_names();
      return res;
    }
    case command_kind::quit: {
      result res;
      res.quit = true;
      return res;
    }
    case command_kind::connect:
      return connect(cmd);
    case command_kind::nodes:
      return nodes();
    case command_kind::disconnect: {
      auto name = cmd.host + ":" + std::to_string(cmd.port);
      if (!nodes_.disconnect(name))
        return error_result("no node " + name + " (see nodes)");
      return ok_result();
    }
    case command_kind::servers:
      return servers();
    case command_kind::start:
      return start(cmd);
    case command_kind::stop:
      return stop(cmd);
    default:
      break;
  }
  target at;
  if (auto failed = unreachable(cmd, at))
    return std::move(*failed);
  switch (cmd.kind) {
    case command_kind::status:
      return status(at, cmd);
    case command_kind::children:
      return children(at, cmd);
    case command_kind::port:
      return port(at, cmd);
    case command_kind::set_max:
      return set_max(at, cmd);
    case command_kind::suspend:
      return suspend(at, true);
    case command_kind::resume:
      return suspend(at, false);
    case command_kind::drain:
      return drain(at, cmd);
    case command_kind::reload_tls:
      return reload_tls(at);
    case command_kind::info:
      return info(at, cmd);
    case command_kind::watch: {
      watch_view view;
      return watch_refresh(cmd, view);
    }
    default:
      return error_result("unsupported command");
  }
}

caf::optional<result> executor::unreachable(const command& cmd, target& at) {
  auto found = nodes_.resolve(cmd.ref, default_timeout_);
  if (!found)
    return error_result(found.error());
  if (!found->node->connected())
    return went_away(*found->node);
  at = std::move(*found);
  return caf::none;
}

result executor::servers() {
  if (nodes_.all().empty())
    return error_result("not connected (connect HOST:PORT)");
  // With one node, its answer is the result (as the original design has
  // it); with several, every node's servers, each with its node, and the
  // nodes that did not answer.
  bool several = nodes_.all().size() > 1;
  result res;
  auto& list = res.json["servers"] = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> unreachable;
  for (auto& node : nodes_.all()) {
    if (!node->connected()) {
      if (!several)
        return went_away(*node);
      unreachable.push_back(node->address());
      continue;
    }
    auto all = list_servers(node->registry(), default_timeout_);
    if (!all) {
      if (!several)
        return failure(*node, all.error());
      unreachable.push_back(node->address());
      continue;
    }
    for (auto& info : *all) {
      nlohmann::ordered_json entry;
      if (several)
        entry["node"] = node->address();
      entry["name"] = info.name;
      entry["port"] = info.port;
      entry["num"] = info.num;
      entry["max"] = info.max;
      entry["packet"] = to_string(info.packet);
      list.push_back(std::move(entry));
      std::vector<std::string> row{info.name, std::to_string(info.port),
                                   std::to_string(info.num) + "/"
                                       + std::to_string(info.max),
                                   to_string(info.packet)};
      if (several)
        row.insert(row.begin(), node->address());
      rows.push_back(std::move(row));
    }
  }
  std::vector<std::string> headers{"NAME", "PORT", "NUM/MAX", "PACKET"};
  if (several)
    headers.insert(headers.begin(), "NODE");
  res.text = rows.empty() ? "(no servers)" : format_table(headers, rows);
  if (!unreachable.empty()) {
    res.json["unreachable"] = unreachable;
    for (auto& name : unreachable)
      res.text += "\n(node " + name + " did not answer)";
  }
  return res;
}

result executor::nodes() {
  result res;
  auto& list = res.json["nodes"] = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (auto& node : nodes_.all()) {
    bool up = node->connected();
    nlohmann::ordered_json entry;
    entry["node"] = node->address();
    entry["connected"] = up;
    list.push_back(std::move(entry));
    rows.push_back({node->address(), up ? "connected" : "gone"});
  }
  res.text = rows.empty() ? "(no nodes; connect HOST:PORT)"
                          : format_table({"NODE", "STATE"}, rows);
  return res;
}

result executor::status(const target& at, const command& cmd) {
  auto st = server_status(at.node->registry(), at.ref, timeout_of(cmd));
  if (!st)
    return failure(*at.node, st.error());
  return status_result(*st);
}

result executor::children(const target& at, const command& cmd) {
  auto kids = server_children(at.node->registry(), at.ref, timeout_of(cmd));
  if (!kids)
    return failure(*at.node, kids.error());
  result res;
  auto& list = res.json["children"] = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (auto& kid : *kids) {
    nlohmann::ordered_json entry;
    entry["id"] = kid.id;
    entry["peer"] = kid.peer;
    entry["age_ms"] = kid.age_ms;
    entry["bytes_in"] = kid.bytes_in;
    entry["bytes_out"] = kid.bytes_out;
    entry["packets_in"] = kid.packets_in;
    entry["packets_out"] = kid.packets_out;
    list.push_back(std::move(entry));
    rows.push_back({std::to_string(kid.id), kid.peer, age_text(kid.age_ms),
                    std::to_string(kid.bytes_in), std::to_string(kid.bytes_out),
                    std::to_string(kid.packets_in),
                    std::to_string(kid.packets_out)});
  }
  res.text = rows.empty() ? "(no sessions)"
                          : format_table({"ID", "PEER", "AGE", "BYTES_IN",
                                          "BYTES_OUT", "PKTS_IN", "PKTS_OUT"},
                                         rows);
  return res;
}

result executor::port(const target& at, const command& cmd) {
  auto port = server_port(at.node->registry(), at.ref, timeout_of(cmd));
  if (!port)
    return failure(*at.node, port.error());
  result res;
  res.json["port"] = *port;
  res.text = std::to_string(*port);
  return res;
}

result executor::start(const command& cmd) {
  node_link* node = nullptr;
  if (!cmd.node.empty()) {
    node = nodes_.find(cmd.node);
    if (node == nullptr)
      return error_result("no node " + cmd.node + " (see nodes)");
  } else if (nodes_.all().empty()) {
    return error_result("not connected (connect HOST:PORT)");
  } else {
    node = nodes_.single();
    if (node == nullptr)
      return error_result("several nodes are connected: say node=HOST:PORT");
  }
  if (!node->connected())
    return went_away(*node);
  auto info
      = start_handler_server(node->registry(), cmd.spec, default_timeout_);
  if (!info)
    return failure(*node, info.error());
  result res;
  res.json["ok"] = true;
  res.json["name"] = info->name;
  res.json["port"] = info->port;
  res.text = "started " + info->name + " port=" + std::to_string(info->port)
             + " max=" + std::to_string(info->max)
             + " packet=" + to_string(info->packet);
  return res;
}

result executor::stop(const command& cmd) {
  auto at = nodes_.resolve(cmd.ref, default_timeout_);
  // Stopping a server that no node has is fine, as in the original.
  if (!at && at.error() == error::retrylater)
    return ok_result();
  if (!at)
    return error_result(at.error());
  if (!at->node->connected())
    return went_away(*at->node);
  if (auto err = stop_server(at->node->registry(), at->ref, default_timeout_))
    return failure(*at->node, err);
  return ok_result();
}

result executor::set_max(const target& at, const command& cmd) {
  auto st
      = pss::set_max(at.node->registry(), at.ref, cmd.max, default_timeout_);
  if (!st)
    return failure(*at.node, st.error());
  return status_result(*st);
}

result executor::suspend(const target& at, bool suspended) {
  auto& reg = at.node->registry();
  auto err = suspended ? suspend_server(reg, at.ref, default_timeout_)
                       : resume_server(reg, at.ref, default_timeout_);
  if (err)
    return failure(*at.node, err);
  return ok_result();
}

result executor::reload_tls(const target& at) {
  if (auto err = pss::reload_tls(at.node->registry(), at.ref, default_timeout_))
    return failure(*at.node, err);
  return ok_result();
}

result executor::drain(const target& at, const command& cmd) {
  auto drain_ms = cmd.interval ? static_cast<uint32_t>(cmd.interval->count())
                               : default_drain_timeout_ms;
  // The answer comes once the server is gone: wait for the drain's own
  // timeout on top of the usual one.
  auto report
      = drain_server(at.node->registry(), at.ref, drain_ms,
                     default_timeout_ + std::chrono::milliseconds(drain_ms));
  if (!report)
    return failure(*at.node, report.error());
  result res;
  res.json["ok"] = true;
  res.json["ended"] = report->ended;
  res.json["closed"] = report->closed;
  res.json["unserved"] = report->unserved;
  res.text = "drained: " + std::to_string(report->ended) + " ended, "
             + std::to_string(report->closed) + " closed, "
             + std::to_string(report->unserved) + " waiting clients not served";
  return res;
}

result executor::info(const target& at, const command& cmd) {
  auto t = server_info_totals(at.node->registry(), at.ref, timeout_of(cmd));
  if (!t)
    return failure(*at.node, t.error());
  result res;
  auto& js = res.json;
  js["name"] = t->name;
  js["port"] = t->port;
  js["uptime_ms"] = t->uptime_ms;
  js["num"] = t->active;
  js["max"] = t->max;
  js["peak"] = t->peak;
  js["waiting"] = t->waiting;
  js["accepted"] = t->accepted;
  js["ended_clean"] = t->ended_clean;
  js["ended_error"] = t->ended_error;
  js["closed_by_server"] = t->closed_by_server;
  js["errors"] = nlohmann::ordered_json::object();
  for (auto& kvp : t->errors)
    js["errors"][kvp.first] = kvp.second;
  js["refused_frames"] = t->refused_frames;
  js["bytes_in"] = t->bytes_in;
  js["bytes_out"] = t->bytes_out;
  js["packets_in"] = t->packets_in;
  js["packets_out"] = t->packets_out;
  js["suspended"] = t->suspended;
  js["draining"] = t->draining;
  // People read the same fields, one per line.
  std::vector<std::vector<std::string>> rows;
  for (auto& item : js.items()) {
    if (item.key() == "errors")
      continue;
    auto& v = item.value();
    rows.push_back(
        {item.key(), v.is_string() ? v.get<std::string>() : v.dump()});
  }
  for (auto& kvp : t->errors)
    rows.push_back({"errors." + kvp.first, std::to_string(kvp.second)});
  res.text = format_table({"FIELD", "VALUE"}, rows);
  return res;
}

result executor::watch_refresh(const command& cmd, watch_view& view) {
  target at;
  if (auto failed = unreachable(cmd, at))
    return std::move(*failed);
  auto& reg = at.node->registry();
  auto totals = server_info_totals(reg, at.ref, default_timeout_);
  if (!totals)
    return failure(*at.node, totals.error());
  auto kids = server_children(reg, at.ref, default_timeout_);
  if (!kids)
    return failure(*at.node, kids.error());
  return view.refresh(*totals, std::move(*kids), watch_view::clock::now());
}

result executor::connect(const command& cmd) {
  auto node = nodes_.connect(cmd.host, cmd.port, default_timeout_);
  if (!node)
    return error_result(connect_failure_text(
        cmd.host + ":" + std::to_string(cmd.port), node.error()));
  result res;
  res.json["ok"] = true;
  res.json["node"] = (*node)->address();
  res.text = "connected to " + (*node)->address();
  return res;
}

std::vector<std::string> executor::server_names() {
  std::vector<std::string> names;
  bool several = nodes_.all().size() > 1;
  for (auto& node : nodes_.all()) {
    if (!node->connected())
      continue;
    auto all = list_servers(node->registry(), std::chrono::milliseconds(1000));
    if (!all)
      continue;
    for (auto& info : *all) {
      names.push_back(info.name);
      names.push_back(std::to_string(info.port));
      if (several)
        names.push_back(node->address() + ":" + info.name);
    }
  }
  return names;
}

} // namespace pss::repl
