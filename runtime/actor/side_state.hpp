// Internal: the part of an actor that only some actors need, allocated on
// first use so that an idle actor stays small: its task strand and the
// coroutine handler in progress, its pending wake-ups, the children a
// stopping actor waits for, and a stop's reason when it is not "actor
// stopped" (the rest of a stop's state is in the actor's flags).
//
// Concurrency: fields marked [token] are touched only by the thread holding
// the actor's mailbox token (mailbox.hpp); fields marked [side lock] only
// under the actor's side lock (lock_side/unlock_side, a spin bit in the
// actor's flags, held for a few instructions).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <string>

#include <ensemble/actor.hpp>
#include <ensemble/message.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/envelope.hpp"
#include "runtime/sched/executor.hpp"
#include "runtime/task/task_strand.hpp"
#include "runtime/time/wakeups.hpp"

#include "runtime/base/atomics.hpp"

namespace ensemble::runtime {


enum class StopMode : std::uint8_t {
  notify_parent,  // tell the parent ChildActorExited (spark's stop, handler failure, exit request)
  parent_stops,   // the parent is stopping and waits for this child; no message
  silent,         // syndicate shutdown or failed pre_start: nobody is told
};

struct HandlerNode;

struct SideState {
  // [token] the strand of tasks running on this actor (created on first use;
  // none starts once the actor is stopping: flag_stopping).
  detail::TaskStrand* strand = nullptr;
  // [token] the coroutine handler in progress (a task on the strand) and the
  // message it handles. While it runs, later user messages wait in the
  // deferred list (oldest first), so the actor still handles one message at
  // a time, in order, while wake envelopes for its tasks keep flowing.
  HandlerNode* handler = nullptr;
  Envelope* handler_envelope = nullptr;
  MailboxNode* deferred_head = nullptr;
  MailboxNode* deferred_tail = nullptr;

  // [side lock]
  WakeupList wakeups;  // pending wake-ups [side lock]
  // The reason of the claimed stop when it is not "actor stopped"
  // (flag_stop_reason_kept; the rest of a stop's state is in the flags).
  std::string stop_reason;

  // [registry lock] children whose stop this (stopping) actor still waits for;
  // 0 when not waiting.
  std::size_t children_pending = 0;
  // Set once by the actor's executor in adopt() (sched/executor.hpp), before
  // the actor is first scheduled; read by whoever schedules it (the token's
  // hand-off orders the two). The executor's record for this actor (a
  // dedicated thread's lane), deleted with the side state.
  ExecutorRecord* executor_record = nullptr;

  ~SideState() { delete executor_record; }
};
// 96 bytes: a block of up to 120 bytes stays in glibc's fast bins; 128
// cost create+stop ~200 instructions in malloc and free when every stop made
// a side state (docs/performance.md).
static_assert(sizeof(SideState) <= 120, "the side state left glibc's fast bins");

// Returns the actor's side state, creating it if needed (any thread).
SideState& side_of(ActorCell& a);

void lock_side(ActorCell& a) noexcept;
void unlock_side(ActorCell& a) noexcept;

class SideLock {
 public:
  explicit SideLock(ActorCell& a) noexcept : a_(a) { lock_side(a_); }
  ~SideLock() { unlock_side(a_); }
  SideLock(const SideLock&) = delete;
  SideLock& operator=(const SideLock&) = delete;

 private:
  ActorCell& a_;
};

// The actor whose handler runs on this thread right now, or null.
ActorCell* current_actor() noexcept;
// If `request` came from an ask (its sender is a reply slot), fails that ask
// now with `reason` instead of leaving it to its time-out.
void fail_waiting_ask(const Message& request, const char* reason) noexcept;

}  // namespace ensemble::runtime
