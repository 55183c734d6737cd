// runtime/time/timer_service.cpp: the timer thread's loop and the locking around the
// wheel.
//
// The loop, under the lock: mark itself awake, advance the wheel to the current
// tick collecting expired timers into a batch; if the batch is non-empty, drop
// the lock, fire it, retake the lock and go round again (firing takes time, so
// the clock is read afresh). Otherwise record the wheel's next deadline as the
// tick it sleeps towards and wait for it.
//
// The wake-up rule. While the thread sleeps towards tick T, schedule() with a
// deadline >= T needs nothing: the thread wakes at T anyway and re-reads the
// wheel. A deadline < T must wake it; the scheduler then sets the sleep target
// to "awake" before notifying, so a burst of ever-earlier deadlines costs one
// notify, not one each. The thread's wait predicate is "my target was changed
// by someone else (or we are stopping)", so spurious wake-ups go back to sleep
// and a notify is never lost: the target is changed under the lock, and the
// thread only ever sleeps after reading the wheel under that same lock.
// notify_one() is called after unlocking so the woken thread does not at once
// block on the lock the notifier still holds.
//
// Batches are chained through TimerNode::hook_.next. A collected timer is unlinked
// (linked_ == false), so only the timer thread touches its links until it
// calls fire(); the next pointer is read before fire() because fire() may
// delete the timer or schedule it again.
#include "runtime/time/timer_service.hpp"

#include <cassert>
#include <optional>

namespace ensemble::runtime {

namespace {

// Appends unlinked nodes to a singly linked batch through hook_.next.
struct Batch {
  TimerNode* first_ = nullptr;
  TimerNode* last_ = nullptr;

  void append(TimerNode* n) noexcept {
    n->hook_.next = nullptr;
    if (last_ != nullptr)
      last_->hook_.next = n;
    else
      first_ = n;
    last_ = n;
  }

  // Calls f on each timer; the next pointer is taken first because f may
  // free or re-link the timer.
  template <class F>
  void for_each(F f) noexcept {
    TimerNode* n = first_;
    first_ = last_ = nullptr;
    while (n != nullptr) {
      auto* t = static_cast<TimerService::Timer*>(n);
      n = n->hook_.next;
      t->hook_.next = nullptr;
      f(t);
    }
  }
};

}  // namespace

TimerService::TimerService()
    : epoch_(Clock::now()), thread_([this] { run(); }), timer_thread_id_(thread_.get_id()) {}

TimerService::~TimerService() { stop(); }

std::uint64_t TimerService::tick_floor(Clock::time_point t) const noexcept {
  const auto since = std::chrono::floor<std::chrono::milliseconds>(t - epoch_).count();
  return since > 0 ? static_cast<std::uint64_t>(since) : 0;
}

std::uint64_t TimerService::deadline_tick(Clock::time_point now, Clock::duration delay) const noexcept {
  if (delay > max_delay) delay = max_delay;
  const auto due = std::chrono::ceil<std::chrono::milliseconds>(now - epoch_ + delay).count();
  return due > 0 ? static_cast<std::uint64_t>(due) : 0;
}

bool TimerService::schedule(Timer* t, Clock::duration delay) {
  // Read the clock before locking: the deadline only gets later for it (the
  // rounding is up), and the critical section stays a few pointer writes.
  const Clock::time_point now = Clock::now();
  bool kick = false;
  {
    std::lock_guard lock(lock_);
    if (stopping_) return false;
    // A non-positive delay goes to the wheel's overdue list: it fires at the
    // very next advance, whatever the thread's idea of the time.
    const std::uint64_t deadline =
        delay <= Clock::duration::zero() ? wheel_.now() : deadline_tick(now, delay);
    wheel_.insert(t, deadline);
    if (deadline < sleeping_until_) {
      sleeping_until_ = awake;
      kick = true;
    }
  }
  if (kick) wake_.notify_one();
  return true;
}

bool TimerService::cancel(Timer* t) noexcept {
  std::lock_guard lock(lock_);
  if (!t->linked_) return false;
  wheel_.cancel(t);
  return true;
}

std::size_t TimerService::pending() const {
  std::lock_guard lock(lock_);
  return wheel_.size();
}

std::uint64_t TimerService::wakeups() const {
  std::lock_guard lock(lock_);
  return wakeups_;
}

void TimerService::run() {
  std::unique_lock lock(lock_);
  while (!stopping_) {
    sleeping_until_ = awake;
    Batch batch;
    wheel_.advance(tick_floor(Clock::now()), [&batch](TimerNode* n) { batch.append(n); });
    if (batch.first_ != nullptr) {
      lock.unlock();
      batch.for_each([](Timer* t) { t->fire(); });
      lock.lock();
      continue;
    }

    const std::optional<std::uint64_t> next = wheel_.next_deadline();
    const std::uint64_t target = next ? *next : forever;
    sleeping_until_ = target;
    const auto disturbed = [this, target] { return stopping_ || sleeping_until_ != target; };
    if (next)
      wake_.wait_until(lock, epoch_ + std::chrono::milliseconds(static_cast<std::int64_t>(target)), disturbed);
    else
      wake_.wait(lock, disturbed);
    ++wakeups_;
  }
  sleeping_until_ = awake;
}

void TimerService::stop() {
  assert(std::this_thread::get_id() != timer_thread_id_ && "TimerService::stop() called from fire()/dropped()");
  std::call_once(stop_once_, [this] {
    {
      std::lock_guard lock(lock_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();

    // The thread is gone, so nothing can fire any more; schedule() already
    // refuses. Unlink everything under the lock (a concurrent cancel() then
    // sees "not pending" and leaves the timer to dropped()), hand out outside.
    Batch batch;
    {
      std::lock_guard lock(lock_);
      wheel_.clear([&batch](TimerNode* n) { batch.append(n); });
    }
    batch.for_each([](Timer* t) { t->dropped(); });
  });
}

}  // namespace ensemble::runtime
