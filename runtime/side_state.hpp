// Internal: the part of an actor that only some actors need, allocated on
// first use so that an idle actor stays small: a suspended coroutine handler,
// its pending wake-ups, and the state of a stop in progress.
//
// Concurrency: fields marked [token] are touched only by the thread holding
// the actor's mailbox token (mailbox.hpp); fields marked [side lock] only
// under the actor's side lock (lock_side/unlock_side, a spin bit in the
// actor's flags, held for a few instructions); task_state_ is the hand-off
// word between a suspended handler and whoever completes what it waits for.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <string>

#include <ensemble/actor.hpp>
#include <ensemble/message.hpp>

#include "runtime/actor_cell.hpp"
#include "runtime/envelope.hpp"

#include "runtime/atomics.hpp"

namespace ensemble::runtime {

// Something a suspended handler waits for that a stop can cut short.
class Suspension {
 public:
  virtual void cancel() noexcept = 0;

 protected:
  ~Suspension() = default;
};

struct WakeupTimer;

enum class StopMode : std::uint8_t {
  notify_parent,  // tell the parent ChildActorExited (spark's stop, handler failure, exit request)
  parent_stops,   // the parent is stopping and waits for this child; no message
  silent,         // syndicate shutdown or failed pre_start: nobody is told
};

// task_state_ values: the hand-off protocol between drive_task (the token
// holder) and resume_actor (the completer).
//   running   -> suspended  the token holder found the task suspended (CAS)
//   running   -> ready      the completer came first; the holder resumes at once
//   suspended -> ready      the completer re-schedules the actor
inline constexpr std::uint32_t task_running = 0;
inline constexpr std::uint32_t task_suspended = 1;
inline constexpr std::uint32_t task_ready = 2;

struct HandlerState {
  // [token] the coroutine handler in progress, if any.
  std::coroutine_handle<> task;
  std::coroutine_handle<> resume_at;  // the innermost suspended coroutine
  Payload (*finish)(std::coroutine_handle<>) = nullptr;
  Envelope* envelope = nullptr;  // the message the task handles
  std::atomic<std::uint32_t> task_state{task_running};

  // [side lock]
  Suspension* waiting_on = nullptr;
  WakeupTimer* wakeups = nullptr;  // intrusive list of pending wake-ups
  bool stop_claimed = false;
  std::string stop_reason;
  StopMode stop_mode = StopMode::notify_parent;

  // [token]
  bool stopping = false;
  // [registry lock] children whose stop this (stopping) actor still waits for;
  // 0 when not waiting.
  std::size_t children_pending = 0;
};

// Returns the actor's side state, creating it if needed (any thread).
HandlerState& side_of(ActorCell& a);

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

}  // namespace ensemble::runtime
