// reload_tls: a TLS server loads its certificate files again without a
// restart. New handshakes get the new certificate; sessions already running
// keep theirs; files that cannot be loaded leave the server as it was.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "pss/errors.hpp"
#include "pss/live_operations.hpp"
#include "pss/proc_socket_server.hpp"
#include "test_node.hpp"
#include "tls_fixture.hpp"

using namespace pss;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

// Connects to 127.0.0.1:argv[1] verifying the server against the CA
// argv[2] and prints "first ORG", the organisation in the server
// certificate's subject ("-" without one). Unless argv[3] is "-", it then
// waits until the file argv[3] exists, echoes a packet over that first
// session ("old session echoes"), connects again and prints "second ORG".
const char* renewal_client = R"(
import os, socket, ssl, sys, time
port, ca, go = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
def connect():
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")
def org(s):
    for rdn in s.getpeercert()["subject"]:
        for key, value in rdn:
            if key == "organizationName":
                return value
    return "-"
def echoes(s, data):
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    return got == data
try:
    first = connect()
    print("first " + org(first), flush=True)
    if go != "-":
        deadline = time.monotonic() + 20
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                print("no go", flush=True)
                sys.exit(1)
            time.sleep(0.01)
        ok = echoes(first, b"still here")
        print("old session " + ("echoes" if ok else "is broken"), flush=True)
        second = connect()
        print("second " + org(second), flush=True)
        second.unwrap()
    first.unwrap()
except Exception as e:
    print("error " + type(e).__name__ + ": " + str(e), flush=True)
    sys.exit(1)
)";

// The files a server is started from, which a test replaces as an operator
// renewing a certificate would.
struct live_files {
  live_files() {
    static std::atomic<int> count{0};
    auto base = shared_pki().dir() + "/live-" + std::to_string(++count);
    cert = base + ".pem";
    key = base + ".key";
  }

  void install(const std::string& from_cert, const std::string& from_key) {
    using std::filesystem::copy_options;
    std::filesystem::copy_file(from_cert, cert,
                               copy_options::overwrite_existing);
    std::filesystem::copy_file(from_key, key, copy_options::overwrite_existing);
  }

  tls_options options() const {
    tls_options tls;
    tls.cert = cert;
    tls.key = key;
    return tls;
  }

  std::string cert;
  std::string key;
};

// The organisation of the certificate a new client is shown.
std::string served_org(uint16_t port, const test_pki& pki) {
  child_process client{
      python, {"-c", renewal_client, std::to_string(port), pki.ca_cert(), "-"}};
  std::string line;
  if (!client.read_line(line, 20s))
    return "no output: " + client.stderr_text();
  client.wait_exit(20s);
  return line;
}

// A TLS echo server started from live files holding the first server
// certificate.
struct renewal_fixture : tls_node_fixture {
  renewal_fixture() {
    files.install(pki.server_cert(), pki.server_key());
    server_spec spec;
    spec.max = 4;
    spec.packet = packet_type::raw;
    spec.tls = files.options();
    auto started = start_raw_server(node.reg, std::move(spec), echo_fn());
    REQUIRE(started);
    info = std::move(*started);
  }

  live_files files;
  server_info info;
};

} // namespace

TEST_CASE_METHOD(renewal_fixture,
                 "after reload_tls new handshakes get the renewed certificate "
                 "while a running session goes on with the old one") {
  auto go = files.cert + ".go";
  child_process client{
      python,
      {"-c", renewal_client, std::to_string(info.port), pki.ca_cert(), go}};
  std::string line;
  REQUIRE(client.read_line(line, 20s));
  REQUIRE(line == "first -");
  files.install(pki.renewed_cert(), pki.renewed_key());
  log_capture logs;
  CHECK_FALSE(reload_tls(node.reg, info.name, 10s));
  std::ofstream{go} << "go\n";
  REQUIRE(client.read_line(line, 20s));
  CHECK(line == "old session echoes");
  REQUIRE(client.read_line(line, 20s));
  CHECK(line == "second renewed");
  CHECK(client.wait_exit(20s) == 0);
  CHECK(logs.contains("TLS files loaded again"));
}

TEST_CASE_METHOD(renewal_fixture,
                 "a reload_tls whose files cannot be loaded fails naming the "
                 "file and the server keeps its certificate") {
  SECTION("a key that is not PEM") {
    files.install(pki.renewed_cert(), pki.garbage_file());
  }
  SECTION("a key that does not match the certificate") {
    files.install(pki.renewed_cert(), pki.server_key());
  }
  SECTION("a missing certificate") {
    std::filesystem::remove(files.cert);
  }
  auto err = reload_tls(node.reg, info.name, 10s);
  CHECK(err == error::tls_failed);
  CAPTURE(describe(err));
  CHECK(describe(err).find("live-") != std::string::npos);
  CHECK(served_org(info.port, pki) == "first -");
  // Fixed files load on the next reload.
  files.install(pki.renewed_cert(), pki.renewed_key());
  CHECK_FALSE(reload_tls(node.reg, info.name, 10s));
  CHECK(served_org(info.port, pki) == "first renewed");
}

TEST_CASE_METHOD(tls_node_fixture,
                 "reload_tls refuses a server without TLS and answers "
                 "retrylater for an unknown one") {
  auto plain = start_raw_server(node.reg, server_spec{}, echo_fn());
  REQUIRE(plain);
  auto err = reload_tls(node.reg, plain->port, 10s);
  CHECK(err == error::invalid_argument);
  CHECK(describe(err).find("does not use TLS") != std::string::npos);
  CHECK(reload_tls(node.reg, "nope", 10s) == error::retrylater);
}
