// The side state's creation and its lock (side_state.hpp).
#include "runtime/actor/side_state.hpp"

namespace ensemble::runtime {

SideState& side_of(ActorCell& a) {
  // acquire: pairs with the release CAS below, so the state is seen initialised.
  SideState* s = a.side_.load(std::memory_order_acquire);
  if (s != nullptr) return *s;
  auto* fresh = new SideState();
  // release: publishes the new state; acquire on failure: see the winner's.
  if (a.side_.compare_exchange_strong(s, fresh, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
    return *fresh;
  }
  delete fresh;
  return *s;
}

void lock_side(ActorCell& a) noexcept {
  // acquire: pairs with the release in unlock_side; the lock's critical
  // sections are a few instructions, so spinning beats sleeping.
  while ((a.set_flag(detail::flag_side_lock) & detail::flag_side_lock) != 0) {
    while (a.has_flag(detail::flag_side_lock)) cpu_relax();
  }
}

void unlock_side(ActorCell& a) noexcept { a.clear_flag(detail::flag_side_lock); }

}  // namespace ensemble::runtime
