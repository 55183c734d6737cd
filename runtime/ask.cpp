// AskOperation: send on first await, then wait for the reply slot.
#include <ensemble/ask.hpp>
#include <ensemble/errors.hpp>

#include "runtime/reply_slot.hpp"
#include "runtime/syndicate_core.hpp"

namespace ensemble {

using runtime::ActorCell;
using runtime::ReplySlot;

AskOperation::AskOperation(runtime::SyndicateCore* core, ActorAddress target, Payload request,
                           std::chrono::nanoseconds timeout, ActorAddress on_behalf_of)
    : core_(core),
      target_(std::move(target)),
      request_(std::move(request)),
      timeout_(timeout),
      on_behalf_of_(std::move(on_behalf_of)) {}

AskOperation::AskOperation(AskOperation&& other) noexcept
    : core_(other.core_),
      target_(std::move(other.target_)),
      request_(std::move(other.request_)),
      timeout_(other.timeout_),
      on_behalf_of_(std::move(other.on_behalf_of_)),
      slot_(std::exchange(other.slot_, nullptr)) {}

AskOperation::~AskOperation() {
  if (slot_ == nullptr) return;
  // Abandoned before it finished (a destroyed coroutine, say): close the slot
  // so that a late reply becomes a dead letter.
  slot_->cancel();
  slot_->release();
}

void AskOperation::send(bool resume_actor) {
  if (timeout_ <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("ask timeout must be positive (got " + format_seconds(timeout_) +
                                " seconds); pass no_timeout to wait without limit");
  }
  // Only a co_await parks the asking actor; get() (from plain code, or from a
  // pre_start running on the creating thread) waits on the slot's futex.
  slot_ = new ReplySlot(core_, core_->next_cell_id(), resume_actor ? on_behalf_of_ : ActorAddress());
  Message m = core_->make_message(std::move(request_), ActorAddress(slot_));
  if (timeout_ != no_timeout) slot_->arm_timer(core_->timers(), timeout_);
  DeliveryResult r = core_->tell(target_, std::move(m));
  if (!r.success) slot_->fail(std::move(r.reason));
}

Payload AskOperation::get() {
  if (core_->scheduler().on_worker()) {
    throw SyndicateError(
        "ask(...).get() would block a worker thread; return Task<> from process() and co_await "
        "the ask");
  }
  if (slot_ == nullptr) send(false);
  slot_->wait();  // the done word, not the state: the winner writes the result in between
  return slot_->take(target_, timeout_);
}

bool AskOperation::await_ready() { return false; }

bool AskOperation::await_suspend(std::coroutine_handle<> h) {
  ActorCell* self = runtime::current_actor();
  if (self != nullptr && !on_behalf_of_) on_behalf_of_ = self->address();  // syndicate().ask in a handler
  if (self == nullptr || self->core() != core_ || self != on_behalf_of_.cell()) {
    throw SyndicateError(
        "co_await ask(...) works inside a Task handler of the asking actor; use get() from plain "
        "code");
  }
  runtime::HandlerState& hs = runtime::side_of(*self);
  hs.resume_at = h;
  send(true);
  // Undeliverable is known synchronously and wakes nobody: go on at once.
  // Any other finish (even one that already happened) woke us through the
  // hand-off word, so we must suspend and let drive_task resume us.
  if (slot_->failed_to_deliver()) return false;
  runtime::SideLock lock(*self);
  if (self->has_flag(detail::flag_stop_requested)) {
    slot_->cancel();  // the wake is absorbed by drive_task's hand-off word
  } else {
    hs.waiting_on = slot_;
  }
  return true;
}

Payload AskOperation::await_resume() {
  if (ActorCell* self = runtime::current_actor()) {
    runtime::HandlerState& hs = runtime::side_of(*self);
    runtime::SideLock lock(*self);
    if (hs.waiting_on == slot_) hs.waiting_on = nullptr;
  }
  return slot_->take(target_, timeout_);
}

}  // namespace ensemble
