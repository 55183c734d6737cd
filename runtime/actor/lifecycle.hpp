// Internal: starting and stopping actors, one of the composition root's
// collaborators (runtime/core/syndicate_core.hpp). lifecycle.cpp opens with
// the stop protocol; every step of a stop runs on the thread that holds the
// actor's token, so a stop never overlaps a handler.
#pragma once

#include <cstdint>
#include <string>

#include <ensemble/actor.hpp>
#include <ensemble/address.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/actor/stop_board.hpp"
#include "runtime/sched/executor.hpp"

namespace ensemble::runtime {

class SyndicateCore;

class Lifecycle {
 public:
  explicit Lifecycle(SyndicateCore& core) noexcept : core_(core) {}
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // Makes the actor's cell, registers it under `parent` (null: top level)
  // and runs pre_start with the token held, so mail that arrives meanwhile
  // waits. `executor`: an index from SyndicateCore::add_executor; 0, the
  // pool, by default; `placement` goes to that executor's adopt(). Throws
  // (and destroys the object) when the start is refused: the syndicate is
  // shut down, the parent is stopping, the executor refused, pre_start threw.
  ActorAddress start_actor(detail::ActorStorage storage, ActorCell* parent, std::uint8_t executor = 0,
                           const void* placement = nullptr);
  // S1 of the stop protocol, from any thread: false if a stop was claimed
  // already (the first claim sets the reason).
  bool request_stop(ActorCell* a, std::string reason, StopMode mode);
  // The token holder's steps (S2, S3), from the run loop.
  RunOutcome begin_stop(ActorCell* a);
  RunOutcome finish_stop(ActorCell* a);
  // The shutdown's stop: stops `addr` (right here if it is idle) and waits
  // until it has STOPPED.
  void stop_and_wait(const ActorAddress& addr);

  // The race-closing step of a stop request and of diagnostics(): claims the
  // token of an idle actor, or pushes a no-op control envelope so that a
  // holder about to go idle loops back to its flag check instead. `busy`:
  // someone else holds the token and will see a flag set before the call.
  enum class Claim { idle, pushed, busy };
  static Claim claim_or_nudge(ActorCell* a);

 private:
  // Makes sure the token holder sees a stop request; runs or schedules the
  // actor if the caller ends up holding the token.
  void nudge(ActorCell* a, bool run_here);

  SyndicateCore& core_;
  StopBoard stop_board_;  // the shutdown waits here for actors stopped elsewhere
};

}  // namespace ensemble::runtime
