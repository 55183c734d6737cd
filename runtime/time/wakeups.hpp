// Internal: schedule_after's wake-ups, one collaborator of the syndicate's
// core. Each wake-up is a TimerService timer, listed under its actor's side
// lock (SideState::wakeups) so that a stop can cancel every one; when it
// fires it is told to the actor as a WakeupMessage through the core's
// delivery. Only forward declarations here: the wake-ups sit on top of the
// actor's side state (runtime/time/wakeups.cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

namespace ensemble {
class Payload;
}

namespace ensemble::runtime {

class ActorCell;
class SyndicateCore;
class TimerService;
struct WakeupTimer;

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
