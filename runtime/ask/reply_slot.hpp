// Internal: the one-shot inbox an ask waits on.
//
// Four things can finish an ask: the reply, the time-out timer, a delivery
// failure of the request, and a stop of the asking actor (cancel). The first
// wins a CAS on state_; the others lose and do nothing (a losing reply becomes
// a dead letter "target not found", as in spark, whose temporary inbox is gone
// by then).
//
// The winner stores the outcome, then wakes the waiter:
//   - a blocking waiter (AskOperation::get on a plain thread) sleeps on the
//     futex word done_; the winner stores 1 (release) and wakes it;
//   - a task waiter (co_await ask inside a task) gets a wake envelope posted
//     to its strand's host (TaskWaker::fire), which resumes it there.
//
// References: the AskOperation holds one; the request's sender address holds
// one (so the replier can reach the slot however late); the timer holds one
// while it is scheduled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <ensemble/address.hpp>
#include <ensemble/detail/frame_alloc.hpp>
#include <ensemble/detail/cell.hpp>
#include <ensemble/message.hpp>

#include "runtime/actor/envelope.hpp"
#include "runtime/task/task_host.hpp"
#include "runtime/time/timer_service.hpp"

namespace ensemble::runtime {

class ReplySlot final : public detail::Cell {
 public:
  // undeliverable: the request failed inside send() (the asker learns it
  // synchronously, nobody is woken); rejected: it failed later (bounced by a
  // stopped actor), and the waiter is woken like for a reply.
  enum State : std::uint32_t { waiting, replied, timed_out, cancelled, undeliverable, rejected };

  ReplySlot(SyndicateCore* core, std::uint64_t id, TaskWaker waiter) noexcept;

  // Slots come from the per-thread block cache: one per ask, freed by
  // whichever thread drops the last reference.
  static void* operator new(std::size_t size) { return detail::pooled_alloc(size); }
  static void operator delete(void* p, std::size_t size) noexcept { detail::pooled_free(p, size); }

  // The reply. False when the ask is already over (the caller dead-letters
  // it); the content is left untouched then.
  bool deliver(Payload& content);
  bool deliver(Message& m) { return deliver(m.content()); }
  // The request could not be delivered (synchronously, from send()).
  void fail(std::string reason);
  // The request was bounced after it was queued (any thread).
  void reject(const char* reason) noexcept;
  void cancel() noexcept;

  // Arms the time-out (takes a reference for the timer).
  // false: the timer service is shut down and nothing was armed.
  [[nodiscard]] bool arm_timer(TimerService& timers, std::chrono::nanoseconds timeout);
  // Disarms it if still pending (drops the timer's reference).
  void disarm_timer(TimerService& timers) noexcept;

  // Blocks until finished (plain threads only).
  void wait() noexcept;
  bool finished() const noexcept { return state_.load(std::memory_order_acquire) != waiting; }
  bool failed_to_deliver() const noexcept {
    return state_.load(std::memory_order_acquire) == State::undeliverable;
  }
  // The reply, or the matching exception.
  Payload take(const ActorAddress& target, std::chrono::nanoseconds timeout);

  // The envelope that wakes the asking task: part of the slot, so a reply
  // allocates no wake envelope. Pushed at most once (only the winner of
  // finish() wakes); it holds a reference to the slot while queued.
  struct WakeEnvelope final : Envelope {
    ReplySlot* slot = nullptr;
    WakeEnvelope() noexcept : Envelope(Message{}) { control = control_slot_wake; }
  };
  const TaskWaker& waiter() const noexcept { return waiter_; }

 private:
  struct Timer final : TimerService::Timer {
    ReplySlot* slot = nullptr;
    void fire() noexcept override;
    void dropped() noexcept override;
  };

  bool finish(State outcome) noexcept;
  void wake() noexcept;

  std::atomic<std::uint32_t> state_{waiting};
  std::atomic<std::uint32_t> done_{0};
  Payload result_;
  std::string failure_;
  TaskWaker waiter_;  // the asking task, or empty (a blocking get())
  Timer timer_;
  WakeEnvelope wake_envelope_;
};

}  // namespace ensemble::runtime
