// Internal: schedule_after's wake-ups, one collaborator of the syndicate's
// core. Each wake-up is a TimerService timer, listed under its actor's side
// lock (SideState::wakeups) so that a stop can cancel every one; when it
// fires it is told to the actor as a WakeupMessage through the core's
// delivery (runtime/time/wakeups.cpp, which sits on top of the actor's side
// state).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

#include <ensemble/payload.hpp>

#include "runtime/base/intrusive_list.hpp"
#include "runtime/time/timer_service.hpp"

namespace ensemble::runtime {

class ActorCell;
class SyndicateCore;
class WakeupService;

struct WakeupTimer final : TimerService::Timer {
  WakeupService* service = nullptr;
  ActorCell* actor = nullptr;  // one reference held
  std::chrono::nanoseconds delay{};
  Payload payload;
  // [side lock of actor]
  ListHook<WakeupTimer> hook;  // on the actor's SideState::wakeups
  bool listed = false;
  // When a stop unlists the timer while it is already firing, both the stop
  // (cancel_all) and the firing (fire/drop) still touch it;
  // the second of the two to finish frees it.
  std::atomic<int> handoff{0};

  // acq_rel: the last one sees the other's accesses before freeing.
  bool last_of_two() noexcept { return handoff.fetch_add(1, std::memory_order_acq_rel) == 1; }

  void fire() noexcept override;     // service->fire(this), in wakeups.cpp
  void dropped() noexcept override;  // service->drop(this)
};

// An actor's pending wake-ups (SideState::wakeups), newest first.
using WakeupList = IntrusiveList<WakeupTimer, &WakeupTimer::hook, false>;

class WakeupService {
 public:
  WakeupService(SyndicateCore& core, TimerService& timers) noexcept : core_(core), timers_(timers) {}

  // Tells `payload` (wrapped in a WakeupMessage) to `a` after `delay`.
  void schedule(ActorCell* a, std::chrono::nanoseconds delay, Payload payload);
  // The stop: cancels every wake-up of `a` still pending. Token holder only.
  void cancel_all(ActorCell* a);
  std::size_t pending() const noexcept {
    return pending_.load(std::memory_order_relaxed);  // relaxed: a statistic
  }

  // The timer's two ends (TimerService::Timer::fire / dropped).
  void fire(WakeupTimer* t) noexcept;
  void drop(WakeupTimer* t) noexcept;

 private:
  SyndicateCore& core_;
  TimerService& timers_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace ensemble::runtime
