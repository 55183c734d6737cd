// Envelope storage: a per-thread free list, with surplus handed between
// threads in batches.
//
// Why: a tell takes an envelope on the sender's thread and the handler frees it
// on the receiver's. With only per-thread lists, a thread that mostly sends
// (an external producer, one side of an N:1 pattern) always allocates from the
// heap while the receiver's list overflows back to it: a malloc and a
// cross-thread free per message (~94 ns here, docs/hardware-floors.md). So a
// thread whose list is full moves a batch of 64 blocks to a shared pool (one
// moodycamel bulk enqueue), and a thread whose list is empty takes a batch from
// it before it falls back to the heap.
//
// The local list needs no atomics (thread-private). The shared pool is a
// moodycamel ConcurrentQueue, never destroyed: threads may hand blocks back
// during static destruction. It is bounded (shared_limit blocks); beyond that
// blocks go back to the heap.
#include "runtime/memory/envelope_pool.hpp"

#include <concurrentqueue/concurrentqueue.h>

#include "runtime/base/atomics.hpp"

namespace ensemble::runtime {
namespace {

constexpr std::size_t batch = 64;
#if defined(ENSEMBLE_TSAN)
// ThreadSanitizer does not model the fences moodycamel orders its blocks with,
// so an envelope reused on another thread through the pool would be reported
// as a race in ensemble's own frames. Under TSan the pool stays empty and
// surplus blocks go back to the heap (whose hand-off TSan does model).
constexpr std::size_t shared_limit = 0;
#else
constexpr std::size_t shared_limit = std::size_t{1} << 16;  // 8 MiB of parked envelopes
#endif

moodycamel::ConcurrentQueue<void*>& shared_pool() {
  static auto* pool = new moodycamel::ConcurrentQueue<void*>(0);
  return *pool;
}

// Returns the thread's blocks when it exits; constructed on the first insert
// only, so the hot path never touches its guard.
struct Reaper {
  ~Reaper() {
    while (MailboxNode* n = pop_free_block()) ::operator delete(n);
    envelope_free_list.room = 0;  // later frees on this thread bypass the list
    envelope_free_list.closed = true;
  }
};
thread_local Reaper reaper;

// Keeps the block in the thread's list if there is room, arming the exit
// hook first; false when the list is full or closed.
bool push_local(void* block) noexcept {
  EnvelopeFreeList& l = envelope_free_list;
  if (!l.armed && !l.closed) {
    l.armed = true;
    l.room = envelope_list_limit;
    (void)&reaper;  // constructs it: its destructor runs at thread exit
  }
  if (l.room == 0) return false;
  push_free_block(block);
  return true;
}

}  // namespace

constinit ENSEMBLE_HOT_TLS EnvelopeFreeList envelope_free_list{};

// Called when the thread's list is empty (take_envelope_block, the header).
void* take_envelope_block_slow() {
  if constexpr (envelope_list_limit > 0 && shared_limit > 0) {
    void* got[batch];
    std::size_t n = shared_pool().try_dequeue_bulk(got, batch);
    if (n > 0) {
      for (std::size_t i = 1; i < n; ++i) {
        if (!push_local(got[i])) ::operator delete(got[i]);  // closed, or no list (ASan)
      }
      return got[0];
    }
  }
  return ::operator new(sizeof(Envelope));
}

Envelope* new_envelope(Message&& m) {
  return ::new (take_envelope_block()) Envelope(std::move(m));
}

// Called with the envelope destroyed already (free_envelope, the header).
void free_envelope_slow(Envelope* e) noexcept {
  if (push_local(e)) return;  // not armed yet: this arms it
  if constexpr (envelope_list_limit > 0) {
    if (shared_pool().size_approx() < shared_limit) {
      void* out[batch];
      std::size_t n = 0;
      out[n++] = e;
      while (n < batch) {
        MailboxNode* b = pop_free_block();
        if (b == nullptr) break;
        out[n++] = b;
      }
      if (shared_pool().enqueue_bulk(out, n)) return;
      for (std::size_t i = 0; i < n; ++i) ::operator delete(out[i]);
      return;
    }
  }
  ::operator delete(e);
}

}  // namespace ensemble::runtime
