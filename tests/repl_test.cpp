#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include <caf/io/middleman.hpp>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "loopback_client.hpp"
#include "pty_process.hpp"
#include "secret_file.hpp"
#include "test_node.hpp"
#include "test_pki.hpp"

using namespace pss;
using namespace pss::test;

namespace {

/// A pss-node child serving one echo server `alpha` (max 5) and a control
/// endpoint on a free port; `extra` arguments go to pss-node as well.
struct running_node {
  explicit running_node(std::vector<std::string> extra = {})
      : proc(PSS_NODE_BINARY, with(std::move(extra))) {
    auto line = read_line_starting(proc, "control ");
    control = std::to_string(std::stoi(line.substr(line.rfind(':') + 1)));
    line = read_line_starting(proc, "started alpha ");
    auto at = line.find("port=") + 5;
    port = static_cast<uint16_t>(std::stoi(line.substr(at)));
  }

  static std::vector<std::string> with(std::vector<std::string> extra) {
    std::vector<std::string> args{"--control", "127.0.0.1:0", "--server",
                                  "echo,name=alpha,max=5",
                                  test_io_threads_option()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  child_process proc;
  std::string control;
  uint16_t port = 0;
};

/// Runs pss-repl with `args`; collects its stdout lines and exit status.
struct repl_run {
  explicit repl_run(std::vector<std::string> args,
                    const std::map<std::string, std::string>& env = {}) {
    child_process proc{PSS_REPL_BINARY, std::move(args), env};
    std::string line;
    while (proc.read_line(line))
      lines.push_back(line);
    status = proc.wait_exit();
    errors = proc.stderr_text();
  }

  std::vector<std::string> lines;
  std::string errors;
  int status = -1;
};

std::vector<std::string> script(const std::string& control,
                                std::vector<std::string> commands,
                                bool json = true) {
  std::vector<std::string> args{"--connect", "127.0.0.1:" + control};
  if (json)
    args.emplace_back("--json");
  for (auto& cmd : commands) {
    args.emplace_back("-e");
    args.push_back(cmd);
  }
  return args;
}

/// pss-repl on a terminal of its own, with a fresh home for its history.
struct interactive_repl {
  explicit interactive_repl(const std::vector<std::string>& args)
      : home(make_home()),
        terminal(PSS_REPL_BINARY, args, {{"HOME", home}, {"TERM", "xterm"}}) {
    // nop
  }

  static std::string make_home() {
    char path[] = "/tmp/pss-repl-home-XXXXXX";
    return ::mkdtemp(path);
  }

  std::string home;
  pty_process terminal;
};

/// Waits for a fresh prompt and for the line editor to take keys, then
/// forgets the screen so far and types `keys`.
void type_at_prompt(pty_process& repl, const std::string& keys) {
  REQUIRE(repl.wait_for("pss> "));
  REQUIRE(repl.wait_until_editing());
  repl.forget();
  REQUIRE(repl.type(keys));
}

} // namespace

TEST_CASE("every command in -e --json mode prints its exact JSON") {
  running_node node;
  auto p = std::to_string(node.port);
  loopback_client client{node.port};
  REQUIRE(client.send("x"));
  REQUIRE(client.receive(1) == "x");
  repl_run run{script(node.control,
                      {"servers", "status alpha", "status " + p, "port alpha",
                       "children alpha", "start echo name=beta max=2",
                       "start echo name=beta", "stop beta", "stop beta"})};
  REQUIRE(run.lines.size() == 9);
  CHECK(run.lines[0]
        == R"({"servers":[{"name":"alpha","port":)" + p
               + R"(,"num":1,"max":5,"packet":"0"}]})");
  CHECK(run.lines[1] == R"({"num":1,"max":5})");
  CHECK(run.lines[2] == R"({"num":1,"max":5})");
  CHECK(run.lines[3] == R"({"port":)" + p + "}");
  auto kids = nlohmann::json::parse(run.lines[4]);
  REQUIRE(kids["children"].size() == 1);
  CHECK(kids["children"][0]["id"].is_number_unsigned());
  CHECK(kids["children"][0]["peer"].get<std::string>().rfind("127.0.0.1:", 0)
        == 0);
  CHECK(run.lines[4].rfind(R"({"children":[{"id":)", 0) == 0);
  auto started = nlohmann::json::parse(run.lines[5]);
  CHECK(run.lines[5].rfind(R"({"ok":true,"name":"beta","port":)", 0) == 0);
  CHECK(started["port"].get<int>() > 0);
  CHECK(run.lines[6] == R"({"error":"already_started"})");
  CHECK(run.lines[7] == R"({"ok":true})");
  CHECK(run.lines[8] == R"({"ok":true})");
  CHECK(run.status == 1);
}

TEST_CASE("pss-repl starts servers whose sessions run off the I/O thread") {
  running_node node;
  repl_run run{script(node.control, {"start echo name=pooled runs-on=pool",
                                     "start echo name=threads runs-on=thread",
                                     "start echo name=bad runs-on=fast"})};
  REQUIRE(run.lines.size() == 3);
  for (size_t i = 0; i < 2; ++i) {
    auto started = nlohmann::json::parse(run.lines[i]);
    REQUIRE(started["ok"] == true);
    auto port = started["port"].get<uint16_t>();
    loopback_client client{port};
    REQUIRE(client.send("ping"));
    CHECK(client.receive(4) == "ping");
  }
  CHECK(run.lines[2].find("runs-on must be io, pool or thread")
        != std::string::npos);
  // A malformed command.
  CHECK(run.status == 2);
}

TEST_CASE("pss-repl says in words what went wrong") {
  SECTION("an unknown server, with its name (JSON keeps the bare answer)") {
    running_node node;
    repl_run text{script(node.control, {"status nope"}, false)};
    REQUIRE(text.lines.size() == 1);
    CHECK(text.lines[0] == "retrylater: no server nope");
    repl_run json{script(node.control, {"status nope"})};
    REQUIRE(json.lines.size() == 1);
    CHECK(json.lines[0] == R"({"error":"retrylater"})");
  }
  SECTION("a port where nothing listens: connection refused") {
    repl_run run{{"--connect", "127.0.0.1:1", "-e", "servers"}};
    CHECK(run.status == 2);
    CHECK(run.errors
          == "pss-repl: cannot connect to 127.0.0.1:1: Connection refused\n");
  }
  SECTION("a data port: not a pss control endpoint, without the whole "
          "timeout") {
    running_node node;
    auto start = std::chrono::steady_clock::now();
    repl_run run{{"--connect", "127.0.0.1:" + std::to_string(node.port),
                  "--timeout", "20000", "-e", "servers"}};
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(run.status == 2);
    CHECK(run.errors.find("sent no greeting: not a pss control endpoint")
          != std::string::npos);
    CHECK(took < std::chrono::seconds(10));
  }
  SECTION("commands piped in: the exit status says that one failed") {
    running_node node;
    auto repl
        = std::string{PSS_REPL_BINARY} + " --connect 127.0.0.1:" + node.control;
    child_process ok{"/bin/sh", {"-c", "printf 'servers\\n' | " + repl}};
    CHECK(ok.wait_exit() == 0);
    child_process failed{"/bin/sh",
                         {"-c", "printf 'servers\\nstatus nope\\n' | " + repl}};
    CHECK(failed.wait_exit() == 1);
  }
}

TEST_CASE("pss-repl -e exits 0, 1 or 2 as its commands fare") {
  running_node node;
  SECTION("all succeed: 0") {
    repl_run run{script(node.control, {"servers", "status alpha"})};
    CHECK(run.status == 0);
  }
  SECTION("retrylater: 1") {
    repl_run run{script(node.control, {"status alpha", "status nope"})};
    CHECK(run.lines.back() == R"({"error":"retrylater"})");
    CHECK(run.status == 1);
  }
  SECTION("a malformed command: 2") {
    repl_run run{script(node.control, {"status", "frobnicate"}, false)};
    REQUIRE(run.lines.size() == 2);
    CHECK(run.lines[0]
          == "error: expected a server and maybe a timeout; "
             "usage: status REF [TIMEOUT_MS]");
    CHECK(run.lines[1] == "error: unknown command 'frobnicate' (try help)");
    CHECK(run.status == 2);
  }
  SECTION("no node to connect to: 2") {
    repl_run run{{"--connect", "127.0.0.1:1", "-e", "servers"}};
    CHECK(run.status == 2);
    CHECK(run.errors.find("cannot connect to 127.0.0.1:1")
          != std::string::npos);
  }
  SECTION("a bad option: 2") {
    repl_run run{{"--frobnicate"}};
    CHECK(run.status == 2);
    repl_run bad_endpoint{{"--connect", "nowhere", "-e", "servers"}};
    CHECK(bad_endpoint.status == 2);
  }
}

TEST_CASE("pss-repl reports timeout when the node does not answer in time") {
  // An in-process node with one I/O thread; a blocking session will hold
  // it, so neither its servers nor its control endpoint can answer.
  test_node node{1};
  auto published = publish_control(node.sys, node.reg, "127.0.0.1", 0, "");
  REQUIRE(published);
  std::mutex mtx;
  std::condition_variable cv;
  bool entered = false;
  bool released = false;
  auto info
      = start_server(node.reg, "stuck", 0, 1, [&](session&) -> caf::behavior {
          std::unique_lock<std::mutex> guard{mtx};
          entered = true;
          cv.notify_all();
          cv.wait(guard, [&] { return released; });
          return {[](const packet&) {}};
        });
  REQUIRE(info);
  auto release = [&] {
    {
      std::lock_guard<std::mutex> guard{mtx};
      released = true;
    }
    cv.notify_all();
  };
  interactive_repl session{
      {"--json", "--connect", "127.0.0.1:" + std::to_string(*published)}};
  auto& repl = session.terminal;
  type_at_prompt(repl, "status stuck\r");
  REQUIRE(repl.wait_for(R"({"num":0,"max":1})"));
  loopback_client client{info->port};
  {
    std::unique_lock<std::mutex> guard{mtx};
    REQUIRE(cv.wait_for(guard, default_deadline, [&] { return entered; }));
  }
  type_at_prompt(repl, "status stuck 300\r");
  CHECK(repl.wait_for(R"({"error":"timeout"})"));
  release();
  type_at_prompt(repl, "status stuck\r");
  CHECK(repl.wait_for(R"({"num":1,"max":1})"));
  type_at_prompt(repl, "quit\r");
  CHECK(repl.wait_exit() == 0);
}

TEST_CASE("garbage input gets a one-line error and the REPL goes on") {
  running_node node;
  repl_run run{script(node.control,
                      {"", "   ", "status a b c", "stop", "start",
                       "start echo port=99999", "start echo max=0",
                       "children alpha soon", std::string(5000, 'x'),
                       "connect nowhere", "status alpha"},
                      false)};
  REQUIRE(run.lines.size() == 9);
  for (size_t i = 0; i < 8; ++i) {
    INFO(run.lines[i]);
    CHECK(run.lines[i].rfind("error: ", 0) == 0);
  }
  CHECK(run.lines[6]
        == "error: line too long (5000 characters, at most "
           "4096)");
  CHECK(run.lines[8] == "0/5");
  CHECK(run.status == 2);
}

TEST_CASE("a person uses the REPL: completion, status, history, quit") {
  running_node node;
  interactive_repl session{{"--connect", "127.0.0.1:" + node.control}};
  auto& repl = session.terminal;
  auto& home = session.home;
  REQUIRE(repl.started());
  // A partial command and Tab: the command completes.
  type_at_prompt(repl, "stat\t");
  CHECK(repl.wait_for("status "));
  // A partial server name and Tab: the name, fetched from the node.
  REQUIRE(repl.type("alp\t"));
  CHECK(repl.wait_for("status alpha "));
  repl.forget();
  REQUIRE(repl.type("\r"));
  CHECK(repl.wait_for("0/5"));
  // Up recalls the last command; Enter runs it again.
  type_at_prompt(repl, "\x1b[A");
  CHECK(repl.wait_for("status alpha"));
  repl.forget();
  REQUIRE(repl.type("\r"));
  CHECK(repl.wait_for("0/5"));
  type_at_prompt(repl, "servers\r");
  CHECK(repl.wait_for("NAME   PORT"));
  CHECK(repl.wait_for("alpha  " + std::to_string(node.port)));
  type_at_prompt(repl, "help\r");
  CHECK(repl.wait_for("children REF [TIMEOUT_MS]"));
  type_at_prompt(repl, "quit\r");
  CHECK(repl.wait_exit() == 0);
  // History persists for the next session.
  std::ifstream history{home + "/.pss_history"};
  std::string saved((std::istreambuf_iterator<char>(history)),
                    std::istreambuf_iterator<char>());
  // libedit keeps its own format (spaces as \\040), so look for the word.
  CHECK(saved.find("status") != std::string::npos);
}

TEST_CASE("a node that goes away: a clear message, then reconnect") {
  secret_file secret;
  std::vector<std::string> secret_args;
  SECTION("without a secret") {}
  SECTION("behind a secret (the REPL watches the gate through its stand-in)") {
    secret_args = {"--secret-file", secret.path()};
  }
  auto node = std::make_unique<running_node>(secret_args);
  auto args = secret_args;
  args.insert(args.end(), {"--connect", "127.0.0.1:" + node->control});
  interactive_repl session{args};
  auto& repl = session.terminal;
  type_at_prompt(repl, "status alpha\r");
  REQUIRE(repl.wait_for("0/5"));
  node->proc.send_signal(SIGKILL);
  node->proc.wait_exit();
  type_at_prompt(repl, "status alpha\r");
  CHECK(repl.wait_for("went away"));
  running_node second{secret_args};
  type_at_prompt(repl, "connect 127.0.0.1:" + second.control + "\r");
  CHECK(repl.wait_for("connected to 127.0.0.1:" + second.control));
  type_at_prompt(repl, "status alpha\r");
  CHECK(repl.wait_for("0/5"));
  type_at_prompt(repl, "quit\r");
  CHECK(repl.wait_exit() == 0);
}

TEST_CASE("Ctrl-D on an empty line leaves the REPL") {
  running_node node;
  interactive_repl session{{"--connect", "127.0.0.1:" + node.control}};
  auto& repl = session.terminal;
  type_at_prompt(repl, "servers\r");
  REQUIRE(repl.wait_for("alpha"));
  type_at_prompt(repl, "\x04");
  CHECK(repl.wait_exit() == 0);
}

TEST_CASE("live operations from the REPL print their exact JSON") {
  running_node node;
  auto p = std::to_string(node.port);
  loopback_client client{node.port};
  REQUIRE(client.send("xy"));
  REQUIRE(client.receive(2) == "xy");
  repl_run run{
      script(node.control, {"set_max alpha 7", "suspend alpha", "info alpha",
                            "resume " + p, "children alpha", "drain alpha 100",
                            "status alpha", "suspend nope"})};
  REQUIRE(run.lines.size() == 8);
  CHECK(run.lines[0] == R"({"num":1,"max":7})");
  CHECK(run.lines[1] == R"({"ok":true})");
  auto info = nlohmann::json::parse(run.lines[2]);
  CHECK(run.lines[2].rfind(
            R"({"name":"alpha","port":)" + p + R"(,"uptime_ms":)", 0)
        == 0);
  CHECK(info["num"] == 1);
  CHECK(info["max"] == 7);
  CHECK(info["accepted"] == 1);
  CHECK(info["bytes_in"] == 2);
  CHECK(info["bytes_out"] == 2);
  CHECK(info["errors"] == nlohmann::json::object());
  CHECK(info["suspended"] == true);
  CHECK(info["draining"] == false);
  CHECK(run.lines[3] == R"({"ok":true})");
  auto kids = nlohmann::json::parse(run.lines[4]);
  REQUIRE(kids["children"].size() == 1);
  auto& kid = kids["children"][0];
  CHECK(kid["bytes_in"] == 2);
  CHECK(kid["bytes_out"] == 2);
  CHECK(kid["packets_in"] == 1);
  CHECK(kid["packets_out"] == 1);
  CHECK(kid["age_ms"].is_number_unsigned());
  CHECK(run.lines[5] == R"({"ok":true,"ended":0,"closed":1,"unserved":0})");
  CHECK(run.lines[6] == R"({"error":"retrylater"})");
  CHECK(run.lines[7] == R"({"error":"retrylater"})");
  CHECK(run.status == 1);
  CHECK(client.wait_closed());
}

TEST_CASE("reload_tls from the REPL reloads a TLS server and refuses "
          "others with the reason") {
  auto& pki = shared_pki();
  INFO(pki.error());
  REQUIRE(pki.ok());
  running_node node{
      {"--server", "echo,name=secure,tls-cert=" + pki.server_cert()
                       + ",tls-key=" + pki.server_key()}};
  repl_run run{script(node.control, {"reload_tls secure", "reload_tls alpha",
                                     "reload_tls nope", "reload_tls"})};
  REQUIRE(run.lines.size() == 4);
  CHECK(run.lines[0] == R"({"ok":true})");
  CHECK(
      run.lines[1]
      == R"({"error":"invalid_argument: alpha does not use TLS: nothing to reload"})");
  CHECK(run.lines[2] == R"({"error":"retrylater"})");
  CHECK(run.lines[3]
        == R"({"error":"expected one server; usage: reload_tls REF"})");
}

TEST_CASE("live operations refuse bad arguments with their usage") {
  running_node node;
  repl_run run{script(node.control,
                      {"set_max alpha 0", "set_max alpha", "drain alpha soon",
                       "watch alpha 5", "suspend", "status alpha"},
                      false)};
  REQUIRE(run.lines.size() == 6);
  CHECK(run.lines[0]
        == "error: the limit must be a number of at least 1, not '0'; usage: "
           "set_max REF N");
  CHECK(run.lines[1]
        == "error: expected a server and a limit; usage: set_max REF N");
  CHECK(run.lines[2]
        == "error: timeout must be milliseconds, not 'soon'; usage: drain "
           "REF [TIMEOUT_MS]");
  CHECK(run.lines[3]
        == "error: interval must be at least 100 ms; usage: watch REF "
           "[INTERVAL_MS]");
  CHECK(run.lines[4] == "error: expected one server; usage: suspend REF");
  CHECK(run.lines[5] == "0/5");
  CHECK(run.status == 2);
}

TEST_CASE("watch in a script prints one refresh when input is empty") {
  running_node node;
  repl_run run{script(node.control, {"watch alpha 100", "status alpha"})};
  REQUIRE(run.lines.size() == 2);
  auto view = nlohmann::json::parse(run.lines[0]);
  CHECK(view["watch"]["name"] == "alpha");
  CHECK(view["watch"]["state"] == "accepting");
  CHECK(view["watch"]["num"] == 0);
  CHECK(view["watch"]["max"] == 5);
  CHECK(run.lines[1] == R"({"num":0,"max":5})");
  CHECK(run.status == 0);
}

TEST_CASE("a person watches a server refresh until a key is pressed") {
  running_node node;
  interactive_repl session{{"--connect", "127.0.0.1:" + node.control}};
  auto& repl = session.terminal;
  type_at_prompt(repl, "watch alpha 200\r");
  REQUIRE(repl.wait_for("press a key to stop"));
  CHECK(repl.wait_for("sessions 0/5"));
  // A client arrives: a later refresh shows it, with no key pressed.
  loopback_client client{node.port};
  REQUIRE(client.send("hello"));
  REQUIRE(client.receive(5) == "hello");
  repl.forget();
  CHECK(repl.wait_for("sessions 1/5"));
  CHECK(repl.wait_for("127.0.0.1:"));
  REQUIRE(repl.type("q"));
  REQUIRE(repl.wait_for("pss> "));
  // The key ended the view and was not taken as a command.
  type_at_prompt(repl, "status alpha\r");
  CHECK(repl.wait_for("1/5"));
  type_at_prompt(repl, "quit\r");
  CHECK(repl.wait_exit() == 0);
}

TEST_CASE("the REPL works with several nodes at once") {
  running_node one;
  running_node two;
  auto node1 = "127.0.0.1:" + one.control;
  auto node2 = "127.0.0.1:" + two.control;
  repl_run run{script(
      one.control, {"connect " + node2, "nodes", "servers", "status alpha",
                    "status " + node2 + ":alpha", "start echo name=beta max=3",
                    "start echo name=beta max=3 node=" + node2, "status beta",
                    "port " + node1 + ":" + std::to_string(one.port),
                    "stop beta", "stop beta", "disconnect " + node1,
                    "status alpha", "nodes", "disconnect " + node1})};
  REQUIRE(run.lines.size() == 15);
  CHECK(run.lines[0] == R"({"ok":true,"node":")" + node2 + R"("})");
  CHECK(run.lines[1]
        == R"({"nodes":[{"node":")" + node1 + R"(","connected":true},)"
               + R"({"node":")" + node2 + R"(","connected":true}]})");
  CHECK(run.lines[2]
        == R"({"servers":[{"node":")" + node1 + R"(","name":"alpha","port":)"
               + std::to_string(one.port)
               + R"(,"num":0,"max":5,"packet":"0"},{"node":")" + node2
               + R"(","name":"alpha","port":)" + std::to_string(two.port)
               + R"(,"num":0,"max":5,"packet":"0"}]})");
  CHECK(run.lines[3]
        == R"({"error":"invalid_argument: alpha is on several nodes ()" + node1
               + ", " + node2 + "): say NODE:alpha\"}");
  CHECK(run.lines[4] == R"({"num":0,"max":5})");
  CHECK(run.lines[5]
        == R"({"error":"several nodes are connected: say node=HOST:PORT"})");
  CHECK(run.lines[6].rfind(R"({"ok":true,"name":"beta","port":)", 0) == 0);
  // Only the second node has beta: no NODE: needed.
  CHECK(run.lines[7] == R"({"num":0,"max":3})");
  CHECK(run.lines[8] == R"({"port":)" + std::to_string(one.port) + "}");
  CHECK(run.lines[9] == R"({"ok":true})");
  CHECK(run.lines[10] == R"({"ok":true})");
  // Without the first node, alpha is the second's.
  CHECK(run.lines[11] == R"({"ok":true})");
  CHECK(run.lines[12] == R"({"num":0,"max":5})");
  CHECK(run.lines[13]
        == R"({"nodes":[{"node":")" + node2 + R"(","connected":true}]})");
  CHECK(run.lines[14]
        == R"({"error":"no node )" + node1 + R"x( (see nodes)"})x");
  CHECK(run.status == 1);
}

TEST_CASE("pss-repl with --secret-file controls a node that asks for one") {
  secret_file secret;
  running_node node{{"--secret-file", secret.path()}};
  auto args = script(node.control, {"servers", "start echo name=beta max=2",
                                    "status beta", "stop beta", "stop beta"});
  args.insert(args.begin(), {"--secret-file", secret.path()});
  repl_run run{args};
  REQUIRE(run.lines.size() == 5);
  CHECK(run.lines[0].rfind(R"({"servers":[{"name":"alpha",)", 0) == 0);
  CHECK(run.lines[1].rfind(R"({"ok":true,"name":"beta","port":)", 0) == 0);
  CHECK(run.lines[2] == R"({"num":0,"max":2})");
  CHECK(run.lines[3] == R"({"ok":true})");
  CHECK(run.lines[4] == R"({"ok":true})");
  CHECK(run.status == 0);
  SECTION("or with PSS_SECRET") {
    repl_run from_env{script(node.control, {"status alpha"}),
                      {{"PSS_SECRET", test_secret}}};
    CHECK(from_env.lines == std::vector<std::string>{R"({"num":0,"max":5})"});
    CHECK(from_env.status == 0);
  }
}

TEST_CASE("pss-repl with a wrong or no secret says so and exits 2") {
  secret_file secret;
  running_node node{{"--secret-file", secret.path()}};
  auto refused
      = "cannot connect to 127.0.0.1:" + node.control + ": unauthorized: ";
  auto hint = " (pss-repl takes the secret from --secret-file FILE or "
              "PSS_SECRET)";
  SECTION("a wrong secret") {
    secret_file wrong{"not the secret of this node"};
    auto args = script(node.control, {"stop alpha"});
    args.insert(args.begin(), {"--secret-file", wrong.path()});
    repl_run run{args};
    REQUIRE(run.lines.size() == 1);
    CHECK(run.lines[0]
          == R"({"error":")" + refused + "wrong secret" + hint + R"("})");
    CHECK(run.status == 2);
    CHECK(poll_until([&] {
      return node.proc.stderr_text().find("wrong secret") != std::string::npos;
    }));
  }
  SECTION("no secret") {
    repl_run run{script(node.control, {"stop alpha"}, false)};
    CHECK(run.lines.empty());
    CHECK(run.errors
          == "pss-repl: " + refused + "the control endpoint 127.0.0.1:"
                 + node.control + " asks for a secret" + hint + "\n");
    CHECK(run.status == 2);
  }
  SECTION("a secret file others may read") {
    secret_file readable{test_secret, 0644};
    repl_run run{{"--secret-file", readable.path(), "-e", "servers"}};
    CHECK(run.errors.find("chmod 600 " + readable.path()) != std::string::npos);
    CHECK(run.status == 2);
  }
  // Nothing was stopped.
  loopback_client client{node.port};
  REQUIRE(client.send("x"));
  CHECK(client.receive(1) == "x");
}
