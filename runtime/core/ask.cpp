// AskOperation: send on first await, then wait for the reply slot.
#include <ensemble/ask.hpp>
#include <ensemble/errors.hpp>

#include "runtime/ask/reply_slot.hpp"
#include "runtime/ask/run_token.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

using runtime::ReplySlot;

AskOperation::AskOperation(runtime::SyndicateCore* core, ActorAddress target, Payload request,
                           std::chrono::nanoseconds timeout)
    : core_(core),
      target_(std::move(target)),
      request_(std::move(request)),
      timeout_(timeout) {}

AskOperation::AskOperation(AskOperation&& other) noexcept
    : core_(other.core_),
      target_(std::move(other.target_)),
      request_(std::move(other.request_)),
      timeout_(other.timeout_),
      slot_(std::exchange(other.slot_, nullptr)),
      promise_(other.promise_) {}

AskOperation::~AskOperation() {
  if (slot_ == nullptr) return;
  // Abandoned before it finished (a destroyed coroutine, say): close the slot
  // so that a late reply becomes a dead letter.
  slot_->cancel();
  slot_->release();
}

void AskOperation::send(detail::TaskNode* waiter) {
  if (timeout_ <= std::chrono::nanoseconds::zero()) {
    throw InvalidArgument("ask timeout must be positive (got " + format_seconds(timeout_) +
                          " seconds); pass no_timeout to wait without limit");
  }
  // A task waiter is resumed through its strand; get() (plain code, or a
  // pre_start running on the creating thread) waits on the slot's futex.
  slot_ = new ReplySlot(core_, core_->next_cell_id(),
                        waiter != nullptr ? runtime::waker_for(*waiter) : runtime::TaskWaker{});
  // The timer service refuses once the syndicate is shutting down; the tell
  // below then decides: refused (spark's "system is shut down") or, if it
  // slipped in first, accepted by a syndicate that can no longer time it out.
  const bool timed = timeout_ == no_timeout || slot_->arm_timer(core_->timers(), timeout_);
  // The tell's fast path, with the slot as the sender (a new reference).
  DeliveryResult r = core_->delivery().tell(target_, std::move(request_), slot_);
  if (!r.success) {
    slot_->fail(std::string(r.reason));
  } else if (!timed) {
    slot_->cancel();  // do not wait for ever: the asker gets ActorStopped
  }
}

Payload AskOperation::get() {
  if (core_->on_pool_thread()) {
    throw SyndicateError(
        "ask(...).get() would block a worker thread; return Task<> from process() and co_await "
        "the ask");
  }
  if (slot_ == nullptr) send(nullptr);
  slot_->wait();  // the done word, not the state: the winner writes the result in between
  return slot_->take(target_, timeout_);
}

bool AskOperation::suspend_task(detail::PromiseBase& p, std::coroutine_handle<> h) {
  detail::TaskNode& n = p.running_node("co_await ask(...)");
  if (slot_ != nullptr) throw SyndicateError("an ask is awaited once");
  promise_ = &p;
  // Suspend first: a reply may be posted before send() returns, and it must
  // find the task waiting at this point (its wait_seq_).
  detail::task_suspend_here(p, h);
  try {
    send(&n);
  } catch (...) {
    n.sched().stop_ = detail::StopKind::none;  // the error is thrown at the co_await instead
    throw;
  }
  // Undeliverable is known synchronously and wakes nobody: go on at once.
  if (slot_->failed_to_deliver()) {
    n.sched().stop_ = detail::StopKind::none;
    return false;
  }
  return true;
}

Payload AskOperation::await_resume() {
  if (promise_ != nullptr && promise_->node_ != nullptr && promise_->node_->inject_) {
    slot_->cancel();  // aborted while waiting: a late reply becomes a dead letter
    promise_->take_injected();
  }
  if (!slot_->finished()) {
    slot_->cancel();
    throw SyndicateError("task resumed before its ask finished");
  }
  return slot_->take(target_, timeout_);
}

Payload run(const ActorAddress& actor, Payload payload, std::chrono::nanoseconds timeout) {
  detail::Cell* target = actor.cell();
  if (target == nullptr) throw MessageDeliveryError(actor.to_string(), reasons::not_found);
  runtime::SyndicateCore* core = target->core();
  if (core->is_shut_down()) {
    throw SyndicateError("run: the actor's syndicate '" + core->name() +
                         "' is shut down (a stopped global Syndicate is not restarted by run; get the live one "
                         "with global_syndicate())");
  }
  if (core->on_pool_thread()) {
    throw SyndicateError("run(...) would block a worker thread; return Task<> from process() and co_await an ask");
  }
  if (timeout <= std::chrono::nanoseconds::zero()) {
    throw InvalidArgument("run timeout must be positive (got " + format_seconds(timeout) + " seconds)");
  }
  struct SlotRef {
    ReplySlot* slot;
    ~SlotRef() { slot->release(); }
  } ref{new ReplySlot(core, core->next_cell_id(), runtime::TaskWaker{})};
  const bool timed = timeout == no_timeout || ref.slot->arm_timer(core->timers(), timeout);
  DeliveryResult r;
  {
    // The request holds the token's only other reference: once the handled
    // request is freed, the token answers "nothing" (run_token.hpp).
    ActorAddress token(new runtime::RunToken(core, core->next_cell_id(), ref.slot), ActorAddress::Adopt{});
    r = core->delivery().tell(actor, std::move(payload), token.cell());
  }
  if (!r.success) {
    ref.slot->fail(std::string(r.reason));
  } else if (!timed) {
    ref.slot->cancel();
  }
  ref.slot->wait();
  return ref.slot->take(actor, timeout);
}

}  // namespace ensemble
