// WakeupService (runtime/time/wakeups.hpp): schedule_after's timers. A timer
// that fires while a stop unlists it is freed by the later of the two
// (WakeupTimer::handoff).
#include "runtime/time/wakeups.hpp"

#include <utility>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

struct WakeupTimer final : TimerService::Timer {
  WakeupService* service = nullptr;
  ActorCell* actor = nullptr;  // one reference held
  std::chrono::nanoseconds delay{};
  Payload payload;
  // [side lock of actor]
  WakeupTimer* prev = nullptr;
  WakeupTimer* next = nullptr;
  bool listed = false;
  // When a stop unlists the timer while it is already firing, both the stop
  // (cancel_all) and the firing (fire/drop) still touch it;
  // the second of the two to finish frees it.
  std::atomic<int> handoff{0};

  // acq_rel: the last one sees the other's accesses before freeing.
  bool last_of_two() noexcept { return handoff.fetch_add(1, std::memory_order_acq_rel) == 1; }

  void fire() noexcept override { service->fire(this); }
  void dropped() noexcept override { service->drop(this); }
};

namespace {

// Unlinks t from its actor's list; caller holds the actor's side lock.
void unlink_wakeup(SideState& hs, WakeupTimer* t) noexcept {
  if (t->prev != nullptr) {
    t->prev->next = t->next;
  } else {
    hs.wakeups = t->next;
  }
  if (t->next != nullptr) t->next->prev = t->prev;
  t->prev = t->next = nullptr;
  t->listed = false;
}

}  // namespace

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
    t->next = hs.wakeups;
    if (hs.wakeups != nullptr) hs.wakeups->prev = t;
    hs.wakeups = t;
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
    if (deliver) unlink_wakeup(hs, t);
  }
  if (!deliver) {
    if (!t->last_of_two()) return;  // cancel_all frees it
  } else {
    pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a statistic
    try {
      core_.tell(ActorAddress(a), core_.make_message(WakeupMessage{t->delay, std::move(t->payload)}, {}));
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
      unlink_wakeup(hs, t);
      pending_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a statistic
    }
  }
  a->release();
  delete t;
}

void WakeupService::cancel_all(ActorCell* a) {
  SideState& hs = side_of(*a);
  WakeupTimer* list;
  {
    SideLock lock(*a);
    list = std::exchange(hs.wakeups, nullptr);
    for (WakeupTimer* t = list; t != nullptr; t = t->next) t->listed = false;
  }
  while (list != nullptr) {
    WakeupTimer* t = list;
    list = t->next;  // read first: t may be freed below
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
