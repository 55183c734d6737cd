// runtime/time/timer_wheel.cpp: placement, cancellation and the next-slot search of
// TimerWheel (the advance() loop itself is a template in the header).
//
// The two pieces of arithmetic everything rests on:
//
//  * Placement. For a deadline d after the current tick t, the level is the
//    base-64 digit in which d and t first differ, i.e. the index of the highest
//    set bit of d ^ t divided by 6, and the slot is d's digit at that level.
//    Because d > t, that digit of d is strictly greater than t's, so the slot
//    lies ahead of the clock within the current lap of that level, and its
//    start tick (t with the lower digits zeroed and that digit replaced) is
//    after t and no later than d.
//
//  * Slot start. Level k's first occupied slot at or after the clock's digit
//    is found by rotating the occupancy mask right by that digit and counting
//    trailing zeros. A slot numerically behind the clock's digit can only be
//    legitimately occupied on the top level, where it means the next lap; the
//    same formula adds one lap for it on every level, which keeps the code
//    uniform.
//
// Deadlines that differ from t above the top digit cannot be named by any slot
// in the current lap. They go to the top level, in a slot chosen so that its
// start is after t and no later than d (see place()). Processing that slot
// re-places them; since the chosen slot is never the clock's current top digit,
// re-placement can never land a node back in the slot being drained.
#include "runtime/time/timer_wheel.hpp"

#include <bit>

namespace ensemble::runtime {

namespace {

constexpr unsigned top_level = TimerWheel::levels - 1;
constexpr std::uint64_t digit_mask = TimerWheel::slots_per_level - 1;

constexpr unsigned digit(std::uint64_t tick, unsigned level) noexcept {
  return static_cast<unsigned>((tick >> (TimerWheel::slot_bits * level)) & digit_mask);
}

}  // namespace

void TimerWheel::insert(TimerNode* n, std::uint64_t deadline_tick) noexcept {
  if (n->linked_) cancel(n);
  n->deadline_ = deadline_tick;
  if (deadline_tick <= now_)
    push_back(n, overdue_level, overdue_fill_);
  else
    place(n);
}

void TimerWheel::cancel(TimerNode* n) noexcept {
  if (!n->linked_) return;
  const unsigned list = list_index(n->level_, n->slot_);
  List& l = lists_[list];
  l.remove(n);
  if (l.empty() && list < wheel_lists)
    occupied_[n->level_] &= ~(std::uint64_t{1} << n->slot_);
  n->linked_ = false;
  --size_;
}

void TimerWheel::place(TimerNode* n) noexcept {
  const std::uint64_t d = n->deadline_;
  // d > now_, so d ^ now_ has a highest set bit.
  const unsigned high_bit = 63u - static_cast<unsigned>(std::countl_zero(d ^ now_));
  unsigned level = high_bit / slot_bits;
  unsigned slot;
  if (level < levels) {
    slot = digit(d, level);
  } else {
    // Beyond this lap of the top level. Two cases keep the slot start in
    // (now_, d]:
    //  - d is less than one lap away and its top digit differs from the
    //    clock's: its own top digit, read as next lap when behind the clock,
    //    starts exactly where d's top-level slot starts;
    //  - otherwise (a lap or more away, or one lap minus a bit with the same
    //    top digit): the slot just behind the clock's digit, i.e. the last one
    //    of the coming lap, which starts less than a lap from now_ and hence
    //    before d.
    level = top_level;
    const unsigned clock_digit = digit(now_, top_level);
    const unsigned d_digit = digit(d, top_level);
    if (d - now_ < reach && d_digit != clock_digit)
      slot = d_digit;
    else
      slot = (clock_digit + slots_per_level - 1) & static_cast<unsigned>(digit_mask);
  }
  push_back(n, level, slot);
}

void TimerWheel::push_back(TimerNode* n, unsigned level, unsigned slot) noexcept {
  List& l = lists_[list_index(level, slot)];
  n->level_ = static_cast<std::uint8_t>(level);
  n->slot_ = static_cast<std::uint8_t>(slot);
  l.push_back(n);
  n->linked_ = true;
  ++size_;
  if (level < levels) occupied_[level] |= std::uint64_t{1} << slot;
}

std::optional<TimerWheel::DueSlot> TimerWheel::earliest_slot() const noexcept {
  std::optional<DueSlot> best;
  for (unsigned level = 0; level < levels; ++level) {
    const std::uint64_t mask = occupied_[level];
    if (mask == 0) continue;
    const unsigned shift = slot_bits * level;
    const unsigned clock_digit = digit(now_, level);
    const unsigned ahead = static_cast<unsigned>(std::countr_zero(std::rotr(mask, static_cast<int>(clock_digit))));
    const unsigned slot = (clock_digit + ahead) & static_cast<unsigned>(digit_mask);
    const std::uint64_t width = std::uint64_t{1} << shift;
    const std::uint64_t lap = width << slot_bits;
    std::uint64_t start = (now_ & ~(lap - 1)) + slot * width;
    if (slot < clock_digit) start += lap;
    // A lower level's candidate always precedes any higher level's (the higher
    // one starts on a boundary the lower level has not reached), but taking
    // the minimum costs nothing and does not rely on that.
    if (!best || start < best->start_) best = DueSlot{start, list_index(level, slot)};
  }
  return best;
}

std::optional<std::uint64_t> TimerWheel::next_deadline() const noexcept {
  if (!lists_[list_index(overdue_level, 0)].empty() ||
      !lists_[list_index(overdue_level, 1)].empty())
    return now_;
  const std::optional<DueSlot> s = earliest_slot();
  if (!s) return std::nullopt;
  return s->start_;
}

}  // namespace ensemble::runtime
