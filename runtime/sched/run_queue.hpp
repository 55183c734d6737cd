// Internal: the per-worker bounded run queue (owner pushes and pops FIFO,
// other workers steal half at a time).
//
// ============================================================================
// Design
// ============================================================================
//
// Roles
// -----
// Every worker owns exactly one RunQueue. The OWNER is the single thread that
// calls push_or_overflow() and pop() on it. Any other thread may act as a
// THIEF: it calls victim.steal_into(mine), where `mine` is the queue that the
// thief itself owns. A thief therefore plays two parts at once: a consumer of
// the victim and the owner of the destination, which is why steal_into() may
// write dst's slots and tail_ without any CAS.
//
// State
// -----
//   slots_[Capacity]  ring of std::atomic<T>; position p lives in slots_[p & mask]
//   tail_   (u32)     position one past the newest item
//   head_   (u64)     packed { steal (high 32 bits) | real (low 32 bits) }
//
// Positions are free-running u32 counters. Every comparison is made on the
// wrapping difference of two positions (span()), never on raw values, so the
// counters may wrap past 2^32 at any time (the tests start them just below
// 2^32 to check it).
//
// Who writes what
// ---------------
//   field            written by                    how
//   ---------------  ----------------------------  -------------------------------
//   slots_ of q      q's owner only                relaxed store (push; or, when
//                                                  q is the dst of a steal, the
//                                                  thief, which owns q)
//   tail_ of q       q's owner only                release store
//   head_.real       owner (pop, overflow),        CAS on the whole head_ word
//                    thief (claim step)
//   head_.steal      owner (pop and overflow,      CAS on the whole head_ word
//                    only while steal == real),
//                    thief (finish step)
//
// Head encoding
// -------------
//   real   the next position the owner will pop. Items in [real, tail) are
//          in the queue.
//   steal  equal to real when no steal is in progress. While a thief is
//          copying, steal is the first position of its batch and real is one
//          past the last, so [steal, real) is the range being copied. The
//          owner must not overwrite those slots, so capacity is always
//          measured from steal, not from real.
// Keeping both halves in one 64-bit word lets one CAS observe "is a steal in
// progress?" and move the head atomically; 32-bit halves make an ABA on the
// CAS need 2^32 head moves while one thread sits between its load and its
// CAS.
//
// Protocols
// ---------
// P-1 push_or_overflow(item)   [owner]
//   1. Load head_ (acquire) -> (steal, real); tail is the owner's own value.
//   2. If tail - steal < Capacity: store item into slot tail, then publish it
//      with a release store of tail + 1. Done.
//   3. Else if steal != real: the ring is full but a thief is about to free
//      up space; hand just `item` to the overflow sink (n == 1). Done.
//   4. Else run P-2. If its CAS loses a race (a thief claimed items in the
//      meantime), go back to step 1: there may be room now.
//
// P-2 overflow   [owner, ring full, no steal in progress, tail - real == Capacity]
//   1. CAS head_ from (real, real) to (real + Capacity/2, real + Capacity/2):
//      this claims the oldest half for the owner itself.
//   2. Copy those Capacity/2 items out of the ring, oldest first, append
//      `item`, and call overflow(items, Capacity/2 + 1) once.
//
// P-3 pop()   [owner]
//   1. Load head_ -> (steal, real). If real == tail the queue is empty.
//   2. CAS head_ to (steal, real + 1), or to (real + 1, real + 1) when
//      steal == real, so that an idle steal half keeps tracking real.
//   3. On CAS failure retry from 2 with the value the CAS saw; on success
//      read slot real (written by this same thread, not reusable until the
//      owner pushes again).
//
// P-4 steal_into(dst)   [thief; `this` is the victim, the thief owns dst]
//   1. If dst holds more than Capacity/2 items (measured from dst's steal),
//      give up: the batch might not fit.
//   2. Claim: load victim head_ -> (steal, real); if steal != real another
//      thief is mid-steal, give up. Load victim tail_; n = avail - avail/2
//      where avail = tail - real (so at least one item, at most half rounded
//      up). If n == 0 give up. CAS head_ from (real, real) to
//      (real, real + n). On failure retry step 2 with the fresh value.
//      (avail can exceed Capacity if the owner popped and pushed between the
//      two loads; then head_ has moved and the CAS fails, so a successful
//      claim always has n <= Capacity/2.)
//   3. Copy: move slots [real, real + n) of the victim into dst's slots
//      [dst_tail, dst_tail + n), in order. The owner can still pop and push
//      meanwhile, but cannot touch [steal, real).
//   4. Finish: CAS the victim head_ from (first, r) to (r, r), where r is
//      whatever real is now (the owner may have popped meanwhile); retry on
//      failure with the fresh r.
//   5. Keep the newest stolen item (position dst_tail + n - 1) to return and
//      publish the other n - 1 with a release store of dst tail_.
//
// Invariants (all differences are wrapping u32 subtractions)
// ----------
//   INV-1  real - steal <= tail - steal <= Capacity. Items are never more than
//          Capacity positions ahead of the oldest slot still being read.
//   INV-2  steal != real iff exactly one thief is between its claim (P-4.2)
//          and its finish (P-4.4). Only that thief may move steal, and the
//          claim requires steal == real, so two steals on one queue never
//          overlap.
//   INV-3  Only the owner of a queue writes its slots_ and tail_. The owner
//          writes slot tail only when tail - steal < Capacity (P-1.2), so it
//          never overwrites a live item [real, tail) or a slot a thief is
//          still copying [steal, real).
//   INV-4  Every change of head_ is a read-modify-write with release order
//          (never a plain store). Hence the release sequence of any head_
//          write extends through all later ones, and a thread that
//          acquire-loads head_ sees (at least) every tail_ value that was
//          read or written before any head_ change it now observes. This is
//          what keeps "tail - real" from going negative for a thief.
//   INV-5  A steal moves n <= Capacity/2 items and only into a dst with
//          dst_tail - dst_steal <= Capacity/2, so dst never exceeds Capacity
//          and the thief's writes to dst obey INV-3 for dst.
//   INV-6  Each item that enters the ring leaves it exactly once: through
//          pop, a claim, or the overflow half, and each of those takes its
//          items by a successful CAS that moves real past them, so no two
//          parties can take the same position. (An item spilled by P-1.3
//          never enters the ring.)
//
// Memory order summary
// --------------------
// Slots are std::atomic<T> touched only with relaxed loads and stores; the
// ordering comes from two release/acquire channels:
//   (a) tail_: owner's relaxed slot store, then release store of tail_;
//       thief's acquire load of tail_, then relaxed slot load. The thief sees
//       the item.
//   (b) head_: thief's relaxed slot loads, then release CAS (finish); owner's
//       acquire load of head_ in push, then relaxed slot store. The thief's
//       read happens before the overwrite, so it cannot read the new value.
// Both channels are plain release/acquire pairs (channel (b) runs through the
// release sequence of head_, which INV-4 keeps unbroken), so no standalone
// fence is needed and none is used; nothing here relies on a store->load
// (Dekker-style) ordering, which is the one case full_fence() exists for.
// Under the protocol no slot access would race even if slots were plain T;
// they are atomics so that the code is formally race-free and stays
// TSan-clean. (The catch: TSan would no longer flag a protocol bug that let
// the owner overwrite a slot a thief is copying; the exactly-once stress test,
// which stalls thieves mid-steal through Hooks, is what guards that.)
//
// Source and deviations
// ---------------------
// Follows the local queue of Tokio's multi-thread scheduler
// (tokio/src/runtime/scheduler/multi_thread/queue.rs), which in turn adapts
// Go's runq (runtime/proc.go: runqput / runqputslow / runqget / runqgrab /
// runqsteal). Differences:
//   - Go's thief reads the slots first and commits with one CAS on a single
//     head index, so its slot loads may race with the owner and be thrown
//     away. Tokio (and this file) claims first with the steal/real split and
//     copies afterwards, so every slot read is of a settled value.
//   - Tokio picks u16/u32 halves on targets without 64-bit atomics; this file
//     always uses u32 halves and requires a lock-free 64-bit atomic.
//   - Slots hold raw pointers in std::atomic<T> instead of
//     UnsafeCell<MaybeUninit<Task>>; the queue never owns or frees what the
//     pointers point to, and nullptr is reserved as the "empty" result.
//   - The overflow sink is a callable that gets one contiguous, oldest-first
//     array (the half plus the new item) instead of an iterator chained into
//     Tokio's Inject queue; there are no stats/metrics hooks.
//   - Memory orders are chosen per access and argued at each one. The owner's
//     pop loads head_ relaxed and its CAS is release-only, and the finish CAS
//     is release-only, where Tokio uses acquire/acq_rel. The overflow CAS is
//     release like Tokio's, but for a different reason than Tokio's comment
//     gives: it is needed for INV-4 (a thief that sees the new real must also
//     see a tail at least that far), not for the owner's reads.
//   - No emptiness assertion on destruction: items left in the queue are the
//     caller's to drain before destroying it.
//   - Two test seams Tokio gets from loom instead: a constructor taking the
//     starting position (tests start the counters just below 2^32), and a
//     Hooks parameter (see RunQueueNoHooks) that lets the stress test stall
//     a thief inside its steal.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "runtime/base/atomics.hpp"

namespace ensemble::runtime {

// Test seam. A thief calls these at the two points where being slow widens a
// race window: after its claim CAS, before it reads the claimed slots; and
// after the copy, before its finish CAS. The default does nothing and compiles
// away; the stress test passes hooks that sometimes yield, so a protocol bug
// that lets the owner reuse claimed slots shows up as lost or duplicated items
// (TSan cannot see it, since the slots are atomics).
struct RunQueueNoHooks {
  static void after_claim() noexcept {}
  static void before_finish() noexcept {}
};

template <class T, std::uint32_t Capacity = 256, class Hooks = RunQueueNoHooks>
class RunQueue {
  static_assert(std::is_pointer_v<T>, "RunQueue holds raw pointers; nullptr means empty");
  static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0,
                "Capacity must be a power of two, at least 2");
  // The overflow batch (Capacity/2 + 1 pointers) lives on the owner's stack;
  // 4096 keeps it at about 16 KiB. Positions are u32, so anything up to 2^31
  // would be correct; raise this if a bigger ring is ever wanted.
  static_assert(Capacity <= 4096, "Capacity too large for the on-stack overflow batch");
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
                "RunQueue needs a lock-free 64-bit atomic for head_");
  static_assert(std::atomic<T>::is_always_lock_free, "RunQueue needs lock-free pointer atomics");

 public:
  static constexpr std::uint32_t capacity = Capacity;

  RunQueue() noexcept : RunQueue(0) {}

  // Starts every position counter at `start_position` instead of 0. Only
  // useful to tests, which start near 2^32 to exercise u32 wrap-around.
  explicit RunQueue(std::uint32_t start_position) noexcept
      : head_(pack(start_position, start_position)), tail_(start_position) {}

  RunQueue(const RunQueue&) = delete;
  RunQueue& operator=(const RunQueue&) = delete;
  RunQueue(RunQueue&&) = delete;
  RunQueue& operator=(RunQueue&&) = delete;
  ~RunQueue() = default;

  // Owner only. P-1 / P-2 in the essay. `overflow(T* items, std::size_t n)` is
  // called at most once, on this thread, with either the oldest Capacity/2
  // items followed by `item` (n == Capacity/2 + 1), or just `item` (n == 1).
  // By the time it is called those items are no longer in the ring: if
  // `overflow` throws, the ring stays consistent but the items it was handed
  // are the sink's problem, so a sink should not throw.
  template <class Overflow>
  void push_or_overflow(T item, Overflow&& overflow) {
    assert(item != nullptr && "nullptr is reserved for 'empty'");
    for (;;) {
      // Acquire: pairs with the release finish CAS of head_ in steal_into.
      // Once we see a steal value past a position, the thief's relaxed loads
      // of that slot happen before our store into it below (INV-3).
      const std::uint64_t head = head_.load(std::memory_order_acquire);
      const std::uint32_t steal = steal_of(head);
      const std::uint32_t real = real_of(head);
      // Relaxed: tail_ is written only by this thread (INV-3), so we read our
      // own latest store.
      const std::uint32_t tail = tail_.load(std::memory_order_relaxed);

      if (span(steal, tail) < Capacity) {
        // Relaxed: the item is published by the release store of tail_ just
        // below, not by this store.
        slots_[tail & mask].store(item, std::memory_order_relaxed);
        // Release: pairs with the acquire load of tail_ in steal_into; a
        // thief that sees tail + 1 also sees the slot store above.
        tail_.store(tail + 1, std::memory_order_release);
        return;
      }
      if (steal != real) {
        // Full, but a thief holds [steal, real) and will release it soon.
        // Do not wait for it: spill just this item (P-1.3).
        overflow(&item, std::size_t{1});
        return;
      }
      if (try_overflow_half(item, real, tail, overflow)) {
        return;
      }
      // A thief claimed items between our load and our CAS; there may be
      // room now (P-1.4).
    }
  }

  // Owner only. P-3. FIFO; nullptr when empty.
  T pop() noexcept {
    // Relaxed: this value is only the expected operand of the CAS below. If it
    // is stale the CAS fails and hands us the current one. The "empty" answer
    // is safe even when stale: real only grows and never passes tail (INV-1),
    // and tail is our own, so stale real == tail means real == tail now.
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    // Relaxed: own field, see push_or_overflow.
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t steal = steal_of(head);
      const std::uint32_t real = real_of(head);
      if (real == tail) {
        return nullptr;
      }
      const std::uint32_t next_real = real + 1;
      const std::uint64_t next =
          steal == real ? pack(next_real, next_real) : pack(steal, next_real);
      // Success, release: INV-4. A thief that acquire-loads head_ and sees
      // real + 1 must then read a tail_ at least real + 1 (pairs with the
      // acquire load of head_ / acquire failure of the claim CAS in
      // steal_into). Nothing needs acquiring: the slot we read was stored by
      // this thread.
      // Failure, relaxed: the value only feeds the next attempt.
      if (head_.compare_exchange_weak(head, next, std::memory_order_release,
                                      std::memory_order_relaxed)) {
        // Relaxed: this thread stored the slot; only this thread overwrites it,
        // and not before its next push.
        return slots_[real & mask].load(std::memory_order_relaxed);
      }
    }
  }

  // Thief (the owner of dst). P-4. Moves about half of this queue into dst
  // (in order) and returns the newest item it moved; nullptr when there was
  // nothing to take, another thief is mid-steal, or dst is more than half
  // full. `dst` must not be `*this`.
  T steal_into(RunQueue& dst) noexcept {
    assert(&dst != this && "a queue cannot steal from itself");

    // Relaxed: the calling thread owns dst and is the only writer of its tail_.
    const std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);
    // Acquire: pairs with the release finish CAS of other thieves stealing
    // *from dst*. Seeing their steal value makes their reads of dst's slots
    // happen before our writes into those slots below (INV-3 for dst).
    const std::uint32_t dst_steal = steal_of(dst.head_.load(std::memory_order_acquire));
    if (span(dst_steal, dst_tail) > Capacity / 2) {
      return nullptr;  // INV-5: the batch might not fit.
    }

    // --- P-4.2 claim ---
    // Acquire: pairs with the release CASes on head_ (owner's pop and
    // overflow, other thieves' claim and finish), so the tail_ load below
    // returns a tail at least the real we see (INV-4).
    std::uint64_t head = head_.load(std::memory_order_acquire);
    std::uint32_t first = 0;
    std::uint32_t n = 0;
    for (;;) {
      const std::uint32_t steal = steal_of(head);
      const std::uint32_t real = real_of(head);
      if (steal != real) {
        return nullptr;  // another thief is mid-steal (INV-2)
      }
      // Acquire: pairs with the release store of tail_ in push_or_overflow,
      // so the slot loads in the copy step see the pushed items.
      const std::uint32_t tail = tail_.load(std::memory_order_acquire);
      // INV-4 makes tail >= real here, so this cannot wrap to a huge value.
      // It can exceed Capacity when the owner popped and pushed between our
      // two loads; head_ has then moved on and the CAS below must fail.
      const std::uint32_t avail = span(real, tail);
      n = avail - avail / 2;
      if (n == 0) {
        return nullptr;
      }
      // Success, acq_rel: the release half is INV-4 (a thief that sees our new
      // real must also see a tail_ that far; we read that tail_ with acquire
      // just above). The acquire half adds nothing on success (the CAS read
      // the very value our acquire load or failed CAS already synchronised
      // with) and is there because the failure order below needs it.
      // Failure, acquire: the fresh value is used as `head` for the next try,
      // so it needs the same INV-4 guarantee as the initial load.
      if (head_.compare_exchange_weak(head, pack(real, real + n), std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        first = real;
        break;
      }
    }
    // The CAS succeeded, so head_ still held (first, first) and tail - first
    // was within INV-1 when we read tail_.
    assert(n <= Capacity / 2 && "claimed more than half: INV-1/INV-4 broken");
    Hooks::after_claim();

    // --- P-4.3 copy ---
    for (std::uint32_t i = 0; i < n; ++i) {
      // Relaxed load: made visible by the acquire load of tail_ above. The
      // owner does not overwrite it before our finish CAS (INV-3).
      T item = slots_[(first + i) & mask].load(std::memory_order_relaxed);
      // Relaxed store: we own dst; the release store of dst.tail_ at the end
      // publishes it.
      dst.slots_[(dst_tail + i) & mask].store(item, std::memory_order_relaxed);
    }

    Hooks::before_finish();

    // --- P-4.4 finish ---
    std::uint64_t expected = pack(first, first + n);
    for (;;) {
      assert(steal_of(expected) == first && "INV-2: only this thief moves steal");
      const std::uint32_t real = real_of(expected);
      // Success, release: pairs with the acquire load of head_ in the owner's
      // push_or_overflow; our slot loads above happen before the owner
      // reuses those slots (memory-order channel (b)). It is also an RMW, so
      // it continues the release sequence of any owner pop it read (INV-4).
      // Failure, relaxed: only the owner's pops can interfere (INV-2), and
      // the fresh value just feeds the next attempt.
      if (head_.compare_exchange_weak(expected, pack(real, real), std::memory_order_release,
                                      std::memory_order_relaxed)) {
        break;
      }
    }

    // --- P-4.5 return one, publish the rest ---
    const std::uint32_t keep = n - 1;
    // Relaxed: this thread stored it a moment ago and has not published it.
    T result = dst.slots_[(dst_tail + keep) & mask].load(std::memory_order_relaxed);
    if (keep != 0) {
      // Release: pairs with the acquire load of tail_ in steal_into by any
      // thief stealing from dst, so it sees the copied slots.
      dst.tail_.store(dst_tail + keep, std::memory_order_release);
    }
    return result;
  }

  // Racy hints for any thread. Relaxed: the answer may be stale either way
  // and nobody acts on it for correctness. A reader racing the owner can see
  // a tail older than real; that would look like a huge size, so anything
  // above Capacity is reported as 0. A caller that needs "I published work,
  // then looked for sleepers" vs "I published a sleeper, then looked here"
  // to not both miss must put full_fence() between the two steps on both
  // sides; these loads add no ordering of their own.
  std::uint32_t approx_size() const noexcept {
    const std::uint32_t real = real_of(head_.load(std::memory_order_relaxed));
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint32_t size = span(real, tail);
    return size > Capacity ? 0 : size;
  }

  bool approx_empty() const noexcept { return approx_size() == 0; }

 private:
  static constexpr std::uint32_t mask = Capacity - 1;

  // Number of positions in [from, to), modulo 2^32. Positions are compared
  // only through this, so the counters may wrap freely.
  static constexpr std::uint32_t span(std::uint32_t from, std::uint32_t to) noexcept {
    return to - from;
  }

  static constexpr std::uint64_t pack(std::uint32_t steal, std::uint32_t real) noexcept {
    return (std::uint64_t{steal} << 32) | std::uint64_t{real};
  }
  static constexpr std::uint32_t steal_of(std::uint64_t head) noexcept {
    return static_cast<std::uint32_t>(head >> 32);
  }
  static constexpr std::uint32_t real_of(std::uint64_t head) noexcept {
    return static_cast<std::uint32_t>(head);
  }

  // P-2. Precondition: owner thread, steal == real == `real`, tail - real ==
  // Capacity. Returns false (nothing moved, `overflow` not called) if a thief
  // changed head_ first.
  template <class Overflow>
  bool try_overflow_half(T item, std::uint32_t real, std::uint32_t tail, Overflow& overflow) {
    constexpr std::uint32_t half = Capacity / 2;
    assert(span(real, tail) == Capacity);
    (void)tail;

    std::uint64_t expected = pack(real, real);
    // Success, release: INV-4. A thief that acquire-loads head_ and sees
    // real + half must then read a tail_ at least that far (the tail_ stores
    // that got us here precede this CAS). Nothing needs acquiring: the slots
    // we read next were stored by this thread.
    // Failure, relaxed: we return and push_or_overflow reloads head_ with
    // acquire.
    if (!head_.compare_exchange_strong(expected, pack(real + half, real + half),
                                       std::memory_order_release, std::memory_order_relaxed)) {
      return false;
    }

    std::array<T, half + 1> batch{};
    for (std::uint32_t i = 0; i < half; ++i) {
      // Relaxed: stored by this thread; [real, real + half) now belongs to
      // nobody but us (the CAS moved real past it while steal == real, so no
      // thief holds it), and only we could overwrite it.
      batch[i] = slots_[(real + i) & mask].load(std::memory_order_relaxed);
    }
    batch[half] = item;
    overflow(batch.data(), std::size_t{half + 1});
    return true;
  }

  // head_ is CAS'd by the owner and every thief; tail_ is stored by the owner
  // and read by thieves on every steal. Separate lines keep a thief's CAS on
  // head_ from bouncing the line the owner writes on every push.
  alignas(cache_line) std::atomic<std::uint64_t> head_;
  alignas(cache_line) std::atomic<std::uint32_t> tail_;
  alignas(cache_line) std::array<std::atomic<T>, Capacity> slots_{};
};

}  // namespace ensemble::runtime
