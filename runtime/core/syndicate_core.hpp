// Internal: the engine behind a Syndicate: the composition root. It builds
// the collaborators in dependency order and owns them; each has one reason to
// change (docs/architecture.md has the table):
//   Delivery (actor/delivery.hpp)     tell in spark's order, routing, the one
//                                     enqueue-and-schedule step, dead letters
//   RunLoop (actor/run_loop.hpp)      one activation of an actor
//   Lifecycle (actor/lifecycle.hpp)   start, the stop protocol, stop-and-wait
//   strand host (task/task_host.hpp)  wake envelopes for task strands
//   ExecutorTable, Registry, TimerService, WakeupService, InboxDirectory,
//   QueueProbe, ShutdownGate
// What the core itself does: construction, the shutdown's sequence, inboxes,
// status() and diagnostics().
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
#include "runtime/actor/delivery.hpp"
#include "runtime/actor/envelope.hpp"
#include "runtime/actor/inbox.hpp"
#include "runtime/actor/inbox_directory.hpp"
#include "runtime/actor/lifecycle.hpp"
#include "runtime/actor/queue_probe.hpp"
#include "runtime/actor/registry.hpp"
#include "runtime/actor/run_loop.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/core/services.hpp"
#include "runtime/core/shutdown_gate.hpp"
#include "runtime/memory/envelope_pool.hpp"
#include "runtime/sched/executor.hpp"
#include "runtime/sched/executor_table.hpp"
#include "runtime/task/task_host.hpp"
#include "runtime/time/timer_service.hpp"
#include "runtime/time/wakeups.hpp"

namespace ensemble::runtime {

class SyndicateCore {
 public:
  SyndicateCore(std::string name, SyndicateConfig config);
  ~SyndicateCore();

  const std::string& name() const noexcept { return name_; }
  const SyndicateId& id() const noexcept { return id_; }
  // The short form in str forms: the uuid's first 8 characters (spark's).
  const std::string& id_text() const noexcept { return id_text_; }
  // An actor's uuid, derived from its number and this incarnation's salt
  // (syndicate_core.cpp explains the layout); actor_number_of reverses it, 0 when
  // the text is not one of this incarnation's.
  std::string actor_uuid(std::uint64_t number) const;
  std::uint64_t actor_number_of(std::string_view uuid) const noexcept;

  // --- the collaborators ---
  Delivery& delivery() noexcept { return delivery_; }
  Lifecycle& lifecycle() noexcept { return lifecycle_; }
  RunLoop& run_loop() noexcept { return run_loop_; }
  WakeupService& wakeups() noexcept { return wakeups_; }
  ExecutorTable& executors() noexcept { return executors_; }
  Registry& registry() noexcept { return registry_; }

  // Registers an executor and starts it; its index goes into the cells of
  // the actors that run on it (Lifecycle::start_actor). Throws
  // SyndicateError when the table is full or the syndicate is shut down.
  std::uint8_t add_executor(std::unique_ptr<Executor> executor);
  // The index of this syndicate's one executor of kind `key` (a string
  // literal), made by make() the first time; throws as add_executor does.
  template <class Make>
  std::uint8_t shared_executor(const char* key, Make&& make) {
    std::uint8_t index = 0;
    // Two statements: the index is written by add_once, so it must not be
    // read as another argument of the same call.
    const ExecutorTable::AddResult result =
        is_shut_down() ? ExecutorTable::AddResult::closed : executors_.add_once(key, std::forward<Make>(make), index);
    return added_or_throw(result, index);
  }
  // The index of the executor shared_executor made under `key`, or 0.
  std::uint8_t find_executor(const char* key) const { return executors_.find(key); }
  // True on a thread of the shared pool, where blocking would take a worker
  // from every actor (ask(...).get(), receive, a waiting diagnostics()).
  bool on_pool_thread() const noexcept { return executors_.on_pool_thread(); }
  // True on a thread of any of this syndicate's executors.
  bool on_executor_thread() const noexcept { return executors_.on_any_thread(); }

  // --- syndicate-level ---
  void shutdown();
  bool is_shut_down() const noexcept { return delivery_.shut_down(); }
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
  const SyndicateConfig& config() const noexcept { return config_; }
  std::vector<std::shared_ptr<const DeadLetter>> dead_letters() const {
    return delivery_.dead_letters().snapshot();
  }
  WorkStealingPool& pool() noexcept { return executors_.pool(); }
  TimerService& timers() noexcept { return timers_; }
  // io/'s and remote/'s parts of this syndicate (services.hpp).
  Services& services() noexcept { return services_; }
  std::uint64_t next_cell_id() noexcept {
    // relaxed: ids need uniqueness only, not ordering.
    return next_cell_id_.fetch_add(1, std::memory_order_relaxed);
  }
  Syndicate* owner = nullptr;

 private:
  void run_shutdown();

  const std::string name_;
  const SyndicateId id_;
  const std::string id_text_;
  const std::uint64_t incarnation_;  // random: a stale address of a previous run matches nothing
  std::uint8_t added_or_throw(ExecutorTable::AddResult result, std::uint8_t index) const;

  const SyndicateConfig config_;
  const Clock::time_point started_at_;
  std::atomic<std::uint64_t> next_cell_id_{1};

  // Declared in the order they depend on each other: the run loop before
  // the executors (they are given its runner), delivery after both.
  Registry registry_;
  TimerService timers_;
  WakeupService wakeups_{*this, timers_};
  RunLoop run_loop_;
  ExecutorTable executors_;
  Delivery delivery_;
  Lifecycle lifecycle_{*this};
  Inbox* system_inbox_ = nullptr;  // one reference held by the core
  ActorAddress system_inbox_address_;

  ShutdownGate shutdown_gate_;  // who runs the shutdown, who waits for it

  QueueProbe queue_probe_;  // diagnostics()'s answers from token holders
  InboxDirectory inboxes_;  // the endpoints' inboxes, closed at shutdown
  // Last: destroyed first, while the parts they use still exist.
  Services services_;
};


// The runtime's way from a Syndicate to its core (Syndicate keeps it private:
// it is not part of the user's API).
struct CoreAccess {
  static SyndicateCore& of(Syndicate& s) noexcept { return *s.core_; }
};

}  // namespace ensemble::runtime
