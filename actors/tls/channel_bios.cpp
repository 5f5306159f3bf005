#include "tls/channel_bios.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include <openssl/bio.h>
#include <openssl/err.h>

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
    // fails, and with it the channel, for this reason.
    ERR_raise(ERR_LIB_BIO, ERR_R_MALLOC_FAILURE);
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

// A BIO method, kept for the life of the process once made (OpenSSL keeps
// a pointer to it in every BIO made from it), or null if OpenSSL could not
// make it (then the next channel tries again). Without create and destroy
// functions: the BIO owns nothing, its bytes belong to the channel.
template <class Setup>
BIO_METHOD* make_method(const char* name, Setup setup) {
  auto index = BIO_get_new_index();
  if (index == -1)
    return nullptr;
  auto* m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, name);
  if (m != nullptr && !setup(m)) {
    BIO_meth_free(m);
    m = nullptr;
  }
  return m;
}

// `method` made by `make` once it succeeded, under `guard` (channels start
// on every I/O thread).
template <class Make>
BIO_METHOD* made_once(std::atomic<BIO_METHOD*>& method, std::mutex& guard,
                      Make make) {
  if (auto* m = method.load(std::memory_order_acquire))
    return m;
  std::lock_guard<std::mutex> lock{guard};
  if (method.load(std::memory_order_relaxed) == nullptr)
    method.store(make(), std::memory_order_release);
  return method.load(std::memory_order_relaxed);
}

std::mutex methods_guard;
std::atomic<BIO_METHOD*> input_method_ptr{nullptr};
std::atomic<BIO_METHOD*> output_method_ptr{nullptr};

BIO_METHOD* input_method() {
  return made_once(input_method_ptr, methods_guard, [] {
    return make_method("pss input view", [](BIO_METHOD* m) {
      return BIO_meth_set_read_ex(m, read_ex) == 1
             && BIO_meth_set_ctrl(m, input_ctrl) == 1;
    });
  });
}

BIO_METHOD* output_method() {
  return made_once(output_method_ptr, methods_guard, [] {
    return make_method("pss output", [](BIO_METHOD* m) {
      return BIO_meth_set_write_ex(m, write_ex) == 1
             && BIO_meth_set_ctrl(m, output_ctrl) == 1;
    });
  });
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
