// runtime/time/timer_wheel.hpp: TimerWheel, the bookkeeping under every timer in
// ensemble (actor wake-ups from schedule_after, ask time-outs, task sleeps).
//
// What it is. A hierarchical hashed timing wheel counting 1 ms ticks. Read a
// deadline as six base-64 digits (6 bits each); level k holds the nodes whose
// deadline first differs from the current tick in digit k, and within the level
// the node sits in the slot named by that digit of its deadline. Level 0 is
// therefore exact (one slot per tick), level 1 slots are 64 ticks wide, level k
// slots 64^k ticks wide, and the six levels together reach 2^36 ticks (about
// 795 days). When time reaches the start of a level-k slot, every node in it
// agrees with the clock in digit k and above, so re-placing it drops it at least
// one level: a node is touched at most once per level on its way down.
//
// Why this design. Insert and cancel are O(1): a shift, a count-leading-zeros
// and a doubly-linked splice, with no allocation, because the links live in the
// node (TimerNode) and the wheel never owns memory. Finding the next thing to do
// never scans slots: each level keeps a 64-bit occupancy mask, rotated so the
// current digit is bit 0, and count-trailing-zeros names the first occupied slot
// ahead. So next_deadline() costs six mask look-ups whatever the number of
// timers, and the service can sleep until exactly that tick instead of ticking
// every millisecond: with nothing pending it sleeps for good. The answer is
// exact for level 0 and the start of the slot (never later than any deadline in
// it) for higher levels; being early only costs a cascade, never a late timer.
//
// Deadlines beyond the wheel's reach. A deadline that differs from the clock
// above bit 35 (far away, or merely across a 2^36 boundary) goes to the top
// level, treated as a ring: slots behind the current digit mean "next lap". Such
// a node is put in a slot whose start is still no later than its deadline, and
// is re-placed when that slot comes round; far-off nodes thus circle the top
// level roughly once per 2^36 ticks until they come within reach.
//
// Past deadlines. A node inserted with deadline <= now() goes on an "overdue"
// list that the next advance() empties first. There are two such lists and
// advance() switches which one insert() fills before emptying the other, so a
// callback that keeps re-arming a node in the past cannot spin advance()
// forever: the node waits for the next advance() call.
//
// Protocol. Not thread-safe; TimerService serialises every call under its lock.
// advance() walks the expiring slots in time order and, for each node, first
// unlinks it and only then hands it to the callback. The callback may therefore
// free the node, re-insert it, or cancel or insert other nodes; it must not call
// advance() or clear() re-entrantly.
//
// Ownership. The wheel only borrows nodes: whoever inserts a node owns its
// memory and must keep it alive while linked_ is true (cancel() it before
// freeing). A node passed to the advance() or clear() callback is already
// unlinked and the wheel keeps no pointer to it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "runtime/base/intrusive_list.hpp"

namespace ensemble::runtime {

struct TimerNode {  // intrusive; the owner of the node owns its memory
  ListHook<TimerNode> hook_;  // on a wheel slot's list; the timer service
                             // reuses hook_.next for its batches once unlinked
  std::uint64_t deadline_ = 0;  // absolute tick
  std::uint8_t level_ = 0, slot_ = 0;
  bool linked_ = false;
};

class TimerWheel {
 public:
  static constexpr unsigned slot_bits = 6;
  static constexpr unsigned slots_per_level = 1u << slot_bits;
  static constexpr unsigned levels = 6;
  // Span of the whole wheel: deadlines further than this from now() are
  // parked on the top level and re-placed when their slot comes round.
  static constexpr std::uint64_t reach = std::uint64_t{1} << (slot_bits * levels);

  explicit TimerWheel(std::uint64_t now_tick = 0) noexcept : now_(now_tick) {}
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // deadline <= now(): expires at the next advance(). Inserting a node that is
  // still linked moves it (cancel, then insert).
  void insert(TimerNode* n, std::uint64_t deadline_tick) noexcept;
  // O(1); no-op if not linked.
  void cancel(TimerNode* n) noexcept;

  // Moves time to now_tick (never backwards) and calls on_expired(TimerNode*)
  // for every node whose deadline <= now_tick, each already unlinked, in
  // non-decreasing deadline order (nodes that were overdue when inserted come
  // first). Nodes the callback inserts with a deadline in (current tick,
  // now_tick] expire within this same call; those inserted at or before the
  // current tick expire at the next advance().
  template <class F>
  void advance(std::uint64_t now_tick, F&& on_expired);

  // Unlinks every node, calling on_removed(TimerNode*) for each (in no
  // particular order); the callback must not insert. Used when shutting down.
  template <class F>
  void clear(F&& on_removed);

  // Earliest tick at which advance() could expire something; nullopt when
  // empty. May be earlier than the true earliest deadline, never later.
  std::optional<std::uint64_t> next_deadline() const noexcept;

  std::size_t size() const noexcept { return size_; }
  std::uint64_t now() const noexcept { return now_; }

 private:
  using List = IntrusiveList<TimerNode, &TimerNode::hook_>;
  struct DueSlot {
    std::uint64_t start_;  // first tick at which the slot must be processed
    unsigned list_;        // index into lists_
  };

  // level_ value that marks a node on one of the two overdue lists; slot_ then
  // says which of the two.
  static constexpr std::uint8_t overdue_level = levels;
  static constexpr unsigned wheel_lists = levels * slots_per_level;
  static constexpr unsigned list_count = wheel_lists + 2;

  static constexpr unsigned list_index(unsigned level, unsigned slot) noexcept {
    return level * slots_per_level + slot;
  }

  // Puts a node whose deadline_ > now_ into its level and slot.
  void place(TimerNode* n) noexcept;
  void push_back(TimerNode* n, unsigned level, unsigned slot) noexcept;
  TimerNode* pop_front(unsigned list) noexcept;
  std::optional<DueSlot> earliest_slot() const noexcept;

  std::array<List, list_count> lists_{};
  std::array<std::uint64_t, levels> occupied_{};  // bit s of [k]: slot s of level k non-empty
  std::uint64_t now_;
  std::size_t size_ = 0;
  std::uint8_t overdue_fill_ = 0;  // which overdue list insert() appends to
};

inline TimerNode* TimerWheel::pop_front(unsigned list) noexcept {
  List& l = lists_[list];
  TimerNode* n = l.pop_front();
  if (n == nullptr) return nullptr;
  if (l.empty() && list < wheel_lists)
    occupied_[list / slots_per_level] &= ~(std::uint64_t{1} << (list % slots_per_level));
  n->linked_ = false;
  --size_;
  return n;
}

template <class F>
void TimerWheel::advance(std::uint64_t now_tick, F&& on_expired) {
  if (now_tick < now_) now_tick = now_;

  // Switch lists before draining, so that re-arming in the past from the
  // callback lands on the other list and cannot keep this loop going.
  const unsigned overdue = list_index(overdue_level, overdue_fill_);
  overdue_fill_ ^= 1u;
  while (TimerNode* n = pop_front(overdue)) on_expired(n);

  // Slots come out in order of their start tick; now_ steps to each start so
  // that nodes re-placed (or inserted by the callback) are positioned relative
  // to the moment their slot was reached, which keeps the level invariants.
  // Nothing can be added to the slot being drained (a deadline after now_
  // never maps to the current digit), so popping until empty terminates.
  for (;;) {
    const std::optional<DueSlot> s = earliest_slot();
    if (!s || s->start_ > now_tick) break;
    if (s->start_ > now_) now_ = s->start_;
    while (TimerNode* n = pop_front(s->list_)) {
      if (n->deadline_ <= now_)
        on_expired(n);
      else
        place(n);
    }
  }
  now_ = now_tick;
}

template <class F>
void TimerWheel::clear(F&& on_removed) {
  for (unsigned i = 0; i < list_count; ++i)
    while (TimerNode* n = pop_front(i)) on_removed(n);
}

}  // namespace ensemble::runtime
