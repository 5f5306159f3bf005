// TLS sessions end to end: a pss server with tls-cert and tls-key on a
// loopback port; Python's ssl module, Erlang's ssl application and
// openssl s_client as the independent clients.

#include <csignal>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"
#include "pss/errors.hpp"
#include "pss/live_operations.hpp"
#include "pss/proc_socket_server.hpp"
#include "test_node.hpp"
#include "test_pki.hpp"
#include "tls/tls_channel.hpp"
#include "tls_fixture.hpp"

using namespace pss;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

/// Debian's escript (erlang-base), for Erlang's ssl client.
constexpr const char* escript = "/usr/bin/escript";

// A TLS client in Python: connects to argv[1] verifying the server
// against the CA argv[2] (and presenting the certificate argv[3] with key
// argv[4] unless they are "-"), sends 50 packets of the framing argv[5]
// (pss names: 0, 1, 2, 4 or line) in one write, reads back their echo, then
// closes with close_notify and waits for the server's. Prints "ok" and the
// TLS version, or the error.
const char* echo_client = R"(
import socket, ssl, struct, sys
port, ca, cert, key, framing = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
if cert != "-":
    ctx.load_cert_chain(cert, key)
payloads = [("packet %d " % i).encode() * (i + 1) for i in range(50)]
def frame(p):
    if framing == "line":
        return p + b"\n"
    if framing == "0":
        return p
    return struct.pack({"1": ">B", "2": ">H", "4": ">I"}[framing], len(p)) + p
wire = b"".join(frame(p[:200]) for p in payloads)
try:
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    s.sendall(wire)
    got = b""
    while len(got) < len(wire):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    if got != wire:
        print("mismatch: %d of %d bytes" % (len(got), len(wire)))
        sys.exit(1)
    version = s.version()
    # close_notify, then the server's close_notify (unwrap waits for it).
    s.unwrap()
    print("ok " + version)
except Exception as e:
    print("error " + type(e).__name__ + ": " + str(e))
    sys.exit(1)
)";

caf::expected<server_info> start_tls_echo(test_node& node, tls_options tls,
                                          packet_type type,
                                          run_mode mode = run_mode::io) {
  server_spec spec;
  spec.max = 8;
  spec.packet = type;
  spec.session.runs_on = mode;
  spec.tls = std::move(tls);
  return start_raw_server(node.reg, std::move(spec), echo_fn());
}

// Runs the Python client; returns its one line of output.
std::string run_client(uint16_t port, const test_pki& pki, packet_type type,
                       const std::string& cert = "-",
                       const std::string& key = "-") {
  child_process client{python,
                       {"-c", echo_client, std::to_string(port), pki.ca_cert(),
                        cert, key, to_string(type)}};
  std::string line;
  if (!client.read_line(line, 20s))
    line = "no output: " + client.stderr_text();
  client.wait_exit(20s);
  return line;
}

} // namespace

TEST_CASE_METHOD(tls_node_fixture,
                 "a TLS server echoes Python's ssl client in every framing and "
                 "every runs-on mode") {
  auto type = GENERATE(packet_type::raw, packet_type::u8, packet_type::u16,
                       packet_type::u32, packet_type::line);
  auto mode = GENERATE(run_mode::io, run_mode::pool, run_mode::thread);
  CAPTURE(to_string(type), to_string(mode));
  auto info = start_tls_echo(node, server_tls(pki), type, mode);
  REQUIRE(info);
  CHECK(run_client(info->port, pki, type) == "ok TLSv1.3");
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE_METHOD(tls_node_fixture,
                 "a TLS server echoes Erlang's ssl client in every framing") {
  REQUIRE(::access(escript, X_OK) == 0);
  auto type = GENERATE(packet_type::raw, packet_type::u8, packet_type::u16,
                       packet_type::u32, packet_type::line);
  CAPTURE(to_string(type));
  auto info = start_tls_echo(node, server_tls(pki), type);
  REQUIRE(info);
  child_process client{escript,
                       {PSS_ERLANG_TLS_CLIENT, std::to_string(info->port),
                        pki.ca_cert(), to_string(type)}};
  std::string line;
  if (!client.read_line(line, 30s))
    line = "no output: " + client.stderr_text();
  CHECK(line == "ok 'tlsv1.3'");
  CHECK(client.wait_exit(30s) == 0);
}

TEST_CASE_METHOD(
    tls_node_fixture,
    "with tls-ca a TLS server serves only clients with a certificate "
    "of that CA") {
  auto tls = server_tls(pki);
  tls.ca = pki.ca_cert();
  auto info = start_tls_echo(node, tls, packet_type::u32);
  REQUIRE(info);
  CHECK(run_client(info->port, pki, packet_type::u32, pki.client_cert(),
                   pki.client_key())
        == "ok TLSv1.3");
  CHECK(run_client(info->port, pki, packet_type::u32).rfind("error", 0) == 0);
  CHECK(run_client(info->port, pki, packet_type::u32, pki.stranger_cert(),
                   pki.stranger_key())
            .rfind("error", 0)
        == 0);
  // Refused sessions end; the server goes on.
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
  CHECK(run_client(info->port, pki, packet_type::u32, pki.client_cert(),
                   pki.client_key())
        == "ok TLSv1.3");
}

TEST_CASE_METHOD(
    tls_node_fixture,
    "a peer that sends garbage instead of a TLS handshake loses only "
    "its own session") {
  auto info = start_tls_echo(node, server_tls(pki), packet_type::line);
  REQUIRE(info);
  loopback_client plain{info->port};
  REQUIRE(plain.send("GET / HTTP/1.0\r\n\r\n"));
  CHECK(plain.wait_closed());
  CHECK(run_client(info->port, pki, packet_type::line) == "ok TLSv1.3");
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE_METHOD(tls_node_fixture,
                 "a peer that stalls in the TLS handshake is dropped after "
                 "tls-handshake-timeout") {
  auto tls = server_tls(pki);
  tls.handshake_timeout_ms = 300;
  auto info = start_tls_echo(node, tls, packet_type::line);
  REQUIRE(info);
  loopback_client silent{info->port};
  CHECK(poll_until([&] { return status_is(node, info->port, 1); }));
  // Half a ClientHello record header, then nothing.
  REQUIRE(silent.send("\x16\x03"));
  CHECK(silent.wait_closed(10s));
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE_METHOD(
    tls_node_fixture,
    "a TLS server whose files cannot be loaded does not start, with "
    "tls_failed naming the file") {
  auto tls = server_tls(pki);
  tls.key = pki.dir() + "/missing.key";
  auto info = start_tls_echo(node, tls, packet_type::line);
  REQUIRE_FALSE(info);
  CHECK(info.error() == error::tls_failed);
  CHECK(describe(info.error())
        == "tls_failed: tls-key " + tls.key
               + ": cannot read: No such file or directory");
  tls = server_tls(pki);
  tls.ca = pki.garbage_file();
  info = start_tls_echo(node, tls, packet_type::line);
  REQUIRE_FALSE(info);
  CHECK(describe(info.error()).rfind("tls_failed: tls-ca ", 0) == 0);
}

TEST_CASE_METHOD(tls_fixture,
                 "pss-node exits 2 naming the file when a server's TLS files "
                 "cannot be loaded, and serves TLS when they can") {
  auto missing = pki.dir() + "/missing.pem";
  node_process bad{
      {"--control", "off", "--server",
       "echo,port=0,tls-cert=" + missing + ",tls-key=" + pki.server_key()}};
  CHECK(bad.proc.wait_exit() == 2);
  CHECK(bad.proc.stderr_text().find("tls_failed: tls-cert " + missing
                                    + ": cannot read: No such file")
        != std::string::npos);
  node_process good{{"--control", "off", "--server",
                     "echo,name=secure,port=0,packet=4,tls-cert="
                         + pki.server_cert() + ",tls-key=" + pki.server_key()}};
  good.read_started();
  auto port = good.servers["secure"];
  REQUIRE(port != 0);
  CHECK(run_client(port, pki, packet_type::u32) == "ok TLSv1.3");
}

namespace {

// Sends 100 lines, reads their echo, prints "echoed", then waits for the
// server to end the session and prints how: "close_notify" (a TLS close),
// "eof without close_notify" (a bare TCP close), or the error.
const char* waiting_client = R"(
import socket, ssl, sys
port, ca = sys.argv[1:3]
ctx = ssl.create_default_context(cafile=ca)
# Debian's Python takes a bare TCP close for a TLS close unless told not to.
ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
raw = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
s = ctx.wrap_socket(raw, server_hostname="localhost",
                    suppress_ragged_eofs=False)
msg = b"".join(b"line %d\n" % i for i in range(100))
s.sendall(msg)
got = b""
while len(got) < len(msg):
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
print("echoed" if got == msg else "mismatch", flush=True)
try:
    rest = s.recv(65536)
    print("close_notify" if rest == b"" else "data", flush=True)
except ssl.SSLEOFError:
    print("eof without close_notify", flush=True)
except Exception as e:
    print("error " + type(e).__name__ + ": " + str(e), flush=True)
)";

} // namespace

TEST_CASE_METHOD(
    tls_node_fixture,
    "stop and drain end TLS sessions with close_notify after every "
    "reply") {
  auto how = GENERATE(std::string{"stop"}, std::string{"drain"});
  CAPTURE(how);
  auto info = start_tls_echo(node, server_tls(pki), packet_type::line);
  REQUIRE(info);
  child_process client{
      python,
      {"-c", waiting_client, std::to_string(info->port), pki.ca_cert()}};
  std::string line;
  REQUIRE(client.read_line(line, 20s));
  CHECK(line == "echoed");
  if (how == "stop") {
    CHECK_FALSE(stop_server(node.reg, info->port));
  } else {
    // The session does not end on its own: the drain's timeout closes it.
    auto report = drain_server(node.reg, info->port, 200);
    REQUIRE(report);
    CHECK(report->closed == 1);
  }
  REQUIRE(client.read_line(line, 20s));
  CHECK(line == "close_notify");
  CHECK(client.wait_exit(20s) == 0);
}

namespace {

// Drives `openssl s_client` (the TLS client) from Python: sends a line,
// prints the first line s_client prints back, and how the verification
// went.
const char* s_client_driver = R"(
import subprocess, sys
port, ca = sys.argv[1:3]
p = subprocess.Popen(
    ["/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + port,
     "-CAfile", ca, "-servername", "localhost", "-verify_hostname",
     "localhost", "-verify_return_error", "-quiet"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdin.write(b"hello from s_client\n")
p.stdin.flush()
print(p.stdout.readline().decode().rstrip("\n"), flush=True)
p.terminate()
p.wait(10)
)";

} // namespace

TEST_CASE_METHOD(tls_node_fixture,
                 "a TLS server answers openssl s_client, which verifies it") {
  auto info = start_tls_echo(node, server_tls(pki), packet_type::line);
  REQUIRE(info);
  child_process driver{
      python,
      {"-c", s_client_driver, std::to_string(info->port), pki.ca_cert()}};
  std::string line;
  REQUIRE(driver.read_line(line, 20s));
  CHECK(line == "hello from s_client");
  CHECK(driver.wait_exit(20s) == 0);
}

namespace {

// Connects with the test client certificate, offering ALPN "other" and
// "pss/1", sends one packet and prints the one line that comes back.
const char* who_client = R"(
import socket, ssl, sys
port, ca, cert, key = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["other", "pss/1"])
raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
s = ctx.wrap_socket(raw, server_hostname="localhost")
s.sendall(b"who?")
got = b""
while not got.endswith(b"\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
print(got.decode().rstrip("\n"), flush=True)
)";

// Answers every packet with the peer's TLS subject and ALPN choice.
session_function tls_identity_fn() {
  return [](session& self) -> caf::behavior {
    return {[&self](const packet&) {
      self.send(self.tls_peer_subject() + "|" + self.tls_alpn() + "\n");
    }};
  };
}

} // namespace

TEST_CASE_METHOD(tls_node_fixture,
                 "a session's handlers see the client's verified subject and "
                 "the ALPN choice in every runs-on mode") {
  auto mode = GENERATE(run_mode::io, run_mode::pool, run_mode::thread);
  CAPTURE(to_string(mode));
  server_spec spec;
  spec.max = 2;
  spec.packet = packet_type::raw;
  spec.session.runs_on = mode;
  spec.tls = server_tls(pki);
  spec.tls.ca = pki.ca_cert();
  spec.tls.alpn = {"pss/1"};
  auto info = start_raw_server(node.reg, spec, tls_identity_fn());
  REQUIRE(info);
  child_process client{python,
                       {"-c", who_client, std::to_string(info->port),
                        pki.ca_cert(), pki.client_cert(), pki.client_key()}};
  std::string line;
  REQUIRE(client.read_line(line, 20s));
  CHECK(line == "CN=pss-test-client,O=pss tests|pss/1");
  CHECK(client.wait_exit(20s) == 0);
}

namespace {

// Opens 8 TLS connections and keeps each busy (lines echoed one at a
// time, round the connections) until SIGUSR1; then prints "quiet", sends
// nothing until SIGUSR2, echoes one more line on each, closes them with
// close_notify and prints "ok".
const char* busy_then_quiet_client = R"(
import signal, socket, ssl, sys
port, ca = sys.argv[1:3]
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
stop = []
signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
ctx = ssl.create_default_context(cafile=ca)
def echo(s, line):
    s.sendall(line)
    got = b""
    while len(got) < len(line):
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("closed")
        got += chunk
    if got != line:
        raise RuntimeError("mismatch")
conns = []
for c in range(8):
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
    conns.append(ctx.wrap_socket(raw, server_hostname="localhost"))
i = 0
while not stop:
    for c, s in enumerate(conns):
        echo(s, b"line %d of %d\n" % (i, c))
    i += 1
print("quiet", flush=True)
signal.sigwait([signal.SIGUSR2])
for c, s in enumerate(conns):
    echo(s, b"after the quiet %d\n" % c)
    s.unwrap()
print("ok", flush=True)
)";

} // namespace

TEST_CASE_METHOD(tls_node_fixture,
                 "busy TLS sessions keep their record buffers, give them back "
                 "once quiet and then go on") {
  auto info = start_tls_echo(node, server_tls(pki), packet_type::line);
  REQUIRE(info);
  // The server runs in this process: its channels are counted here.
  auto holding = [] { return tls_channel::channels_holding_buffers(); };
  REQUIRE(holding() == 0);
  child_process client{python,
                       {"-c", busy_then_quiet_client,
                        std::to_string(info->port), pki.ca_cert()}};
  // Busy: every session keeps its buffers (hundreds of requests a second
  // each, far above the 8 that keep them).
  CHECK(poll_until([&] { return holding() == 8; }, 20s));
  client.send_signal(SIGUSR1);
  std::string line;
  REQUIRE(client.read_line(line, 20s));
  REQUIRE(line == "quiet");
  // Quiet: within two checks every session gave them back.
  CHECK(poll_until([&] { return holding() == 0; }, 10s));
  client.send_signal(SIGUSR2);
  REQUIRE(client.read_line(line, 20s));
  CHECK(line == "ok");
  CHECK(client.wait_exit(20s) == 0);
}
