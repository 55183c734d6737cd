// Internal: the engine behind a Syndicate.
//
// A tell's way through it (docs/architecture.md follows it in full):
//   tell()  checks, in spark's order, shut down -> expired -> target missing
//           or stopped; wraps the message in an envelope from the thread's
//           pool; pushes it on the target's mailbox (one exchange). Only if
//           the mailbox was idle does the sender now hold the actor's token
//           and schedule it on its executor (the pool: the LIFO slot on a worker).
//   run_actor()  a worker holding the token handles up to
//           messages_per_activation messages, then yields; an empty mailbox
//           releases the token (the mailbox's IDLE bit).
// Stopping is done by whoever holds the token (actor/lifecycle.cpp), so a
// stop never races with a handler.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/actor.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/syndicate.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/dead_letters.hpp"
#include "runtime/actor/envelope.hpp"
#include "runtime/memory/envelope_pool.hpp"
#include "runtime/actor/inbox.hpp"
#include "runtime/actor/inbox_directory.hpp"
#include "runtime/actor/queue_probe.hpp"
#include "runtime/actor/registry.hpp"
#include "runtime/sched/executor.hpp"
#include "runtime/sched/executor_table.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/actor/stop_board.hpp"
#include "runtime/core/shutdown_gate.hpp"
#include "runtime/task/task_host.hpp"
#include "runtime/time/timer_service.hpp"
#include "runtime/time/wakeups.hpp"

namespace ensemble::runtime {

class RemoteRouter;

class SyndicateCore {
 public:
  SyndicateCore(std::string name, SyndicateConfig config);
  ~SyndicateCore();

  const std::string& name() const noexcept { return name_; }
  const std::string& id_text() const noexcept { return id_text_; }

  // --- delivery (actor/delivery.cpp) ---
  DeliveryResult tell(const ActorAddress& target, Message message);
  // The hot path of Actor::tell: builds the message inside its envelope.
  DeliveryResult tell(const ActorAddress& target, Payload&& content, detail::Cell* sender);
  DeliveryResult tell_slow(const ActorAddress& target, Payload&& content, detail::Cell* sender);
  void dead_letter(Message message, const ActorAddress& target, std::string reason);
  Message make_message(Payload content, ActorAddress sender);
  // Tasks (task/task_host.cpp): a wake envelope for the strand hosted by `host`,
  // applied by its token holder; a host for a task tree started from plain code.
  // Static: a wake may come from a Deferred resolved after its syndicate is
  // gone; the host's STOPPED flag (its cell outlives the core) drops it then
  // without touching the core.
  static void post_wake(ActorCell* host, StrandWake w) noexcept;
  // Pushes a ready-made control envelope to `host` by the same protocol;
  // false (nothing pushed) when the host has stopped.
  static bool post_envelope(ActorCell* host, Envelope* e) noexcept;
  static void drop_wake(StrandWake& w) noexcept;
  ActorAddress create_task_host();
  // Hands an actor whose token the caller holds to its executor (the seam:
  // sched/executor.hpp, sched/executor_table.hpp) or, once that executor has
  // stopped, runs it right here.
  void schedule(ActorCell* a) noexcept {
    if (!executors_.schedule(a, a->executor_index())) run_here(a);
  }
  // Registers an executor and starts it; its index goes into the cells of
  // the actors that run on it (start_actor). Throws SyndicateError when the
  // table is full or the syndicate is shut down.
  std::uint8_t add_executor(std::unique_ptr<Executor> executor);
  // The runner every executor is given: one activation of an actor.
  ActorRunner runner() noexcept { return ActorRunner{&SyndicateCore::run_entry, this}; }
  // True on a thread of the shared pool, where blocking would take a worker
  // from every actor (ask(...).get(), receive, a waiting diagnostics()).
  bool on_pool_thread() const noexcept { return executors_.on_pool_thread(); }
  // True on a thread of any of this syndicate's executors.
  bool on_executor_thread() const noexcept { return executors_.on_any_thread(); }
  // Hands on a token the caller took by a push or a claim. A stopped actor is
  // no longer kept alive by the registry, so its run-queue entry takes a
  // reference of its own (dropped by run_stopped); the caller's address
  // keeps the cell alive until then.
  void schedule_claimed(ActorCell* a) noexcept {
    if (a->has_flag(detail::flag_stopped)) a->retain();
    schedule(a);
  }
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
      run_here(a);
    }
  }

  // --- actors (actor/lifecycle.cpp) ---
  // `executor`: an index from add_executor; 0, the pool, by default.
  ActorAddress start_actor(detail::ActorStorage storage, ActorCell* parent,
                           std::uint8_t executor = 0);
  bool request_stop(ActorCell* a, std::string reason, StopMode mode);
  WakeupService& wakeups() noexcept { return wakeups_; }
  // The routing step's open place (actor/routing.hpp): where tells to remote
  // cells go. Null (the default) fails them with no_remote_transport. The
  // router must outlive every tell that may reach it.
  void set_remote_router(RemoteRouter* router) noexcept {
    remote_router_.store(router, std::memory_order_release);  // pairs with the acquire in tell()
  }

  // --- running (actor/run_loop.cpp) ---
  static RunOutcome run_entry(void* self, ActorCell* a);
  RunOutcome run_actor(ActorCell* a);
  // The loop once tasks are involved: wakes, a handler in flight, held-back mail.
  RunOutcome run_with_tasks(ActorCell* a, SideState& hs, std::size_t n);

  // --- syndicate-level ---
  void shutdown();
  bool is_shut_down() const noexcept {
    // acquire: pairs with the release store in shutdown(); a tell that sees the
    // flag is rejected, one that does not is delivered before the actors stop.
    return shut_down_.load(std::memory_order_acquire);
  }
  Inbox& system_inbox() noexcept { return *system_inbox_; }
  const ActorAddress& system_inbox_address() const noexcept { return system_inbox_address_; }
  ActorAddress new_inbox();
  void close_inbox(const ActorAddress& address);
  std::optional<Message> receive(Inbox& inbox, std::chrono::nanoseconds timeout);
  SystemStatus status() const;
  // diagnostics.cpp
  RuntimeDiagnostics diagnostics(std::chrono::nanoseconds wait);
  // Token holder: if diagnostics() asked `a` for its queue count (and no one
  // else took the request yet), counts and answers. `hs` may be null.
  void answer_count_request(ActorCell* a, const SideState* hs) noexcept {
    if (a->take_flag(detail::flag_count_queue)) answer_depth(a, count_waiting(a, hs));
  }
  // The same for a stopped actor: 0, its mail bounces.
  void answer_count_request_stopped(ActorCell* a) noexcept {
    // The load first: the stop path pays a read, not a read-modify-write.
    if (a->has_flag(detail::flag_count_queue) && a->take_flag(detail::flag_count_queue)) {
      answer_depth(a, 0);
    }
  }
  // Token holder only: user messages queued, plus those held back behind a
  // coroutine handler. Control envelopes (wakes, nudges) are not messages.
  static std::size_t count_waiting(ActorCell* a, const SideState* hs) noexcept;
  void answer_depth(ActorCell* a, std::size_t depth) noexcept;
  // The backend's one name, in status() and diagnostics().
  static constexpr const char* backend_name = "inprocess";
  std::vector<std::shared_ptr<const DeadLetter>> dead_letters() const { return dead_letters_.snapshot(); }
  WorkStealingPool& pool() noexcept { return executors_.pool(); }
  TimerService& timers() noexcept { return timers_; }
  std::uint64_t next_cell_id() noexcept {
    // relaxed: ids need uniqueness only, not ordering.
    return next_cell_id_.fetch_add(1, std::memory_order_relaxed);
  }
  Syndicate* owner = nullptr;

 private:
  // actor/run_loop.cpp
  bool handle(ActorCell* a, Envelope* env);  // true: a coroutine handler started
  bool handle_control(ActorCell* a, Envelope* env);  // true: tasks ran (a wake)
  void start_handler_task(ActorCell* a, Envelope* env, detail::DispatchResult& r);
  // Replies with the finished coroutine handler's result, or records its
  // failure. actor_stopping: called by the stop that aborted it.
  void complete_handler_task(ActorCell* a, SideState& hs, bool actor_stopping = false);
  void apply_wake(ActorCell* a, Envelope* env);
  void resume_waiting(detail::TaskStrand& s, detail::TaskNode& n, std::uint64_t seq);
  void teardown_strand(ActorCell* a, SideState& hs) noexcept;
  void bounce_deferred(ActorCell* a, SideState& hs);
  void reply(ActorCell* a, const Message& request, Payload content);
  void handler_failed(ActorCell* a, Envelope* env, const std::string& what);
  RunOutcome run_stopped(ActorCell* a);
  void bounce(ActorCell* a, Envelope* env);
  // Makes sure the token holder sees a stop request; runs or schedules the actor
  // if the caller ends up holding the token.
  void nudge(ActorCell* a, bool run_here);
  // The race-closing step of nudge() and diagnostics(): claims the token of
  // an idle actor, or pushes a no-op control envelope so that a holder about
  // to go idle loops back to its flag check instead. `busy`: someone else
  // holds the token and will see a flag set before the call.
  enum class Claim { idle, pushed, busy };
  Claim claim_or_nudge(ActorCell* a);
  // actor/lifecycle.cpp
  RunOutcome begin_stop(ActorCell* a);
  RunOutcome finish_stop(ActorCell* a);
  void stop_and_wait(const ActorAddress& addr);
  void run_shutdown();
  void run_here(ActorCell* a) noexcept;

  const std::string name_;
  std::string id_text_;
  const SyndicateConfig config_;
  const Clock::time_point started_at_;
  std::atomic<std::uint64_t> next_cell_id_{1};
  std::atomic<bool> shut_down_{false};

  DeadLetters dead_letters_;
  Registry registry_;
  TimerService timers_;
  WakeupService wakeups_{*this, timers_};
  ExecutorTable executors_;
  Inbox* system_inbox_ = nullptr;  // one reference held by the core
  ActorAddress system_inbox_address_;

  StopBoard stop_board_;        // the shutdown waits here for actors stopped elsewhere
  ShutdownGate shutdown_gate_;  // who runs the shutdown, who waits for it

  QueueProbe queue_probe_;  // diagnostics()'s answers from token holders
  std::atomic<RemoteRouter*> remote_router_{nullptr};
  InboxDirectory inboxes_;  // the endpoints' inboxes, closed at shutdown
};


// The runtime's way from a Syndicate to its core (Syndicate keeps it private:
// it is not part of the user's API).
struct CoreAccess {
  static SyndicateCore& of(Syndicate& s) noexcept { return *s.core_; }
};

}  // namespace ensemble::runtime
