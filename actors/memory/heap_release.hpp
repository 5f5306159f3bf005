#pragma once

#include <cstddef>

namespace pss {

/// Makes the process's allocator (glibc malloc) give memory of large
/// buffers back to the system when they are freed (called by `configure`).
///
/// Why: glibc serves a large block by its own mapping, returned at free,
/// but raises that threshold to the size of every mapped block freed (up to
/// 32 MiB), after which large buffers come from the heaps, whose free
/// memory stays with the process. A fixed threshold keeps large buffers
/// mapped.
void release_large_buffers_to_system();

/// Notes that a buffer of `bytes` was freed. Large ones make the allocator
/// hand its free memory back to the system (`malloc_trim`), at most every
/// 100 ms; the rest waits for `trim_heap_if_pending`.
///
/// Why: what a large packet leaves behind is not only its own buffer but
/// memory freed around it (reads, copies, CAF's buffers) in the heaps of
/// the threads that handled it; glibc gives a heap's free memory back only
/// from its top. Four sessions of 16 MiB lines left a node 60 MiB above its
/// start after they ended.
void note_buffer_freed(size_t bytes);

/// Trims the heaps if a large buffer was freed since the last trim (at the
/// end of a session that handled one).
void trim_heap_if_pending();

} // namespace pss
