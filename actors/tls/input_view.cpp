#include "tls/input_view.hpp"

#include <algorithm>
#include <cstring>

#include <openssl/bio.h>

namespace pss {

namespace {

input_view* view_of(BIO* bio) {
  return static_cast<input_view*>(BIO_get_data(bio));
}

int read_ex(BIO* bio, char* out, size_t length, size_t* got) {
  BIO_clear_retry_flags(bio);
  auto* v = view_of(bio);
  if (v->size == 0) {
    *got = 0;
    BIO_set_retry_read(bio);
    return 0;
  }
  auto n = std::min(length, v->size);
  std::memcpy(out, v->data, n);
  v->data += n;
  v->size -= n;
  *got = n;
  return 1;
}

long ctrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_PENDING:
      return static_cast<long>(view_of(bio)->size);
    case BIO_CTRL_FLUSH:
      return 1;
    default:
      // Among the rest: EOF (never: more may come), WPENDING (nothing to
      // write), kTLS queries (not offered).
      return 0;
  }
}

// Made once and kept for the life of the process (OpenSSL keeps a pointer
// to it in every BIO made from it). Without create and destroy functions:
// the BIO owns nothing, its view belongs to the channel.
BIO_METHOD* input_view_method() {
  static BIO_METHOD* method = [] {
    auto* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                           "pss input view");
    if (m != nullptr
        && (BIO_meth_set_read_ex(m, read_ex) != 1
            || BIO_meth_set_ctrl(m, ctrl) != 1)) {
      BIO_meth_free(m);
      m = nullptr;
    }
    return m;
  }();
  return method;
}

} // namespace

bio_st* new_input_bio(input_view* view) {
  auto* method = input_view_method();
  auto* bio = method == nullptr ? nullptr : BIO_new(method);
  if (bio != nullptr) {
    BIO_set_data(bio, view);
    BIO_set_init(bio, 1);
  }
  return bio;
}

} // namespace pss
