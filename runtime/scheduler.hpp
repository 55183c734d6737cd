// Internal: the work-stealing pool that runs actors.
//
// ---------------------------------------------------------------------------
// Design
// ---------------------------------------------------------------------------
// N workers, each with
//   - a LIFO slot: the actor its own last tell woke up runs next, so a pair
//     of actors that talk to each other stays on one worker and in cache.
//     Not stealable; capped at `lifo_streak_limit` runs in a row, after which
//     the slot's actor goes to the back of the ring (fairness);
//   - a bounded ring (RunQueue, 256 slots): the owner pushes and pops FIFO,
//     thieves steal half; when full, half of it overflows to
//   - the injection queue, shared (moodycamel ConcurrentQueue, per-worker
//     tokens), which also takes every submission from non-worker threads.
// A worker looks, in order: LIFO slot, its ring (the injection queue first
// every `injector_interval` ticks so it cannot starve), the injection queue,
// then steals from the other workers, then parks (parking.hpp).
//
// Which thread touches what
//   lifo_, lifo_streak_, tick_, searching_: the owning worker only.
//   ring_: owner pushes/pops; any worker steals (run_queue.hpp).
//   injector_: everyone (lock-free, moodycamel).
//
// Scheduling is driven by the mailbox token (detail/mailbox.hpp): a cell is
// in at most one queue at a time because only the token holder enqueues it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <concurrentqueue/concurrentqueue.h>

#include "runtime/atomics.hpp"
#include "runtime/parking.hpp"
#include "runtime/run_queue.hpp"

namespace ensemble::runtime {

class ActorCell;

// What running an actor for one activation left it in.
enum class RunOutcome {
  idle,       // mailbox empty, token released
  yield,      // budget used up (or a push in flight): queue it again
  suspended,  // waiting (coroutine handler, children stopping): someone else re-schedules it
};

class Scheduler {
 public:
  using RunFn = RunOutcome (*)(void* context, ActorCell* actor);

  static constexpr std::uint32_t ring_capacity = 256;
  static constexpr unsigned lifo_streak_limit = 3;
  static constexpr std::uint32_t injector_interval = 61;

  Scheduler(std::size_t workers, RunFn run, void* context);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Joins the workers. Actors still queued are handed to `leftover`.
  template <class F>
  void stop(F&& leftover);

  // From any thread. On one of this pool's workers the actor goes to the LIFO
  // slot; elsewhere to the injection queue. Returns false, leaving the actor
  // with the caller, once stop() has begun: nobody would run it any more.
  bool schedule(ActorCell* actor) noexcept;

  // True on a worker thread of this scheduler.
  bool on_worker() const noexcept;
  std::size_t worker_count() const noexcept { return workers_.size(); }
  // Index of the current worker of this scheduler, or -1.
  int current_worker_index() const noexcept;

 public:
  struct Worker;  // defined in scheduler.cpp

 private:
  void worker_main(Worker& w);
  ActorCell* find_work(Worker& w);
  ActorCell* steal(Worker& w);
  ActorCell* take_injected(Worker& w);
  void push_back_local(Worker& w, ActorCell* a, bool notify);
  void run_one(Worker& w, ActorCell* a);
  bool has_work_anywhere() const noexcept;
  void stop_threads();
  std::vector<ActorCell*> collect_leftovers();

  RunFn run_;
  void* context_;
  std::vector<std::unique_ptr<Worker>> workers_;
  moodycamel::ConcurrentQueue<ActorCell*> injector_;
  Parking parking_;
  std::atomic<bool> stopping_{false};
  // External schedule() calls between their stopping_ check and their enqueue;
  // stop() waits for them before it collects the leftovers (Dekker pairing
  // with stopping_, both seq_cst).
  std::atomic<std::uint32_t> submitting_{0};
  bool started_ = false;
};

template <class F>
void Scheduler::stop(F&& leftover) {
  stop_threads();
  for (ActorCell* a : collect_leftovers()) leftover(a);
}

}  // namespace ensemble::runtime
