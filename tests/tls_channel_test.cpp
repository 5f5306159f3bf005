// The TLS engine of a session (actors/tls) without sockets: an OpenSSL
// client over memory talks to a tls_channel, with certificates the openssl
// program makes for each test.

#include <memory>
#include <string>
#include <vector>

#include <malloc.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <catch2/catch.hpp>

#include "process_probe.hpp"
#include "test_pki.hpp"
#include "tls/tls_channel.hpp"
#include "tls/tls_context.hpp"

using namespace pss;
using pss::test::shared_pki;
using pss::test::test_pki;

namespace {

struct client_options {
  std::string cert;
  std::string key;
  std::vector<std::string> alpn;
  int max_version = 0;
  /// A session of an earlier client to resume (not owned).
  SSL_SESSION* resume = nullptr;
  /// Asks for no session ticket: resumption by session id (TLS 1.2).
  bool no_ticket = false;
};

// A TLS client over memory, verifying the server against the test CA.
class memory_client {
public:
  memory_client(const test_pki& pki, const client_options& opts = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, pki.ca_cert().c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (opts.max_version != 0) {
      // Old protocol versions need the lowest security level in OpenSSL 3.
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, opts.max_version);
    }
    if (!opts.cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, opts.cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, opts.key.c_str(), SSL_FILETYPE_PEM);
    }
    if (opts.no_ticket)
      SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
    if (opts.resume != nullptr)
      SSL_set_session(ssl_, opts.resume);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set1_host(ssl_, "localhost");
    if (!opts.alpn.empty()) {
      std::vector<unsigned char> wire;
      for (auto& name : opts.alpn) {
        wire.push_back(static_cast<unsigned char>(name.size()));
        wire.insert(wire.end(), name.begin(), name.end());
      }
      SSL_set_alpn_protos(ssl_, wire.data(),
                          static_cast<unsigned int>(wire.size()));
    }
  }

  memory_client(const memory_client&) = delete;
  memory_client& operator=(const memory_client&) = delete;

  ~memory_client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }

  // Advances the handshake and reads what arrived; false on a failure.
  bool progress() {
    ERR_clear_error();
    if (!SSL_is_init_finished(ssl_)) {
      auto rc = SSL_do_handshake(ssl_);
      if (rc != 1) {
        auto err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_READ)
          return true;
        failed_ = true;
        return false;
      }
    }
    char buf[4096];
    for (;;) {
      size_t got = 0;
      if (SSL_read_ex(ssl_, buf, sizeof(buf), &got) == 1) {
        received_.append(buf, got);
        continue;
      }
      auto err = SSL_get_error(ssl_, 0);
      if (err == SSL_ERROR_ZERO_RETURN)
        close_notify_ = true;
      else if (err != SSL_ERROR_WANT_READ)
        failed_ = true;
      return !failed_;
    }
  }

  void feed(const std::vector<char>& bytes) {
    if (!bytes.empty())
      BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
  }

  std::vector<char> output() {
    std::vector<char> result(BIO_ctrl_pending(out_));
    if (!result.empty())
      BIO_read(out_, result.data(), static_cast<int>(result.size()));
    return result;
  }

  bool write(const std::string& text) {
    size_t written = 0;
    return SSL_write_ex(ssl_, text.data(), text.size(), &written) == 1;
  }

  void shutdown() {
    SSL_shutdown(ssl_);
  }

  bool established() const {
    return SSL_is_init_finished(ssl_) != 0;
  }

  bool failed() const {
    return failed_;
  }

  bool got_close_notify() const {
    return close_notify_;
  }

  std::string& received() {
    return received_;
  }

  std::string version() const {
    return SSL_get_version(ssl_);
  }

  /// The session to resume with later (TLS 1.3: once its ticket arrived),
  /// owned by the caller.
  SSL_SESSION* session() const {
    return SSL_get1_session(ssl_);
  }

  bool resumed() const {
    return SSL_session_reused(ssl_) == 1;
  }

private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
  bool failed_ = false;
  bool close_notify_ = false;
  std::string received_;
};

std::shared_ptr<const tls_context> load_server(const test_pki& pki,
                                               tls_files files = {}) {
  files.cert = pki.server_cert();
  files.key = pki.server_key();
  std::string error;
  auto ctx = tls_context::load(files, error);
  INFO(error);
  REQUIRE(ctx);
  return ctx;
}

// Moves bytes both ways until neither side has any to send. The server's
// plaintext goes to `plain`.
void pump(memory_client& client, tls_channel& server, std::vector<char>& plain,
          size_t chunk = 0) {
  for (int round = 0; round < 50; ++round) {
    client.progress();
    auto to_server = client.output();
    if (chunk == 0) {
      server.feed(to_server.data(), to_server.size(), plain);
    } else {
      // The peer's bytes arrive in pieces of `chunk` bytes.
      for (size_t i = 0; i < to_server.size(); i += chunk)
        server.feed(to_server.data() + i, std::min(chunk, to_server.size() - i),
                    plain);
    }
    std::vector<char> to_client;
    server.take_output(to_client);
    client.feed(to_client);
    if (to_server.empty() && to_client.empty()) {
      client.progress();
      return;
    }
  }
}

std::string text(const std::vector<char>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// Certificates for one test (checked) and the plaintext a server channel
// delivered so far.
struct tls_fixture {
  tls_fixture() {
    INFO(pki.error());
    REQUIRE(pki.ok());
  }

  const test_pki& pki = shared_pki();
  std::vector<char> plain;
};

} // namespace

TEST_CASE_METHOD(
    tls_fixture,
    "a TLS channel completes a handshake and carries data both ways "
    "in order") {
  auto ctx = load_server(pki);
  tls_channel server{ctx};
  memory_client client{pki};
  pump(client, server, plain);
  REQUIRE(server.established());
  REQUIRE(client.established());
  CHECK(server.version() == "TLSv1.3");
  CHECK(server.peer_subject().empty());
  CHECK(server.alpn().empty());
  // Larger than several records, with a pattern that shows any reordering.
  std::string big;
  for (int i = 0; big.size() < 100000; ++i)
    big += std::to_string(i) + ",";
  REQUIRE(client.write(big));
  REQUIRE(client.write("tail"));
  pump(client, server, plain);
  CHECK(text(plain) == big + "tail");
  REQUIRE(server.write(big.data(), big.size()));
  pump(client, server, plain);
  CHECK(client.received() == big);
  CHECK_FALSE(server.failed());
}

TEST_CASE_METHOD(
    tls_fixture,
    "a TLS channel reassembles records that arrive a few bytes at a "
    "time") {
  tls_channel server{load_server(pki)};
  memory_client client{pki};
  pump(client, server, plain, 3);
  REQUIRE(server.established());
  REQUIRE(client.write("hello, one byte at a time"));
  pump(client, server, plain, 1);
  CHECK(text(plain) == "hello, one byte at a time");
}

namespace {

// One request from the client and its echo from the server: a read and a
// write of the server's channel.
void exchange(memory_client& client, tls_channel& server,
              std::vector<char>& plain, int i) {
  auto request = "request " + std::to_string(i);
  plain.clear();
  REQUIRE(client.write(request));
  pump(client, server, plain);
  REQUIRE(text(plain) == request);
  client.received().clear();
  REQUIRE(server.write(plain.data(), plain.size()));
  pump(client, server, plain);
  REQUIRE(client.received() == request);
}

// AddressSanitizer's count of the bytes allocated (its public interface,
// sanitizer/allocator_interface.h, which GCC 12 does not install).
extern "C" size_t __sanitizer_get_current_allocated_bytes()
    __attribute__((weak));

// Bytes the process's allocator has handed out and not yet got back (this
// test program runs one thread): glibc's count of every arena, or
// AddressSanitizer's when it replaced glibc's malloc.
size_t allocated_bytes() {
  if constexpr (pss::test::under_asan)
    return __sanitizer_get_current_allocated_bytes();
  else
    return mallinfo2().uordblks;
}

} // namespace

TEST_CASE_METHOD(tls_fixture,
                 "a busy TLS channel keeps its record buffers and gives them "
                 "back once it slows down") {
  tls_channel server{load_server(pki)};
  memory_client client{pki};
  pump(client, server, plain);
  REQUIRE(server.established());
  // Each exchange is a read and a write; busy means 16 of them. Below
  // that, the buffers go back after every record.
  int next = 0;
  auto exchanges = [&](int count) {
    for (int i = 0; i < count; ++i)
      exchange(client, server, plain, next++);
  };
  auto holding_before = tls_channel::channels_holding_buffers();
  exchanges(7);
  CHECK_FALSE(server.holding_buffers());
  CHECK_FALSE(server.take_busy_check_request());
  CHECK_FALSE(server.check_busy());
  exchanges(1);
  CHECK(server.holding_buffers());
  CHECK(tls_channel::channels_holding_buffers() == holding_before + 1);
  CHECK(server.take_busy_check_request());
  CHECK_FALSE(server.take_busy_check_request());
  // As busy again by the first check: kept.
  exchanges(8);
  CHECK(server.check_busy());
  // Slower by the next (one exchange): given back, both of them (a read
  // and a write buffer of a 16 KiB record each, and their overhead).
  exchanges(1);
  auto before = allocated_bytes();
  CHECK_FALSE(server.check_busy());
  auto after = allocated_bytes();
  CHECK_FALSE(server.holding_buffers());
  CHECK(tls_channel::channels_holding_buffers() == holding_before);
  CHECK(before >= after + 2 * 16384);
  // The channel goes on, and counts again from nothing.
  exchanges(7);
  CHECK_FALSE(server.holding_buffers());
  exchanges(1);
  CHECK(server.holding_buffers());
  CHECK(server.take_busy_check_request());
  CHECK_FALSE(server.failed());
}

TEST_CASE_METHOD(tls_fixture,
                 "a TLS channel keeps its buffers while a record is "
                 "half-read") {
  tls_channel server{load_server(pki)};
  memory_client client{pki};
  pump(client, server, plain);
  for (int i = 0; i < 8; ++i)
    exchange(client, server, plain, i);
  REQUIRE(server.holding_buffers());
  plain.clear();
  REQUIRE(client.write("one record in two reads"));
  client.progress();
  auto wire = client.output();
  REQUIRE(wire.size() > 10);
  auto half = wire.size() / 2;
  REQUIRE(server.feed(wire.data(), half, plain));
  CHECK(plain.empty());
  // Not busy, but the record is half-read: kept, at every check.
  CHECK(server.check_busy());
  CHECK(server.check_busy());
  CHECK(server.holding_buffers());
  REQUIRE(server.feed(wire.data() + half, wire.size() - half, plain));
  CHECK(text(plain) == "one record in two reads");
  CHECK_FALSE(server.check_busy());
  CHECK_FALSE(server.holding_buffers());
}

TEST_CASE_METHOD(tls_fixture,
                 "what a session writes during the handshake is sent after it, "
                 "then close_notify if it closed meanwhile") {
  tls_channel server{load_server(pki)};
  REQUIRE(server.write("banner\n", 7));
  REQUIRE(server.write("more\n", 5));
  server.close();
  CHECK_FALSE(server.write("refused", 7));
  memory_client client{pki};
  pump(client, server, plain);
  REQUIRE(server.established());
  CHECK(client.received() == "banner\nmore\n");
  CHECK(client.got_close_notify());
}

TEST_CASE_METHOD(
    tls_fixture,
    "a TLS channel reports the peer's close_notify and still writes "
    "to a peer that half-closed") {
  tls_channel server{load_server(pki)};
  memory_client client{pki};
  pump(client, server, plain);
  REQUIRE(client.write("last request"));
  client.shutdown();
  pump(client, server, plain);
  CHECK(text(plain) == "last request");
  CHECK(server.peer_finished());
  // The reply to the last request still reaches the peer, then the close.
  REQUIRE(server.write("last reply", 10));
  server.close();
  pump(client, server, plain);
  CHECK(client.received() == "last reply");
  CHECK(client.got_close_notify());
  CHECK_FALSE(server.failed());
}

TEST_CASE_METHOD(
    tls_fixture,
    "garbage instead of a handshake fails the channel with a reason "
    "and an alert for the peer") {
  tls_channel server{load_server(pki)};
  std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK_FALSE(server.feed(garbage.data(), garbage.size(), plain));
  CHECK(server.failed());
  CHECK_FALSE(server.failure().empty());
  CHECK(plain.empty());
  // Failed for good: more input is refused, writes too.
  CHECK_FALSE(server.feed("x", 1, plain));
  CHECK_FALSE(server.write("x", 1));
}

TEST_CASE_METHOD(
    tls_fixture,
    "garbage in the middle of a session fails the channel after the "
    "data before it") {
  tls_channel server{load_server(pki)};
  memory_client client{pki};
  pump(client, server, plain);
  REQUIRE(client.write("good"));
  auto bytes = client.output();
  bytes.insert(bytes.end(), 64, '\x17');
  CHECK_FALSE(server.feed(bytes.data(), bytes.size(), plain));
  CHECK(text(plain) == "good");
  CHECK(server.failed());
}

TEST_CASE_METHOD(tls_fixture,
                 "with tls-ca, a client needs a certificate signed by that CA, "
                 "whose subject the session can read") {
  tls_files files;
  files.ca = pki.ca_cert();
  auto ctx = load_server(pki, files);
  CHECK(ctx->verifies_clients());
  SECTION("no certificate") {
    tls_channel server{ctx};
    memory_client client{pki};
    pump(client, server, plain);
    CHECK(server.failed());
    CHECK_FALSE(server.established());
    INFO(server.failure());
    CHECK(server.failure().find("certificate") != std::string::npos);
  }
  SECTION("a certificate of another CA") {
    tls_channel server{ctx};
    memory_client client{pki, {pki.stranger_cert(), pki.stranger_key(), {}, 0}};
    pump(client, server, plain);
    CHECK(server.failed());
    INFO(server.failure());
    CHECK(server.failure().find("certificate") != std::string::npos);
  }
  SECTION("a certificate of the CA") {
    tls_channel server{ctx};
    memory_client client{pki, {pki.client_cert(), pki.client_key(), {}, 0}};
    pump(client, server, plain);
    REQUIRE(server.established());
    CHECK_FALSE(server.failed());
    CHECK(server.peer_subject() == "CN=pss-test-client,O=pss tests");
  }
}

TEST_CASE_METHOD(tls_fixture,
                 "ALPN picks the server's first protocol the client offers and "
                 "refuses a client that offers none of them") {
  tls_files files;
  files.alpn = {"pss/1", "echo"};
  auto ctx = load_server(pki, files);
  SECTION("an overlap") {
    tls_channel server{ctx};
    memory_client client{pki, {"", "", {"echo", "pss/1"}, 0}};
    pump(client, server, plain);
    REQUIRE(server.established());
    CHECK(server.alpn() == "pss/1");
  }
  SECTION("no overlap") {
    tls_channel server{ctx};
    memory_client client{pki, {"", "", {"h2"}, 0}};
    pump(client, server, plain);
    CHECK(server.failed());
  }
  SECTION("a client without ALPN") {
    tls_channel server{ctx};
    memory_client client{pki};
    pump(client, server, plain);
    REQUIRE(server.established());
    CHECK(server.alpn().empty());
  }
}

namespace {

struct free_session {
  void operator()(SSL_SESSION* s) const {
    SSL_SESSION_free(s);
  }
};
using session_ptr = std::unique_ptr<SSL_SESSION, free_session>;

// Connects a client, ends its session cleanly (a session that ends
// without close_notify cannot be resumed) and returns it for resuming.
session_ptr finished_session(const std::shared_ptr<const tls_context>& ctx,
                             const test_pki& pki, const client_options& opts,
                             std::vector<char>& plain) {
  tls_channel server{ctx};
  memory_client client{pki, opts};
  pump(client, server, plain);
  REQUIRE(server.established());
  CHECK_FALSE(client.resumed());
  session_ptr saved{client.session()};
  client.shutdown();
  server.close();
  pump(client, server, plain);
  return saved;
}

// Connects a client offering `saved`; whether the server resumed it.
bool resumes(const std::shared_ptr<const tls_context>& ctx, const test_pki& pki,
             client_options opts, SSL_SESSION* saved,
             std::vector<char>& plain) {
  opts.resume = saved;
  tls_channel server{ctx};
  memory_client client{pki, opts};
  pump(client, server, plain);
  REQUIRE(server.established());
  return client.resumed();
}

} // namespace

TEST_CASE_METHOD(tls_fixture,
                 "a client resumes its session by ticket, and the server "
                 "keeps nothing for it") {
  auto version = GENERATE(TLS1_2_VERSION, TLS1_3_VERSION);
  CAPTURE(version);
  auto ctx = load_server(pki);
  client_options opts{"", "", {}, version};
  auto saved = finished_session(ctx, pki, opts, plain);
  REQUIRE(saved != nullptr);
  CHECK(SSL_SESSION_has_ticket(saved.get()) == 1);
  CHECK(SSL_CTX_sess_number(ctx->native()) == 0);
  CHECK(resumes(ctx, pki, opts, saved.get(), plain));
  CHECK(SSL_CTX_sess_number(ctx->native()) == 0);
}

TEST_CASE_METHOD(tls_fixture,
                 "a TLS 1.2 client without tickets resumes by session id "
                 "from a bounded cache") {
  auto ctx = load_server(pki);
  CHECK(SSL_CTX_sess_get_cache_size(ctx->native()) == tls_session_cache_size);
  client_options opts{"", "", {}, TLS1_2_VERSION};
  opts.no_ticket = true;
  auto saved = finished_session(ctx, pki, opts, plain);
  REQUIRE(saved != nullptr);
  CHECK(SSL_SESSION_has_ticket(saved.get()) == 0);
  CHECK(SSL_CTX_sess_number(ctx->native()) == 1);
  CHECK(resumes(ctx, pki, opts, saved.get(), plain));
}

TEST_CASE_METHOD(tls_fixture, "a client limited to TLS 1.1 is refused") {
  tls_channel server{load_server(pki)};
  memory_client client{pki, {"", "", {}, TLS1_1_VERSION}};
  pump(client, server, plain);
  CHECK(server.failed());
  CHECK_FALSE(server.established());
}

TEST_CASE_METHOD(tls_fixture, "a TLS 1.2 client is served") {
  tls_channel server{load_server(pki)};
  memory_client client{pki, {"", "", {}, TLS1_2_VERSION}};
  pump(client, server, plain);
  REQUIRE(server.established());
  CHECK(server.version() == "TLSv1.2");
  REQUIRE(client.write("twelve"));
  pump(client, server, plain);
  CHECK(text(plain) == "twelve");
}

TEST_CASE_METHOD(
    tls_fixture,
    "TLS files that cannot be loaded give an error naming the option, "
    "the file and the reason") {
  std::string error;
  auto load = [&](tls_files files) {
    error.clear();
    return tls_context::load(files, error);
  };
  SECTION("no key") {
    CHECK_FALSE(load({pki.server_cert(), "", "", {}}));
    CHECK(error == "TLS needs both tls-cert and tls-key");
  }
  SECTION("a missing certificate file") {
    auto missing = pki.dir() + "/nope.pem";
    CHECK_FALSE(load({missing, pki.server_key(), "", {}}));
    CHECK(error
          == "tls-cert " + missing
                 + ": cannot read: No such file or directory");
  }
  SECTION("a certificate file that is not PEM") {
    CHECK_FALSE(load({pki.garbage_file(), pki.server_key(), "", {}}));
    CHECK(error.rfind("tls-cert " + pki.garbage_file() + ": ", 0) == 0);
  }
  SECTION("a key that does not match the certificate") {
    CHECK_FALSE(load({pki.server_cert(), pki.client_key(), "", {}}));
    INFO(error);
    CHECK(error.rfind("tls-key " + pki.client_key() + ": ", 0) == 0);
  }
  SECTION("a CA file that is not PEM") {
    CHECK_FALSE(
        load({pki.server_cert(), pki.server_key(), pki.garbage_file(), {}}));
    CHECK(error.rfind("tls-ca " + pki.garbage_file() + ": ", 0) == 0);
  }
  SECTION("an empty ALPN name") {
    CHECK_FALSE(load({pki.server_cert(), pki.server_key(), "", {"a", ""}}));
    CHECK(error.find("tls-alpn") != std::string::npos);
  }
  SECTION("everything right") {
    CHECK(load({pki.server_cert(), pki.server_key(), pki.ca_cert(), {"x"}}));
    CHECK(error.empty());
  }
}
