// Internal: the run loop, one of the composition root's collaborators
// (runtime/core/syndicate_core.hpp). One activation of an actor by the
// thread that holds its mailbox token: up to messages_per_activation
// messages, the control envelopes between them (stop nudges, task wakes),
// coroutine handlers and the mail held back behind them, and, once the
// actor has stopped, the bouncing of late mail.
//
// Every executor runs actors through runner(): it is the one way into an
// actor's code.
#pragma once

#include <cstddef>
#include <string>

#include <ensemble/actor.hpp>
#include <ensemble/message.hpp>
#include <ensemble/payload.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/envelope.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/sched/executor.hpp"

namespace ensemble::runtime {

class SyndicateCore;

class RunLoop {
 public:
  RunLoop(SyndicateCore& core, std::size_t messages_per_activation) noexcept
      : core_(core), messages_per_activation_(messages_per_activation) {}
  RunLoop(const RunLoop&) = delete;
  RunLoop& operator=(const RunLoop&) = delete;

  // The runner every executor is given: one activation of an actor.
  ActorRunner runner() noexcept { return ActorRunner{&RunLoop::run_entry, this}; }
  // One activation. The caller holds the token; `yield` hands it back to be
  // scheduled again, `idle` and `suspended` mean someone else will.
  RunOutcome run(ActorCell* a);
  // Runs `a` on this thread until it stops yielding: for a token whose
  // executor has stopped (shutdown), and for stops done on the caller.
  void run_here(ActorCell* a) noexcept;
  // A stopped actor's activation: bounces late mail, then gives up the token
  // and the reference that came with it.
  RunOutcome run_stopped(ActorCell* a);

  // For the stop (actor/lifecycle.cpp), on the token holder: replies with
  // the finished coroutine handler's result, or records its failure
  // (actor_stopping: the stop aborted it); bounces the mail held back behind
  // a handler.
  void complete_handler_task(ActorCell* a, SideState& hs, bool actor_stopping = false);
  void bounce_deferred(ActorCell* a, SideState& hs);

 private:
  static RunOutcome run_entry(void* self, ActorCell* a);
  // The loop once tasks are involved: wakes, a handler in flight, held-back mail.
  RunOutcome run_with_tasks(ActorCell* a, SideState& hs, std::size_t n);
  bool handle(ActorCell* a, Envelope* env);          // true: a coroutine handler started
  bool handle_control(ActorCell* a, Envelope* env);  // true: tasks ran (a wake)
  [[gnu::cold, gnu::noinline]] void stop_finished_tree(ActorCell* a);
  void start_handler_task(ActorCell* a, Envelope* env, detail::DispatchResult& r);
  void reply(ActorCell* a, const Message& request, Payload content);
  void handler_failed(ActorCell* a, Envelope* env, const std::string& what);
  void bounce(ActorCell* a, Envelope* env);

  SyndicateCore& core_;
  const std::size_t messages_per_activation_;
};

}  // namespace ensemble::runtime
