// Per-thread size-class free lists for coroutine frames and envelopes.
//
// Why: a lazy task or an envelope costs ~39 ns through glibc new/delete and
// 8-12 ns through a thread-local free list on this machine kind
// (docs/hardware-floors.md); every tell and every coroutine call pays
// it. The lists are bounded so that a thread that frees more than it allocates
// (a consumer of many producers) hands the surplus back to the global heap
// instead of hoarding it.
//
// No atomics: each list is touched only by its own thread. A block may be
// freed by a different thread than the one that allocated it; it then joins
// the freeing thread's list, which is safe because the blocks of one class are
// interchangeable.
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <new>

#include "runtime/base/atomics.hpp"

#include <ensemble/detail/frame_alloc.hpp>

namespace ensemble::detail {
namespace {

constexpr std::size_t class_bytes = 64;
constexpr std::size_t class_count = 16;       // classes of 64 .. 1024 bytes
// Each class keeps at most 32 MiB of free blocks per thread (174762 blocks of
// 192 bytes, a task node): a task tree that has 10^5 forks alive at once
// (fork them all, then join) finds its nodes and frames here the next time
// instead of in malloc, which is what a bound of 4096 blocks per class cost
// it (docs/performance.md). A thread can only cache what it once had
// allocated or was handed (glibc would keep most of it too); the cap bounds
// what a thread that frees more than it allocates can hoard.
constexpr std::size_t max_cached_bytes_per_class = std::size_t{32} << 20;

struct FreeBlock {
  FreeBlock* next;
};

// Plain data, so a thread_local of it needs no construction guard: every
// access is one TLS-relative load (with the initial-exec model below), which
// matters because every tell and every coroutine call goes through here.
struct ThreadCache {
  FreeBlock* head[class_count];
  std::uint32_t count[class_count];
  bool registered;  // the reaper below is armed
  bool gone;        // the thread is exiting: bypass the cache
};

ENSEMBLE_HOT_TLS ThreadCache cache{};

// Frees the cached blocks when the thread exits. Touched once per thread, when
// the first block is cached, so the hot path never pays for its guard.
struct CacheReaper {
  ~CacheReaper() {
    cache.gone = true;
    for (std::size_t c = 0; c < class_count; ++c) {
      while (cache.head[c] != nullptr) {
        FreeBlock* b = cache.head[c];
        cache.head[c] = b->next;
        ::operator delete(b);
      }
      cache.count[c] = 0;
    }
  }
};
thread_local CacheReaper reaper;

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer every block goes to the real heap so that a use after
// free is reported instead of hidden by the cache.
constexpr bool pooling = false;
#else
constexpr bool pooling = true;
#endif

constexpr std::size_t class_of(std::size_t size) noexcept { return (size - 1) / class_bytes; }

}  // namespace

void* pooled_alloc(std::size_t size) {
  std::size_t c = class_of(size);
  if (size == 0 || c >= class_count) return ::operator new(size);
  // Small blocks are always allocated at their full class size, whichever path
  // makes them, because any thread may later cache and reuse them.
  if (pooling && !cache.gone) {
    if (FreeBlock* b = cache.head[c]) {
      cache.head[c] = b->next;
      --cache.count[c];
      return b;
    }
  }
  return ::operator new((c + 1) * class_bytes);
}

void pooled_free(void* p, std::size_t size) noexcept {
  if (p == nullptr) return;
  std::size_t c = class_of(size);
  if (!pooling || size == 0 || c >= class_count || cache.gone ||
      cache.count[c] >= max_cached_bytes_per_class / ((c + 1) * class_bytes)) {
    ::operator delete(p);
    return;
  }
  if (!cache.registered) {
    cache.registered = true;
    (void)&reaper;  // constructs it: its destructor runs at thread exit
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = cache.head[c];
  cache.head[c] = b;
  ++cache.count[c];
}

}  // namespace ensemble::detail
