#include "tls_baseline.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "server_sockets.hpp"

namespace pss::bench {

namespace {

// pss's server context, plus two modes that only a socket BIO needs (pss
// reads and writes through memory, where neither arises):
// - read-ahead: one recv takes what the socket has, instead of a recv for
//   each record's header and another for its body; pss too reads whole
//   socket buffers and feeds them to OpenSSL.
// - a moving write buffer: a write the socket did not take is retried from
//   the connection's own copy, not from the shared read buffer.
SSL_CTX* make_context(const std::string& cert, const std::string& key) {
  auto* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr)
    return nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS
                            | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(ctx, 1);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1
      || SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1
      || SSL_CTX_check_private_key(ctx) != 1) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// The whole server. Per descriptor: its SSL, the events it waits for, and
// the plaintext of a write the socket did not take (empty, so no heap,
// almost always: an echo reply fits the socket buffer).
struct tls_server {
  SSL_CTX* ctx = nullptr;
  int epfd = -1;
  int listener = -1;
  struct connection {
    SSL* ssl = nullptr;
    uint32_t events = 0;
    std::string pending;
  };
  std::vector<connection> conns = std::vector<connection>(1024);
  std::vector<char> buf = std::vector<char>(16 * 1024);

  tls_server() = default;
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;

  // Frees what is left at SIGTERM, so that a leak checker (the sanitizer
  // builds run the bench too) finds nothing.
  ~tls_server() {
    for (size_t fd = 0; fd < conns.size(); ++fd)
      if (conns[fd].ssl != nullptr)
        close_connection(static_cast<int>(fd));
    if (epfd >= 0)
      ::close(epfd);
    if (listener >= 0)
      ::close(listener);
    SSL_CTX_free(ctx);
  }

  void accept_all() {
    // Level-triggered listener: drain the backlog until EAGAIN.
    int fd;
    while ((fd = accept_nodelay(listener)) >= 0) {
      auto* ssl = SSL_new(ctx);
      if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        ::close(fd);
        ERR_clear_error();
        continue;
      }
      SSL_set_accept_state(ssl);
      if (static_cast<size_t>(fd) >= conns.size())
        conns.resize(static_cast<size_t>(fd) * 2 + 64);
      auto& c = conns[static_cast<size_t>(fd)];
      c.ssl = ssl;
      c.events = EPOLLIN;
      epoll_event ev{EPOLLIN, {}};
      ev.data.fd = fd;
      if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        close_connection(fd);
    }
  }

  // Closing the descriptor removes it from the epoll set, so no
  // EPOLL_CTL_DEL. A failed connection may have left reasons in OpenSSL's
  // (per thread) error queue, which would make the next SSL_get_error of
  // another connection report a failure: cleared here.
  void close_connection(int fd) {
    auto& c = conns[static_cast<size_t>(fd)];
    SSL_free(c.ssl);
    c.ssl = nullptr;
    if (!c.pending.empty())
      std::string{}.swap(c.pending);
    ::close(fd);
    ERR_clear_error();
  }

  void wait_for(int fd, uint32_t events) {
    auto& c = conns[static_cast<size_t>(fd)];
    if (c.events == events)
      return;
    c.events = events;
    epoll_event ev{events, {}};
    ev.data.fd = fd;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
  }

  // Encrypts and sends `data`. True when it went out; false when the
  // connection waits (its copy in `pending`, reading stopped meanwhile: an
  // echo peer that does not read cannot make the server buffer without
  // bound) or was closed.
  bool write_out(int fd, const char* data, size_t size) {
    auto& c = conns[static_cast<size_t>(fd)];
    auto n = SSL_write(c.ssl, data, static_cast<int>(size));
    if (n > 0) {
      // Without partial writes, SSL_write sends everything or nothing.
      if (!c.pending.empty())
        std::string{}.swap(c.pending);
      return true;
    }
    auto err = SSL_get_error(c.ssl, n);
    if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
      close_connection(fd);
      return false;
    }
    if (data != c.pending.data())
      c.pending.assign(data, size);
    wait_for(fd, err == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN);
    return false;
  }

  // Reads records (handshake ones too: SSL_read drives the handshake) and
  // echoes their plaintext until OpenSSL wants the socket again.
  void read_and_echo(int fd) {
    auto& c = conns[static_cast<size_t>(fd)];
    for (;;) {
      auto n = SSL_read(c.ssl, buf.data(), static_cast<int>(buf.size()));
      if (n > 0) {
        if (!write_out(fd, buf.data(), static_cast<size_t>(n)))
          return;
        // Read-ahead may have left whole records in OpenSSL's buffer,
        // which epoll does not see.
        if (SSL_has_pending(c.ssl) == 1)
          continue;
        wait_for(fd, EPOLLIN);
        return;
      }
      switch (SSL_get_error(c.ssl, n)) {
        case SSL_ERROR_WANT_READ:
          wait_for(fd, EPOLLIN);
          return;
        case SSL_ERROR_WANT_WRITE: // a handshake flight not sent in full
          wait_for(fd, EPOLLOUT);
          return;
        case SSL_ERROR_ZERO_RETURN:
          // The peer's close_notify: answer it, as pss does, then close.
          SSL_shutdown(c.ssl);
          close_connection(fd);
          return;
        default:
          // A failure, or the peer's FIN without close_notify (a fatal
          // error for OpenSSL, after which SSL_shutdown must not be called).
          close_connection(fd);
          return;
      }
    }
  }

  void on_event(int fd, uint32_t events) {
    auto& c = conns[static_cast<size_t>(fd)];
    if (c.ssl == nullptr)
      return;
    // A reset (EPOLLERR) or both directions shut (EPOLLHUP): nothing can
    // reach the peer any more, so close without reading what is left.
    if (events & (EPOLLERR | EPOLLHUP)) {
      close_connection(fd);
      return;
    }
    if (!c.pending.empty()
        && !write_out(fd, c.pending.data(), c.pending.size()))
      return;
    read_and_echo(fd);
  }
};

} // namespace

int run_tls_baseline(uint16_t port, const std::string& cert,
                     const std::string& key) {
  handle_stop_signals();
  tls_server srv;
  srv.ctx = make_context(cert, key);
  if (srv.ctx == nullptr) {
    std::fprintf(stderr, "tls baseline: cannot load %s and %s\n", cert.c_str(),
                 key.c_str());
    ERR_print_errors_fp(stderr);
    return 2;
  }
  uint16_t bound = 0;
  srv.listener = listen_loopback(port, bound);
  if (srv.listener < 0)
    return 2;
  srv.epfd = ::epoll_create1(0);
  epoll_event ev{EPOLLIN, {}};
  ev.data.fd = srv.listener;
  ::epoll_ctl(srv.epfd, EPOLL_CTL_ADD, srv.listener, &ev);
  announce_listening(bound);
  serve_until_stopped(srv);
  return 0;
}

} // namespace pss::bench
