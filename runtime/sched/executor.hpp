// Internal: the executor seam. An executor decides which thread runs an
// actor's next activation; the runtime decides what an activation does.
//
// The syndicate's work-stealing pool (sched/work_stealing_pool.hpp) is one
// executor. Others (a dedicated thread per actor, a worker process, a
// caller's oneTBB arena) implement this interface in executors/ and are
// registered with the syndicate's core (SyndicateCore::add_executor), which
// gives each a small index. Every actor cell carries the index of its
// executor (ActorCell::executor_index, 0 = the pool), and the one
// enqueue-and-schedule step sends a woken actor there.
//
// The fast path does not pay for the seam: the core keeps the pool as a
// member of its final type and tests the index (a byte of the cell that was
// padding) before it calls the pool inline; only actors of other executors
// take the virtual call (Delivery::schedule).
//
// Contract, for implementers:
//   schedule(a)   the caller holds a's mailbox token and hands it over: run
//                 `a` soon, on one of your threads, by calling the runner
//                 given at construction; RunOutcome::yield means run it
//                 again later (it keeps the token), idle and suspended mean
//                 forget it (someone else holds or will take the token).
//                 One actor is never run on two threads at once: only the
//                 token holder schedules it. Any thread may call schedule;
//                 it must not block (a short lock is fine). Returns false
//                 once stop() has begun, or when this executor runs the
//                 actor no more (a thread lane whose actor stopped): the
//                 caller then keeps the token and runs the actor itself.
//                 The caller may hold no reference of its own to `a`.
//   start()       starts the threads; called once, before any schedule(),
//                 under the table's lock: it must not call back into the
//                 syndicate (no shutdown, no diagnostics) while it starts.
//   stop()        stops taking actors, joins the threads, and returns the
//                 actors still queued (their tokens pass to the caller).
//   on_own_thread true on a thread this executor runs actors on.
//   adopt(a, p)   called once per actor of this executor, on the creating
//                 thread with a's token held, before a is first scheduled;
//                 `p` is what the creator passed for this executor (its own
//                 placement type, or null). May throw to refuse the actor
//                 (the start then fails and the actor is stopped). The
//                 default does nothing.
//   abandon(a)    after a successful adopt(a), the start failed later
//                 (pre_start threw) and `a` was stopped on the creating
//                 thread without ever being scheduled: release what adopt
//                 made. The default does nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ensemble::runtime {

class ActorCell;

// The environment variable that starts a process as a worker of a
// process-mode actor (executors/process/): the number of its end of the
// socketpair. The Syndicate constructor refuses to run in a process that has
// it (the worker's main() did not call serve_worker_if_spawned() first) and
// exits with not_served_exit_status, which the parent reports.
inline constexpr const char* worker_fd_variable = "ENSEMBLE_WORKER_FD";
inline constexpr int not_served_exit_status = 87;

// What running an actor for one activation left it in.
enum class RunOutcome {
  idle,       // mailbox empty, token released
  yield,      // budget used up (or a push in flight): queue it again
  suspended,  // waiting (coroutine handler, children stopping): someone else re-schedules it
};

// What an executor calls to run one activation of an actor.
struct ActorRunner {
  RunOutcome (*run)(void* context, ActorCell* actor) = nullptr;
  void* context = nullptr;
  RunOutcome operator()(ActorCell* actor) const { return run(context, actor); }
};

// What an executor keeps per actor (a thread lane), owned by the actor's side
// state (SideState::executor_record) and deleted with it. One pointer: the
// side state must stay within 120 bytes, glibc's fast bins (docs/performance.md).
struct ExecutorRecord {
  ExecutorRecord() = default;
  ExecutorRecord(const ExecutorRecord&) = delete;
  ExecutorRecord& operator=(const ExecutorRecord&) = delete;
  virtual ~ExecutorRecord() = default;
};

class Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;

  virtual void start() = 0;
  virtual std::vector<ActorCell*> stop() = 0;
  virtual bool schedule(ActorCell* actor) noexcept = 0;
  virtual bool on_own_thread() const noexcept = 0;
  virtual void adopt(ActorCell& /*actor*/, const void* /*placement*/) {}
  virtual void abandon(ActorCell& /*actor*/) noexcept {}
  // For status and diagnostics.
  virtual std::size_t thread_count() const noexcept = 0;
  virtual const char* name() const noexcept = 0;
};

}  // namespace ensemble::runtime
