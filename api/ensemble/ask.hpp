// ensemble/ask.hpp: AskOperation, the result of ask().
//
// An ask sends its request when it is first awaited (co_await, inside a
// coroutine handler) or waited for (get(), from plain code), and completes with
// the first reply; later replies become dead letters. It fails with
// MessageDeliveryError when the request cannot be delivered and with
// ActorTimeout when no reply arrives in time. Waiting with get() on a worker
// thread would block the worker, so it throws SyndicateError there: inside
// handlers, return Task<> from process() and co_await the ask.
#pragma once

#include <chrono>
#include <coroutine>

#include <ensemble/address.hpp>
#include <ensemble/payload.hpp>

namespace ensemble {

namespace runtime {
class SyndicateCore;
class ReplySlot;
}  // namespace runtime

// Passed as a timeout: wait without limit (spark's timeout=None).
inline constexpr std::chrono::nanoseconds no_timeout = std::chrono::nanoseconds::max();
inline constexpr std::chrono::nanoseconds default_ask_timeout = std::chrono::seconds(5);

class [[nodiscard]] AskOperation {
 public:
  AskOperation(runtime::SyndicateCore* core, ActorAddress target, Payload request,
               std::chrono::nanoseconds timeout, ActorAddress on_behalf_of);
  AskOperation(AskOperation&& other) noexcept;
  AskOperation& operator=(AskOperation&&) = delete;
  AskOperation(const AskOperation&) = delete;
  ~AskOperation();

  // Blocks the calling (non-worker) thread until the reply, the time-out or a
  // delivery failure.
  Payload get();
  operator Payload() && { return get(); }  // NOLINT: `Payload r = syn.ask(...)`

  bool await_ready();
  bool await_suspend(std::coroutine_handle<> h);
  Payload await_resume();

 private:
  void send(bool resume_actor);

  runtime::SyndicateCore* core_;
  ActorAddress target_;
  Payload request_;
  std::chrono::nanoseconds timeout_;
  ActorAddress on_behalf_of_;  // the asking actor, when asked from a handler
  runtime::ReplySlot* slot_ = nullptr;
};

}  // namespace ensemble
