#include "executor.hpp"

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

std::string connect_failure_text(const std::string& address,
                                 const caf::error& err) {
  auto text = "cannot connect to " + address + ": " + describe(err);
  if (err == error::unauthorized)
    text += " (pss-repl takes the secret from --secret-file FILE or "
            "PSS_SECRET)";
  return text;
}

executor::executor(node_link& link, std::chrono::milliseconds default_timeout)
    : link_(link), default_timeout_(default_timeout) {
  // nop
}

std::chrono::milliseconds executor::timeout_of(const command& cmd) const {
  return cmd.timeout ? *cmd.timeout : default_timeout_;
}

result executor::failure(const caf::error& err) {
  // A node that went away makes requests fail with delivery errors; say so
  // instead of passing on the error the broken request produced.
  if (!link_.connected())
    return error_result("not connected: node " + link_.address()
                        + " went away (connect HOST:PORT to reconnect)");
  return error_result(error_text(err));
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
    default:
      break;
  }
  if (!link_.connected())
    return error_result(link_.address().empty()
                            ? "not connected (connect HOST:PORT)"
                            : "not connected: node " + link_.address()
                                  + " went away (connect HOST:PORT to "
                                    "reconnect)");
  switch (cmd.kind) {
    case command_kind::servers:
      return servers();
    case command_kind::status:
      return status(cmd);
    case command_kind::children:
      return children(cmd);
    case command_kind::port:
      return port(cmd);
    case command_kind::start:
      return start(cmd);
    case command_kind::stop:
      return stop(cmd);
    default:
      return error_result("unsupported command");
  }
}

result executor::servers() {
  auto all = list_servers(link_.registry(), default_timeout_);
  if (!all)
    return failure(all.error());
  result res;
  auto& list = res.json["servers"] = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (auto& info : *all) {
    nlohmann::ordered_json entry;
    entry["name"] = info.name;
    entry["port"] = info.port;
    entry["num"] = info.num;
    entry["max"] = info.max;
    entry["packet"] = to_string(info.packet);
    list.push_back(std::move(entry));
    rows.push_back({info.name, std::to_string(info.port),
                    std::to_string(info.num) + "/" + std::to_string(info.max),
                    to_string(info.packet)});
  }
  res.text = rows.empty()
                 ? "(no servers)"
                 : format_table({"NAME", "PORT", "NUM/MAX", "PACKET"}, rows);
  return res;
}

result executor::status(const command& cmd) {
  auto st = server_status(link_.registry(), cmd.ref, timeout_of(cmd));
  if (!st)
    return failure(st.error());
  result res;
  res.json["num"] = st->num;
  res.json["max"] = st->max;
  res.text = std::to_string(st->num) + "/" + std::to_string(st->max);
  return res;
}

result executor::children(const command& cmd) {
  auto kids = server_children(link_.registry(), cmd.ref, timeout_of(cmd));
  if (!kids)
    return failure(kids.error());
  result res;
  auto& list = res.json["children"] = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (auto& kid : *kids) {
    nlohmann::ordered_json entry;
    entry["id"] = kid.id;
    entry["peer"] = kid.peer;
    list.push_back(std::move(entry));
    rows.push_back({std::to_string(kid.id), kid.peer, age_text(kid.age_ms),
                    std::to_string(kid.bytes_in),
                    std::to_string(kid.bytes_out)});
  }
  res.text = rows.empty()
                 ? "(no sessions)"
                 : format_table({"ID", "PEER", "AGE", "BYTES_IN", "BYTES_OUT"},
                                rows);
  return res;
}

result executor::port(const command& cmd) {
  auto port = server_port(link_.registry(), cmd.ref, timeout_of(cmd));
  if (!port)
    return failure(port.error());
  result res;
  res.json["port"] = *port;
  res.text = std::to_string(*port);
  return res;
}

result executor::start(const command& cmd) {
  auto info
      = start_handler_server(link_.registry(), cmd.spec, default_timeout_);
  if (!info)
    return failure(info.error());
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
  if (auto err = stop_server(link_.registry(), cmd.ref, default_timeout_))
    return failure(err);
  result res;
  res.json["ok"] = true;
  res.text = "ok";
  return res;
}

result executor::connect(const command& cmd) {
  if (auto err = link_.connect(cmd.host, cmd.port, default_timeout_))
    return error_result(
        connect_failure_text(cmd.host + ":" + std::to_string(cmd.port), err));
  result res;
  res.json["ok"] = true;
  res.json["node"] = link_.address();
  res.text = "connected to " + link_.address();
  return res;
}

std::vector<std::string> executor::server_names() {
  std::vector<std::string> names;
  if (!link_.connected())
    return names;
  auto all = list_servers(link_.registry(), std::chrono::milliseconds(1000));
  if (!all)
    return names;
  for (auto& info : *all) {
    names.push_back(info.name);
    names.push_back(std::to_string(info.port));
  }
  return names;
}

} // namespace pss::repl
