#include "tls/channel_bios.hpp"

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

long input_ctrl(BIO* bio, int command, long, void*) {
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

std::vector<char>* sink_of(BIO* bio) {
  return static_cast<std::vector<char>*>(BIO_get_data(bio));
}

int write_ex(BIO* bio, const char* data, size_t length, size_t* written) {
  BIO_clear_retry_flags(bio);
  auto* sink = sink_of(bio);
  try {
    sink->insert(sink->end(), data, data + length);
  } catch (...) {
    // Out of memory: nothing may cross OpenSSL's C frames; the write
    // fails, and with it the channel.
    *written = 0;
    return 0;
  }
  *written = length;
  return 1;
}

long output_ctrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return static_cast<long>(sink_of(bio)->size());
    case BIO_CTRL_FLUSH:
      return 1;
    default:
      return 0;
  }
}

// A BIO method, made once and kept for the life of the process (OpenSSL
// keeps a pointer to it in every BIO made from it). Without create and
// destroy functions: the BIO owns nothing, its bytes belong to the channel.
template <class Setup>
BIO_METHOD* make_method(const char* name, Setup setup) {
  auto* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
  if (m != nullptr && !setup(m)) {
    BIO_meth_free(m);
    m = nullptr;
  }
  return m;
}

BIO_METHOD* input_method() {
  static BIO_METHOD* method = make_method("pss input view", [](BIO_METHOD* m) {
    return BIO_meth_set_read_ex(m, read_ex) == 1
           && BIO_meth_set_ctrl(m, input_ctrl) == 1;
  });
  return method;
}

BIO_METHOD* output_method() {
  static BIO_METHOD* method = make_method("pss output", [](BIO_METHOD* m) {
    return BIO_meth_set_write_ex(m, write_ex) == 1
           && BIO_meth_set_ctrl(m, output_ctrl) == 1;
  });
  return method;
}

// A BIO of `method` over `data`, ready for use.
bio_st* new_bio(BIO_METHOD* method, void* data) {
  auto* bio = method == nullptr ? nullptr : BIO_new(method);
  if (bio != nullptr) {
    BIO_set_data(bio, data);
    BIO_set_init(bio, 1);
  }
  return bio;
}

} // namespace

bio_st* new_input_bio(input_view* view) {
  return new_bio(input_method(), view);
}

bio_st* new_output_bio(std::vector<char>* sink) {
  return new_bio(output_method(), sink);
}

} // namespace pss
