// ensemble/ask.hpp: AskOperation, the result of ask().
//
// An ask sends its request when it is first awaited (co_await, inside a
// coroutine handler) or waited for (get(), from plain code), and completes with
// the first reply; later replies become dead letters. It fails with
// MessageDeliveryError when the request cannot be delivered and with
// ActorTimeout when no reply arrives in time. Waiting with get() on a worker
// thread would block the worker, so it throws SyndicateError there: inside
// handlers, return Task<> from process() and co_await the ask. co_await works
// in any ensemble::Task (a handler, a fork, a tree started with task::run):
// the task suspends, its strand goes on with other work, and an abort of the
// task (or a stop of its actor) cancels the ask.
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <coroutine>

#include <ensemble/address.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/task.hpp>

namespace ensemble {

namespace runtime {
class SyndicateCore;
class ReplySlot;
}  // namespace runtime

// Passed as a timeout: wait without limit (spark's timeout=None).
inline constexpr std::chrono::nanoseconds no_timeout = std::chrono::nanoseconds::max();
inline constexpr std::chrono::nanoseconds default_ask_timeout = std::chrono::seconds(5);

class [[nodiscard]] ENSEMBLE_API AskOperation {
 public:
  // Made by Syndicate::ask and Actor::ask only.
  AskOperation(AskOperation&& other) noexcept;
  AskOperation& operator=(AskOperation&&) = delete;
  AskOperation(const AskOperation&) = delete;
  ~AskOperation();

  // Blocks the calling (non-worker) thread until the reply, the time-out or a
  // delivery failure.
  Payload get();
  operator Payload() && { return get(); }  // NOLINT: `Payload r = syn.ask(...)`

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(detail::is_task_promise_v<P>, "co_await ask(...) works inside an ensemble::Task");
    return suspend_task(h.promise(), h);
  }
  Payload await_resume();

 private:
  friend class Syndicate;
  friend class Actor;
  AskOperation(runtime::SyndicateCore* core, ActorAddress target, Payload request,
               std::chrono::nanoseconds timeout);
  bool suspend_task(detail::PromiseBase& p, std::coroutine_handle<> h);
  void send(detail::TaskNode* waiter);

  runtime::SyndicateCore* core_;
  ActorAddress target_;
  Payload request_;
  std::chrono::nanoseconds timeout_;
  runtime::ReplySlot* slot_ = nullptr;
  detail::PromiseBase* promise_ = nullptr;  // the awaiting task's frame
};

// spark's actor.run(payload): asks `actor` (in its own syndicate) and blocks
// until its handler is done, with the handler's reply, or an empty Payload
// when the handler replies nothing (a void process(): the reply is forced).
// A handler that keeps the request's sender to answer later is waited for.
// Fails like an ask: MessageDeliveryError (not delivered, or bounced),
// ActorTimeout; SyndicateError when the actor's syndicate is shut down (a
// stopped global syndicate) or when called on a worker thread. The forced
// reply costs the run loop nothing: see runtime/ask/run_token.hpp.
ENSEMBLE_API Payload run(const ActorAddress& actor, Payload payload,
                         std::chrono::nanoseconds timeout = default_ask_timeout);

}  // namespace ensemble
