#include "runtime/ask/reply_slot.hpp"

#include <ensemble/ask.hpp>
#include <ensemble/errors.hpp>

#include "runtime/base/futex.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

ReplySlot::ReplySlot(SyndicateCore* core, std::uint64_t id, TaskWaker waiter) noexcept
    : Cell(detail::CellKind::reply, core, id), waiter_(std::move(waiter)) {
  timer_.slot = this;
  wake_envelope_.slot = this;
}

bool ReplySlot::finish(State outcome) noexcept {
  std::uint32_t expected = waiting;
  // acq_rel: the winner's later writes (result_) are published by wake();
  // acquire lets a loser's caller see that the slot is taken.
  return state_.compare_exchange_strong(expected, outcome, std::memory_order_acq_rel,
                                        std::memory_order_acquire);
}

void ReplySlot::wake() noexcept {
  if (waiter_) {
    retain();  // the queued wake envelope's reference, dropped when it is applied or bounced
    if (!runtime::post_envelope(static_cast<ActorCell*>(waiter_.host.cell()), &wake_envelope_)) release();
    return;
  }
  // release: pairs with the acquire load in wait(); the waiter sees result_.
  done_.store(1, std::memory_order_release);
  futex_wake(&done_, 1);
}

bool ReplySlot::deliver(Payload& content) {
  if (!finish(replied)) return false;
  result_ = std::move(content);
  disarm_timer(core_->timers());
  wake();
  return true;
}

void ReplySlot::fail(std::string reason) {
  if (!finish(undeliverable)) return;
  failure_ = std::move(reason);
  disarm_timer(core_->timers());
  // The asker learns of it synchronously, from send(); a coroutine waiter is
  // not suspended yet, so only the done word is set (for get()).
  done_.store(1, std::memory_order_release);  // pairs with wait()
}

void ReplySlot::reject(const char* reason) noexcept {
  if (!finish(rejected)) return;
  try {
    failure_ = reason;
  } catch (...) {
    // Out of memory for a short string: the ask still fails, without the text.
  }
  disarm_timer(core_->timers());
  wake();
}

void ReplySlot::cancel() noexcept {
  if (!finish(cancelled)) return;
  disarm_timer(core_->timers());
  wake();
}

bool ReplySlot::arm_timer(TimerService& timers, std::chrono::nanoseconds timeout) {
  retain();  // the timer's reference
  if (timers.schedule(&timer_, timeout)) return true;
  release();  // the syndicate is shutting down: the caller decides what the ask becomes
  return false;
}

void ReplySlot::disarm_timer(TimerService& timers) noexcept {
  if (timers.cancel(&timer_)) release();
}

void ReplySlot::Timer::fire() noexcept {
  if (slot->finish(timed_out)) slot->wake();
  slot->release();
}

void ReplySlot::Timer::dropped() noexcept {
  if (slot->finish(cancelled)) slot->wake();
  slot->release();
}

void ReplySlot::wait() noexcept {
  // acquire: pairs with the release store in wake().
  while (done_.load(std::memory_order_acquire) == 0) futex_wait(&done_, 0);
}

Payload ReplySlot::take(const ActorAddress& target, std::chrono::nanoseconds timeout) {
  // acquire: pairs with finish(); for a task waiter the wake envelope's
  // mailbox hand-off already ordered it, for a blocking one wait() did.
  switch (state_.load(std::memory_order_acquire)) {
    case replied:
      return std::move(result_);
    case timed_out:
      throw ActorTimeout("ask", timeout);
    case undeliverable:
    case rejected:
      throw MessageDeliveryError(target.to_string(), failure_);
    case cancelled:
      throw ActorStopped("ask cancelled: the asking actor or the syndicate is stopping");
    default:
      throw SyndicateError("ask result taken before the ask finished");
  }
}

}  // namespace ensemble::runtime
