// Internal: where envelopes come from and go back to (envelope_pool.cpp has
// the design). The common case, a block from or to the thread's own free
// list, is inline here: a tell takes one and a handler gives one back for
// every message, and a call into the pool's translation unit cost ~15
// instructions each way (docs/performance.md).
#pragma once

#include <cstdint>
#include <new>

#include "runtime/base/atomics.hpp"
#include "runtime/actor/envelope.hpp"

namespace ensemble::runtime {

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer envelopes go straight to the heap, so a use after
// free is reported rather than hidden by the cache.
inline constexpr std::uint32_t envelope_list_limit = 0;
#else
inline constexpr std::uint32_t envelope_list_limit = 1024;
#endif

// The thread's free envelopes, linked through their mailbox link. Thread-
// private: no atomics beyond the relaxed accesses the link's type demands.
// `room` is how many more blocks the inline free may push: 0 until the
// thread-exit hook that empties the list is set up (the slow path does that)
// and again after it ran, envelope_list_limit minus the list's length
// between. One counter, so free_envelope tests one word (two tests, a length
// and an armed flag, cost every message 2 instructions).
struct EnvelopeFreeList {
  MailboxNode* head;
  std::uint32_t room;
  bool armed;   // the thread-exit hook is set up
  bool closed;  // it ran: the thread is exiting, frees bypass the list
};
extern constinit ENSEMBLE_HOT_TLS EnvelopeFreeList envelope_free_list;

// The list's two operations, for the inline paths below and the slow paths
// in envelope_pool.cpp alike.
inline MailboxNode* pop_free_block() noexcept {
  EnvelopeFreeList& l = envelope_free_list;
  MailboxNode* n = l.head;
  if (n != nullptr) {
    l.head = n->next_.load(std::memory_order_relaxed);  // relaxed: thread-private
    ++l.room;  // a non-empty list implies armed (push_local arms before it pushes)
  }
  return n;
}
inline void push_free_block(void* block) noexcept {
  EnvelopeFreeList& l = envelope_free_list;
  auto* n = ::new (block) MailboxNode;  // the storage outlives the Envelope: reuse it as a node
  n->next_.store(l.head, std::memory_order_relaxed);  // relaxed: thread-private
  l.head = n;
  --l.room;
}

// Slow paths (envelope_pool.cpp).
void* take_envelope_block_slow();
void free_envelope_slow(Envelope* e) noexcept;

// Raw storage for one Envelope (construct it with placement new).
inline void* take_envelope_block() {
  if (MailboxNode* n = pop_free_block()) return n;
  return take_envelope_block_slow();
}

// Destroys the envelope and keeps its storage for reuse.
inline void free_envelope(Envelope* e) noexcept {
  e->~Envelope();
  if (envelope_free_list.room != 0) {
    push_free_block(e);
    return;
  }
  free_envelope_slow(e);
}

Envelope* new_envelope(Message&& m);

}  // namespace ensemble::runtime
