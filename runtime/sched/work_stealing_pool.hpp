// Internal: the work-stealing pool that runs actors.
//
// ---------------------------------------------------------------------------
// Design
// ---------------------------------------------------------------------------
// N workers, each with
//   - a LIFO slot: the actor its own last tell woke up runs next, so a pair
//     of actors that talk to each other stays on one worker and in cache.
//     Not stealable; capped at `lifo_streak_limit` runs in a row, after which
//     the slot's actor goes to the back of the ring (fairness) unless the
//     ring is empty (then nobody here waits and the conversation goes on);
//   - a bounded ring (RunQueue, 256 slots): the owner pushes and pops FIFO,
//     thieves steal half; when full, half of it overflows to
//   - the injection queue, shared (moodycamel ConcurrentQueue, per-worker
//     tokens), which also takes every submission from non-worker threads.
// An actor that used up its budget goes to the back of the ring, or runs on
// at once when the slot and the ring are empty (nobody here waits for the
// core, and in the ring a woken sleeper would steal it just to move it).
// A worker looks, in order: the injection queue every `injector_interval`
// ticks (before the LIFO slot, so that neither a conversation in the slot nor
// the ring can starve it), LIFO slot, its ring, the injection queue, then
// steals from the other workers, then parks (parking.hpp).
//
// Which thread touches what
//   lifo, lifo_streak, tick, injector_due, searching: the owning worker only.
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
#include <utility>
#include <vector>

#include <concurrentqueue/concurrentqueue.h>

#include "runtime/base/atomics.hpp"
#include "runtime/sched/parking.hpp"
#include "runtime/sched/run_queue.hpp"

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
  bool schedule(ActorCell* actor) noexcept;  // inline, below

  // True on a worker thread of this scheduler.
  bool on_worker() const noexcept;
  std::size_t worker_count() const noexcept { return workers_.size(); }
  // Index of the current worker of this scheduler, or -1.
  int current_worker_index() const noexcept;

 public:
  struct Worker;  // defined below the class

 private:
  bool schedule_external(ActorCell* actor) noexcept;
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

struct Scheduler::Worker {
  Worker(Scheduler& s, std::size_t i)
      : sched(s), index(i), producer(s.injector_), consumer(s.injector_), rng(static_cast<std::uint32_t>(i * 2654435761u + 1)) {}

  Scheduler& sched;
  std::size_t index;
  RunQueue<ActorCell*, ring_capacity> ring;
  ActorCell* lifo = nullptr;
  unsigned lifo_streak = 0;
  std::uint32_t tick = 0;
  bool injector_due = false;  // run_one reached the injector interval: look there first
  bool searching = false;
  moodycamel::ProducerToken producer;
  moodycamel::ConsumerToken consumer;
  std::uint32_t rng;
  std::thread thread;

  std::uint32_t next_random() noexcept {  // xorshift32: victim order only
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  }
};

// The worker this thread is, or null on other threads.
extern constinit ENSEMBLE_HOT_TLS Scheduler::Worker* current_worker;

// Inline: every tell that wakes an actor comes here, and on a worker it is a
// couple of loads and a store.
inline bool Scheduler::schedule(ActorCell* actor) noexcept {
  Worker* w = current_worker;
  if (w != nullptr && &w->sched == this) {
    // A worker runs until stop() joins it, and stop() collects its queues
    // afterwards, so this path needs no stop check. The actor this worker just
    // woke runs next; the one it displaces becomes stealable.
    if (ActorCell* displaced = std::exchange(w->lifo, actor)) push_back_local(*w, displaced, true);
    return true;
  }
  return schedule_external(actor);
}

template <class F>
void Scheduler::stop(F&& leftover) {
  stop_threads();
  for (ActorCell* a : collect_leftovers()) leftover(a);
}

}  // namespace ensemble::runtime
