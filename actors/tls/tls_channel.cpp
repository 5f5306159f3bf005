#include "tls/tls_channel.hpp"

#include <atomic>
#include <utility>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/tls_errors.hpp"

namespace pss {

namespace {

// An output buffer that grew beyond this during a burst is replaced once
// drained (a vector keeps its largest size otherwise).
constexpr size_t keep_output_capacity = 4096;

// Channels of this process that keep their record buffers.
std::atomic<size_t> holding_count{0};

// The largest plaintext of one TLS record.
constexpr size_t record_plaintext = 16384;

} // namespace

tls_channel::tls_channel(std::shared_ptr<const tls_context> ctx)
    : ctx_(std::move(ctx)) {
  ssl_ = SSL_new(ctx_->native());
  auto* in = new_input_bio(&view_);
  auto* out = new_output_bio(&output_);
  if (ssl_ == nullptr || in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    fail("cannot create a TLS connection");
    return;
  }
  SSL_set_accept_state(ssl_);
  // OpenSSL takes both BIOs. The input shows each read's bytes for the
  // length of `feed` only (no copy, no buffer kept between reads).
  SSL_set_bio(ssl_, in, out);
}

tls_channel::~tls_channel() {
  if (holding_)
    holding_count.fetch_sub(1, std::memory_order_relaxed);
  SSL_free(ssl_); // frees both BIOs
}

size_t tls_channel::channels_holding_buffers() {
  return holding_count.load(std::memory_order_relaxed);
}

bool tls_channel::fail(const std::string& fallback) {
  if (failure_.empty())
    failure_ = openssl_reason(fallback);
  else
    clear_openssl_errors();
  held_.clear();
  held_.shrink_to_fit();
  return false;
}

bool tls_channel::feed(const char* data, size_t size,
                       std::vector<char>& plain) {
  if (failed())
    return false;
  if (size == 0)
    return true;
  view_ = input_view{data, size};
  // The view must not outlive this call: the caller's buffer goes away.
  // OpenSSL has copied what it did not use yet (a record's first part).
  struct drop_view {
    input_view& view;
    ~drop_view() {
      view = input_view{};
    }
  } guard{view_};
  clear_openssl_errors();
  if (!drive(plain))
    return false;
  if (established_)
    note_activity();
  return true;
}

void tls_channel::note_activity() {
  ++activity_;
  if (holding_ || activity_ < busy_activity)
    return;
  SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  holding_ = true;
  holding_count.fetch_add(1, std::memory_order_relaxed);
  busy_check_wanted_ = true;
  activity_at_check_ = activity_;
}

bool tls_channel::check_busy() {
  if (!holding_)
    return false;
  auto since = activity_ - activity_at_check_;
  activity_at_check_ = activity_;
  if (since >= busy_activity)
    return true;
  // Decrypted bytes not yet taken, or a record half-read: its buffer is
  // in use (OpenSSL refuses then; before 3.0.14 it freed the buffer under
  // an unread record, CVE-2024-4741). Try again at the next check.
  if (SSL_pending(ssl_) != 0 || SSL_free_buffers(ssl_) != 1)
    return true;
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  holding_ = false;
  holding_count.fetch_sub(1, std::memory_order_relaxed);
  activity_ = 0;
  activity_at_check_ = 0;
  return false;
}

bool tls_channel::drive(std::vector<char>& plain) {
  if (!established_) {
    auto rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      auto err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ)
        return true;
      return fail(err == SSL_ERROR_ZERO_RETURN
                      ? "peer closed during the handshake"
                      : "handshake failed");
    }
    established_ = true;
    if (!held_.empty()) {
      std::vector<char> held;
      held.swap(held_);
      if (!encrypt(held.data(), held.size()))
        return false;
    }
    if (closing_)
      SSL_shutdown(ssl_);
  }
  return read_records(plain);
}

bool tls_channel::read_records(std::vector<char>& plain) {
  // OpenSSL drains the view record by record; everything it held back (a
  // record's first part) stays in its own buffer for the next feed. A
  // record is decrypted into `record` and only what it held is appended:
  // growing `plain` by a whole record per call would zero 16 KiB each time
  // for replies of a few bytes.
  char record[record_plaintext];
  while (!peer_finished_) {
    size_t got = 0;
    auto rc = SSL_read_ex(ssl_, record, sizeof(record), &got);
    if (rc == 1) {
      plain.insert(plain.end(), record, record + got);
      // Nothing decrypted left and no input: one more call would only say
      // "want read" (and, with released buffers, allocate a record buffer
      // for nothing).
      if (SSL_pending(ssl_) == 0 && view_.size == 0)
        return true;
      continue;
    }
    switch (SSL_get_error(ssl_, 0)) {
      case SSL_ERROR_WANT_READ:
        return true;
      case SSL_ERROR_ZERO_RETURN:
        peer_finished_ = true;
        return true;
      default:
        return fail("cannot decrypt a record");
    }
  }
  return true;
}

bool tls_channel::write(const char* data, size_t size) {
  if (failed() || closing_)
    return false;
  if (size == 0)
    return true;
  if (!established_) {
    held_.insert(held_.end(), data, data + size);
    return true;
  }
  return encrypt(data, size);
}

bool tls_channel::encrypt(const char* data, size_t size) {
  clear_openssl_errors();
  size_t written = 0;
  // The output BIO takes everything: one call writes all (no partial
  // writes).
  if (SSL_write_ex(ssl_, data, size, &written) != 1 || written != size)
    return fail("cannot encrypt");
  note_activity();
  return true;
}

void tls_channel::close() {
  if (closing_ || failed())
    return;
  closing_ = true;
  // Before the handshake ends, close_notify waits for it (after the held
  // writes). OpenSSL queues it in the output; no answer is awaited.
  if (established_) {
    clear_openssl_errors();
    SSL_shutdown(ssl_);
    clear_openssl_errors();
  }
}

void tls_channel::take_output(std::vector<char>& out) {
  if (output_.empty())
    return;
  out.insert(out.end(), output_.begin(), output_.end());
  output_.clear();
  if (output_.capacity() > keep_output_capacity)
    std::vector<char>{}.swap(output_);
}

size_t tls_channel::pending_output() const {
  return output_.size();
}

std::string tls_channel::peer_subject() const {
  if (ssl_ == nullptr)
    return {};
  auto* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr)
    return {};
  auto* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr)
    return {};
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  std::string result
      = mem != nullptr ? std::string(mem->data, mem->length) : std::string{};
  BIO_free(bio);
  return result;
}

std::string tls_channel::alpn() const {
  if (ssl_ == nullptr)
    return {};
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &name, &length);
  return name == nullptr
             ? std::string{}
             : std::string(reinterpret_cast<const char*>(name), length);
}

std::string tls_channel::version() const {
  if (ssl_ == nullptr || !established_)
    return {};
  return SSL_get_version(ssl_);
}

} // namespace pss
