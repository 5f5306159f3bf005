#include "memory/heap_release.hpp"

#include <atomic>
#include <chrono>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pss {

namespace {

using clock = std::chrono::steady_clock;

/// Blocks from this size up get a mapping of their own: larger than any
/// buffer an idle or small-packet session holds (reads are at most 64 KiB),
/// so that small allocations stay as fast as before.
constexpr int mapped_block_size = 256 * 1024;

/// A freed buffer this large asks for a trim.
constexpr size_t large_buffer = 1024 * 1024;

/// Trims at most this often while large packets keep coming: a trim walks
/// every heap, which costs more than it returns when done per packet.
constexpr auto min_trim_interval = std::chrono::milliseconds(100);

std::atomic<bool> trim_pending{false};
std::atomic<clock::rep> last_trim{0};

void trim_now() {
  trim_pending.store(false, std::memory_order_relaxed);
  last_trim.store(clock::now().time_since_epoch().count(),
                  std::memory_order_relaxed);
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

} // namespace

void release_large_buffers_to_system() {
#if defined(__GLIBC__)
  // Setting the threshold also ends its dynamic growth (and that of the
  // heap's trim threshold).
  static const bool done = ::mallopt(M_MMAP_THRESHOLD, mapped_block_size) == 1;
  static_cast<void>(done);
#endif
}

void note_buffer_freed(size_t bytes) {
  if (bytes < large_buffer)
    return;
  auto since = clock::now().time_since_epoch()
               - clock::duration{last_trim.load(std::memory_order_relaxed)};
  if (since >= min_trim_interval)
    trim_now();
  else
    trim_pending.store(true, std::memory_order_relaxed);
}

void trim_heap_if_pending() {
  if (trim_pending.load(std::memory_order_relaxed))
    trim_now();
}

} // namespace pss
