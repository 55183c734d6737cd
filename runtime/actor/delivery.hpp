// Internal: delivery and routing, one of the composition root's
// collaborators (runtime/core/syndicate_core.hpp). tell() checks in spark's
// order (shut down -> expired -> target missing or stopped), routes by the
// target cell's kind (a local actor's mailbox, an inbox, an ask's reply
// slot, a remote cell: actor/routing.hpp) and records every failure as a
// dead letter with its reason. For a local actor, the message goes through
// the ONE enqueue-and-schedule step: push on the mailbox; only if that found
// the mailbox idle does the caller hold the actor's token and hand it to the
// actor's executor.
//
// Threads: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include <ensemble/address.hpp>
#include <ensemble/message.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/payload.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/dead_letters.hpp"
#include "runtime/actor/envelope.hpp"
#include "runtime/actor/run_loop.hpp"
#include "runtime/sched/executor_table.hpp"

namespace ensemble::runtime {

class SyndicateCore;
class RemoteRouter;

class Delivery {
 public:
  Delivery(SyndicateCore& core, ExecutorTable& executors, RunLoop& run_loop,
           std::size_t dead_letters_kept)
      : core_(core), executors_(executors), run_loop_(run_loop), dead_letters_(dead_letters_kept) {}
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  DeliveryResult tell(const ActorAddress& target, Message message);
  // The hot path of Actor::tell: builds the message inside its envelope.
  DeliveryResult tell(const ActorAddress& target, Payload&& content, detail::Cell* sender);
  void dead_letter(Message message, const ActorAddress& target, std::string reason);
  // A message with a fresh id (unique in the process).
  static Message make_message(Payload content, ActorAddress sender);
  DeadLetters& dead_letters() noexcept { return dead_letters_; }
  const DeadLetters& dead_letters() const noexcept { return dead_letters_; }

  // The one enqueue-and-schedule step: pushes `e`, and if that found the
  // mailbox idle (the caller now holds the token) schedules the actor. The
  // tell path: one load and test of the flags covers both unusual cases (a
  // stopped actor, an actor of another executor), so the seam costs it
  // nothing beyond what the stopped check already did.
  void enqueue(ActorCell* a, Envelope* e) noexcept {
    if (!a->mailbox().push(e)) return;
    if (a->has_flag(detail::flag_stopped | detail::flag_other_executor)) [[unlikely]] {
      schedule_claimed(a);
    } else if (!executors_.pool().schedule(a)) {
      run_loop_.run_here(a);
    }
  }
  // Hands an actor whose token the caller holds to its executor (the seam:
  // sched/executor.hpp, sched/executor_table.hpp) or, once that executor has
  // stopped, runs it right here.
  void schedule(ActorCell* a) noexcept {
    if (!executors_.schedule(a, a->executor_index())) run_loop_.run_here(a);
  }
  // Hands on a token the caller took by a push or a claim. A stopped actor is
  // no longer kept alive by the registry, so its run-queue entry takes a
  // reference of its own (dropped by run_stopped); the caller's address
  // keeps the cell alive until then.
  void schedule_claimed(ActorCell* a) noexcept {
    if (a->has_flag(detail::flag_stopped)) a->retain();
    schedule(a);
  }

  // The routing step's open place (actor/routing.hpp): where tells to remote
  // cells go. Null (the default) fails them with no_remote_transport. The
  // router must outlive every tell that may reach it.
  void set_remote_router(RemoteRouter* router) noexcept {
    remote_router_.store(router, std::memory_order_release);  // pairs with the acquire in tell()
  }

  // The syndicate's "shut down" flag lives here, beside the tell path that
  // tests it first (SyndicateCore::shutdown() raises it; is_shut_down()
  // reads it): a field of this object costs the tell no extra load.
  void mark_shut_down() noexcept {
    shut_down_.store(true, std::memory_order_release);  // pairs with shut_down()
  }
  bool shut_down() const noexcept {
    // acquire: pairs with the release store in mark_shut_down(); a tell that
    // sees the flag is rejected, one that does not is delivered before the
    // actors stop.
    return shut_down_.load(std::memory_order_acquire);
  }

 private:
  DeliveryResult tell_slow(const ActorAddress& target, Payload&& content, detail::Cell* sender);

  SyndicateCore& core_;
  std::atomic<bool> shut_down_{false};
  ExecutorTable& executors_;
  RunLoop& run_loop_;
  DeadLetters dead_letters_;
  std::atomic<RemoteRouter*> remote_router_{nullptr};
};

}  // namespace ensemble::runtime
