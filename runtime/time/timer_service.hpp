// runtime/time/timer_service.hpp: TimerService, the one thread that turns wall time
// into timer callbacks for the whole runtime.
//
// What it is. A TimerWheel (runtime/time/timer_wheel.hpp) behind a lock, plus a
// thread that sleeps until the wheel's next deadline, collects what expired and
// calls Timer::fire() on each. schedule_after, ask time-outs and task sleeps
// all embed a Timer and go through the same service, so a million pending
// timers cost a million intrusive nodes and no threads, heap blocks or kernel
// timers.
//
// Why this design. The wheel already tells us, in constant time, the earliest
// tick anything could expire, so the thread never polls: it waits on a
// condition variable until that tick (wait_until on steady_clock), or without
// limit when nothing is pending. An idle service therefore costs nothing. The
// thread publishes the tick it is sleeping towards; schedule() wakes it only
// when the new deadline is earlier. The usual case (a time-out later than some
// other pending one) takes the lock, links a node and returns, with no system
// call. Ticks are milliseconds since the service was built; a deadline is
// rounded up to the next whole tick and the thread's clock reading is rounded
// down, so a timer never fires before its delay has fully elapsed.
//
// Protocol between schedule/cancel and the timer thread. All wheel state and
// the sleep target are guarded by one lock. A timer is "pending" exactly while
// it is linked in the wheel. The thread, under the lock, advances the wheel to
// the current tick, which unlinks every expired timer into a private batch
// (chained through the node's own hook_.next pointer, so no allocation). It then
// drops the lock and fires the batch in deadline order. cancel() takes the lock
// and succeeds only if the timer is still linked; a timer already moved to a
// batch counts as firing, so cancel() and fire() can never both win.
//
// Who owns a Timer when.
//  * Before schedule(), after a cancel() that returned true, and after
//    dropped() was called: the caller.
//  * While pending: still the caller's memory, but the caller must not free or
//    modify it; it may only cancel() it or schedule() it again (which moves it).
//  * From the moment it is collected for firing: fire(). A cancel() that
//    returns false means exactly this, and the caller must leave the timer to
//    fire(), which may delete it or schedule it again. Note that cancel()
//    itself dereferences the timer: an owner racing a self-deleting fire()
//    needs its own handshake to know the object is still alive.
//  * When the service stops: dropped() is called once for every timer still
//    pending, after which it belongs to the caller again; fire() is not called
//    for it.
// fire() and dropped() run without the service's lock held, so they may call
// schedule(), cancel() and pending() freely; they must not call stop() or
// destroy the service.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "runtime/base/short_lock.hpp"
#include "runtime/time/timer_wheel.hpp"

namespace ensemble::runtime {

class TimerService {
 public:
  struct Timer : TimerNode {
    virtual ~Timer() = default;
    // Called on the timer thread, outside the service's lock, once the deadline
    // passed. From the moment fire() is called, the timer belongs to fire() (it
    // may delete itself).
    virtual void fire() noexcept = 0;
    // Called once for each still-pending timer when the service stops, so its
    // owner can free it.
    virtual void dropped() noexcept {}
  };

  // Longest delay honoured; longer ones (including duration::max(), used as
  // "no time-out") are clamped to this (about 34 years).
  static constexpr std::chrono::milliseconds max_delay{std::int64_t{1} << 40};

  TimerService();   // starts the thread
  ~TimerService();  // stop()
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Schedules t to fire after `delay` (negative or zero: as soon as possible).
  // A timer may be re-scheduled after it fired or was cancelled; scheduling a
  // pending timer moves it to the new deadline. Returns false (and does
  // nothing) after stop().
  bool schedule(Timer* t, std::chrono::steady_clock::duration delay);

  // true: the timer was pending and will never fire; the caller owns it again.
  // false: it already fired, is firing now, or was never scheduled; the caller
  // must not free it (fire() owns it).
  bool cancel(Timer* t) noexcept;

  // Number of scheduled, not yet fired or cancelled timers.
  std::size_t pending() const;

  // Idempotent; joins the thread (any batch being fired completes first);
  // calls dropped() on every pending timer. Concurrent callers all return
  // after that is done. Must not be called from fire() or dropped().
  void stop();

  // Diagnostics: how many times the timer thread has returned from waiting
  // (deadline reached, woken by schedule() or stop()). Lets tests check that
  // an idle service does not wake up and that a later deadline does not
  // disturb the thread.
  std::uint64_t wakeups() const;

 private:
  using Clock = std::chrono::steady_clock;

  // Values of sleeping_until_ besides a real tick: the thread is running (it
  // re-reads the wheel before sleeping, so nobody needs to wake it), or it
  // sleeps with nothing pending.
  static constexpr std::uint64_t awake = 0;
  static constexpr std::uint64_t forever = UINT64_MAX;

  void run();
  std::uint64_t tick_floor(Clock::time_point t) const noexcept;
  std::uint64_t deadline_tick(Clock::time_point now, Clock::duration delay) const noexcept;

  // A ShortLock, not a mutex: schedule() and cancel() run on every ask and
  // hold it for a few pointer writes (runtime/base/short_lock.hpp has the figures).
  // The timer thread sleeps on a condition_variable_any over it.
  mutable ShortLock lock_;
  std::condition_variable_any wake_;
  const Clock::time_point epoch_;  // tick 0
  TimerWheel wheel_;               // guarded by lock_
  std::uint64_t sleeping_until_ = awake;  // guarded by lock_
  std::uint64_t wakeups_ = 0;             // guarded by lock_
  bool stopping_ = false;                 // guarded by lock_
  std::once_flag stop_once_;
  std::thread thread_;  // starts once everything above is built
  // Copy of thread_.get_id() that stays valid while another stop() joins.
  const std::thread::id timer_thread_id_;
};

}  // namespace ensemble::runtime
