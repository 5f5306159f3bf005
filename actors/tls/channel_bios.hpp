#pragma once

#include <cstddef>
#include <vector>

// OpenSSL's types stay out of every header but this folder's.
struct bio_st;

namespace pss {

/// The two OpenSSL BIOs of a channel, made once for its whole life: an
/// input that reads the bytes of the current read in place, and an output
/// that appends to a vector of the channel's. Nothing is allocated per
/// read or write but the output's growth, nothing is copied in, and no
/// BIO bookkeeping (locks, `BUF_MEM`, zero-filling) runs per request.
///
/// Why not OpenSSL's memory BIOs: a `BIO_new_mem_buf` per read allocates a
/// BIO, its lock and a `BUF_MEM` for every read the socket completes, and
/// after thousands of sessions came and went those small allocations on
/// the I/O thread were the largest single cost of a TLS request (glibc's
/// `_int_malloc`, 18% of pss-node's samples in TLS rr 64); a memory BIO
/// for the output zero-fills what it grows and answers several control
/// calls per record (tools/bench/RESULTS.md, session 9).

/// The bytes the input BIO reads: those of the current read, valid for
/// the length of one call.
struct input_view {
  const char* data = nullptr;
  size_t size = 0;
};

/// A read-only BIO over `*view`, which must outlive it. At the end of the
/// view it asks for more (retry) instead of reporting the end of the
/// stream: the peer may send more.
bio_st* new_input_bio(input_view* view);

/// A BIO that appends everything written to it to `*sink`, which must
/// outlive it. It takes every write whole.
bio_st* new_output_bio(std::vector<char>* sink);

} // namespace pss
