// WakeupService (runtime/time/wakeups.hpp): schedule_after's timers. A timer
// that fires while a stop unlists it is freed by the later of the two
// (WakeupTimer::handoff).
#include "runtime/time/wakeups.hpp"

#include <utility>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

void WakeupTimer::fire() noexcept { service->fire(this); }
void WakeupTimer::dropped() noexcept { service->drop(this); }

void WakeupService::schedule(ActorCell* a, std::chrono::nanoseconds delay, Payload payload) {
  auto* t = new WakeupTimer();
  t->service = this;
  t->actor = a;
  a->retain();
  t->delay = delay;
  t->payload = std::move(payload);
  SideState& hs = side_of(*a);
  {
    SideLock lock(*a);
    hs.wakeups.push_front(t);
    t->listed = true;
  }
  pending_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
  if (!timers_.schedule(t, delay < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero() : delay)) {
    drop(t);  // the timer service is stopping
  }
}

void WakeupService::fire(WakeupTimer* t) noexcept {
  ActorCell* a = t->actor;
  bool deliver;
  {
    SideState& hs = side_of(*a);
    SideLock lock(*a);
    deliver = t->listed;
    if (deliver) {
      hs.wakeups.remove(t);
      t->listed = false;
    }
  }
  if (!deliver) {
    if (!t->last_of_two()) return;  // cancel_all frees it
  } else {
    pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a statistic
    try {
      core_.delivery().tell(ActorAddress(a), Delivery::make_message(WakeupMessage{t->delay, std::move(t->payload)}, {}));
    } catch (...) {
      // Only allocation can fail here; the wake-up is then lost with the process's memory.
    }
  }
  a->release();
  delete t;
}

void WakeupService::drop(WakeupTimer* t) noexcept {
  ActorCell* a = t->actor;
  {
    SideState& hs = side_of(*a);
    SideLock lock(*a);
    if (!t->listed) {
      if (!t->last_of_two()) return;  // cancel_all frees it
    } else {
      hs.wakeups.remove(t);
      t->listed = false;
      pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a statistic
    }
  }
  a->release();
  delete t;
}

void WakeupService::cancel_all(ActorCell* a) {
  // acquire: pairs with the release in side_of. An actor without side state
  // has no wake-up; one scheduled after this load is like one scheduled after
  // the cancel: it fires at a stopped actor and becomes a dead letter.
  SideState* hs = a->side_.load(std::memory_order_acquire);
  if (hs == nullptr) return;
  WakeupTimer* list;
  {
    SideLock lock(*a);
    list = hs->wakeups.take_all();
    for (WakeupTimer* t = list; t != nullptr; t = WakeupList::next(t)) t->listed = false;
  }
  while (list != nullptr) {
    WakeupTimer* t = list;
    list = WakeupList::next(t);  // read first: t may be freed below
    pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a statistic
    // true: it will never fire, it is ours. false: it is firing now, and the
    // later of us and fire frees it.
    if (timers_.cancel(t) || t->last_of_two()) {
      a->release();
      delete t;
    }
  }
}

}  // namespace ensemble::runtime
