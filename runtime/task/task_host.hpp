// Internal: how strands live on actors. Every actor can host a TaskStrand
// (created the first time a task runs on it); a task tree started from plain
// code gets a small internal host actor of its own (TaskTreeHost). What
// reaches a strand from another thread travels as a wake envelope
// (control_strand_wake) through the host's mailbox, so the strand itself is
// only ever touched by the host's token holder.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>

#include <ensemble/actor.hpp>
#include <ensemble/detail/task_node.hpp>
#include <ensemble/payload.hpp>

#include "runtime/task/task_strand.hpp"
#include "runtime/time/timer_service.hpp"

namespace ensemble::runtime {

class ActorCell;
class SyndicateCore;
struct Envelope;
struct SideState;

// Envelope::control values.
inline constexpr std::uint32_t control_stop_nudge = 1;
inline constexpr std::uint32_t control_strand_wake = 2;
inline constexpr std::uint32_t control_slot_wake = 3;  // an ask's reply slot wakes its task (reply_slot.hpp)

enum class WakeKind : std::uint8_t {
  resume_waiting,  // a wait ended (timer, reply, settled fork): resume if still waiting on it
  resume,          // task::resume from another thread: queue it whatever it waits for
  activate,        // start a tree's root or a parallel fork on this strand
  abort,           // task::abort from another thread
};

// The payload of a wake envelope.
struct StrandWake {
  detail::NodeRef node;
  std::uint64_t seq = 0;  // resume_waiting: the node's wait_seq_ when it suspended
  WakeKind kind = WakeKind::resume;
  std::exception_ptr error;  // abort
};

// The actor handler running as a task: its reply is taken before its frame goes.
struct HandlerNode final : detail::TaskNode {
  Payload (*finish)(std::coroutine_handle<>) = nullptr;
  Payload reply;
  std::exception_ptr finish_error;
  void harvest() noexcept override {
    try {
      reply = finish(root_);
    } catch (...) {
      finish_error = std::current_exception();
    }
  }
};

// The strand of the actor whose token this thread holds (created on first
// use). Throws ActorStopped once the actor's strand was torn down.
detail::TaskStrand& strand_of(ActorCell& a);
// The strand of the actor running on this thread, or null (a plain thread).
detail::TaskStrand* current_strand();

// A wait a task registered somewhere else (a timer, an ask, a fork on another
// strand): firing it posts a resume_waiting wake to the task's strand.
struct TaskWaker {
  ActorAddress host;
  detail::NodeRef node;
  std::uint64_t seq = 0;
  explicit operator bool() const noexcept { return static_cast<bool>(host); }
  void fire() noexcept;  // once: the node reference moves into the wake
};
// The waker for the task that `p` runs for, at its current suspension.
TaskWaker waker_for(detail::TaskNode& n);

// Wake envelopes, from any thread. Free functions, not the core's: a wake
// may come from a Deferred resolved after its syndicate is gone; the host's
// STOPPED flag (its cell outlives the core) drops it then without touching
// the core.
//   post_wake: a wake for the strand hosted by `host`, applied by its token
//     holder (the same protocol as a tell).
//   post_envelope: a ready-made control envelope, by the same protocol;
//     false (nothing pushed) when the host has stopped.
//   drop_wake: a wake that found its strand gone; an unstarted tree root or
//     parallel fork fails, so whoever waits for it hears of it.
void post_wake(ActorCell* host, StrandWake w) noexcept;
bool post_envelope(ActorCell* host, Envelope* e) noexcept;
void drop_wake(StrandWake& w) noexcept;

// The token holder's side (the run loop and the stop). apply_wake applies a
// wake envelope; true when `a` hosts a task tree that has now finished, so
// the caller stops it. teardown_strand aborts every task of a stopping actor
// and deletes its strand; none starts again (flag_stopping, set before).
bool apply_wake(ActorCell* a, Envelope* env);
void teardown_strand(SideState& hs) noexcept;

// A host actor for a task tree started from plain code (task::run,
// task::spawn(syndicate, ...)).
ActorAddress create_task_host(SyndicateCore& core);

}  // namespace ensemble::runtime
