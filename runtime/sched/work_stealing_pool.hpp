// Internal: the work-stealing pool, the syndicate's default executor
// (sched/executor.hpp).
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
#include "runtime/sched/executor.hpp"
#include "runtime/sched/parking.hpp"
#include "runtime/sched/run_queue.hpp"

namespace ensemble::runtime {

class WorkStealingPool final : public Executor {
 public:
  // The constants, and why these values:
  // ring_capacity: 256 actors per worker before half overflow to the
  //   injection queue; a power of two (index masking), and large enough that
  //   a fan-out of a few hundred stays local and stealable.
  static constexpr std::uint32_t ring_capacity = 256;
  // lifo_streak_limit: the LIFO slot's actor may run 3 times in a row before
  //   the ring's actors get a turn; a ping-pong pair then keeps its core for
  //   three hops and the ring waits at most three activations.
  static constexpr unsigned lifo_streak_limit = 3;
  // injector_interval: every 61st activation a worker looks at the injection
  //   queue first (Go's schedtick % 61), so tells from plain threads and timer
  //   firings cannot starve behind local work; prime, so it does not beat
  //   with workloads that repeat every 2^k messages.
  static constexpr std::uint32_t injector_interval = 61;
  // injected_batch: a worker takes up to 16 actors from the injection queue
  //   at once (one to run, the rest into its ring where others may steal
  //   them): one moodycamel bulk dequeue instead of sixteen.
  static constexpr std::size_t injected_batch = 16;
  // search_rounds x relax_spins: a searching worker tries stealing and the
  //   injection queue 8 times, pausing 32 cpu_relax()es between rounds (~1
  //   microsecond each round), before it parks: work often appears within
  //   microseconds of the last message, and parking and waking cost tens.
  static constexpr int search_rounds = 8;
  static constexpr int relax_spins = 32;

  WorkStealingPool(std::size_t workers, ActorRunner run);
  ~WorkStealingPool() override;
  // Before start(): pin worker i to Topology::pin_worker(i) (physical cores
  // first). Off by default.
  void set_pinned(bool pinned) noexcept { pinned_ = pinned; }

  void start() override;
  // Joins the workers; returns the actors still queued.
  std::vector<ActorCell*> stop() override;

  // From any thread. On one of this pool's workers the actor goes to the LIFO
  // slot; elsewhere to the injection queue. Returns false, leaving the actor
  // with the caller, once stop() has begun: nobody would run it any more.
  // Inline (below): callers that know the pool's type skip the virtual call.
  bool schedule(ActorCell* actor) noexcept override;

  // True on a worker thread of this pool.
  bool on_own_thread() const noexcept override;
  std::size_t thread_count() const noexcept override { return workers_.size(); }
  const char* name() const noexcept override { return "work-stealing pool"; }

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

  ActorRunner run_;
  std::vector<std::unique_ptr<Worker>> workers_;
  moodycamel::ConcurrentQueue<ActorCell*> injector_;
  Parking parking_;
  std::atomic<bool> stopping_{false};
  // External schedule() calls between their stopping_ check and their enqueue;
  // stop() waits for them before it collects the leftovers (Dekker pairing
  // with stopping_, both seq_cst).
  std::atomic<std::uint32_t> submitting_{0};
  bool started_ = false;
  bool pinned_ = false;  // set before start(): workers pin themselves first
};

struct WorkStealingPool::Worker {
  Worker(WorkStealingPool& s, std::size_t i)
      : sched(s), index(i), producer(s.injector_), consumer(s.injector_), rng(static_cast<std::uint32_t>(i * 2654435761u + 1)) {}

  WorkStealingPool& sched;
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
extern constinit ENSEMBLE_HOT_TLS WorkStealingPool::Worker* current_worker;

// Inline: every tell that wakes an actor comes here, and on a worker it is a
// couple of loads and a store.
inline bool WorkStealingPool::schedule(ActorCell* actor) noexcept {
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

}  // namespace ensemble::runtime
