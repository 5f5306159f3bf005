#pragma once

#include <cstddef>

// OpenSSL's types stay out of every header but this folder's.
struct bio_st;

namespace pss {

/// The bytes a channel's input BIO reads: those of the current read, for
/// the length of one call.
struct input_view {
  const char* data = nullptr;
  size_t size = 0;
};

/// A read-only OpenSSL BIO over `*view`, which must outlive it: a channel's
/// input. One per channel for its whole life, its view set per read: no
/// allocation and no copy per read.
///
/// Why not `BIO_new_mem_buf` per read: that allocates a BIO, its lock and a
/// `BUF_MEM` for every read the socket completes, and after thousands of
/// sessions came and went those small allocations on the I/O thread were
/// the largest single cost of a TLS request (glibc's `_int_malloc`, 18% of
/// pss-node's samples in TLS rr 64; tools/bench/RESULTS.md, session 9).
///
/// At the end of the view the BIO asks for more (retry) instead of
/// reporting the end of the stream: the peer may send more.
bio_st* new_input_bio(input_view* view);

} // namespace pss
