// Internal: the one place that decides how ensemble spells a full fence, a CPU
// relax hint and a cache-line size.
//
// Why a wrapper: ThreadSanitizer does not model std::atomic_thread_fence (g++ 12
// warns with -Wtsan and reports false races around fences). Under TSan a full
// fence becomes a seq_cst read-modify-write on a private atomic, which TSan does
// model and which is, on every target we build for, at least as strong for the
// Dekker-style store->load orderings we use it for (publish work, then look
// for sleepers; publish a sleeper, then look for work).
#pragma once

#include <atomic>
#include <cstddef>

#if defined(__SANITIZE_THREAD__)
#define ENSEMBLE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ENSEMBLE_TSAN 1
#endif
#endif

// Thread-locals on the hot path use the initial-exec TLS model: one load
// relative to the thread pointer instead of a __tls_get_addr call (which was
// ~20% of a local tell's instructions in libensemble.so). The library must
// then be loaded at program start (linked, not dlopen'ed late), which is how
// an actor runtime is used.
#define ENSEMBLE_HOT_TLS thread_local __attribute__((tls_model("initial-exec")))

namespace ensemble::runtime {

inline constexpr std::size_t cache_line = 64;

#if defined(ENSEMBLE_TSAN)
inline std::atomic<int> tsan_fence_word{0};
inline void full_fence() noexcept { tsan_fence_word.fetch_add(0, std::memory_order_seq_cst); }
#else
inline void full_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
#endif

// A spin-wait hint: PAUSE on x86 roughly halves cross-core hand-off latency in
// spin loops here (docs/hardware-floors.md).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace ensemble::runtime
