// Internal: an executor that runs activations as tasks of a caller's
// tbb::task_arena (ensemble/tbb.hpp).
//
// schedule() enqueues one task per woken actor (task_arena::enqueue: fire and
// forget, any thread); the task runs activations until the run loop says
// idle or suspended, and re-enqueues the actor on yield so that a busy actor
// does not hold an arena thread from the others. stop() refuses new work and
// waits for every task it enqueued: TBB cannot cancel one, so a task that
// starts after the stop hands its actor back instead of running it.
//
// The pending count and the stopping flag form a Dekker pair (both seq_cst):
// either schedule() sees stopping and backs out, or stop() sees its task in
// the count and waits for it.
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "executors/spec.hpp"
#include "runtime/sched/executor.hpp"

namespace ensemble::executors {

class TbbArenaExecutor final : public runtime::Executor {
 public:
  static constexpr const char* key = tbb_arena_key;

  TbbArenaExecutor(runtime::ActorRunner run, tbb::task_arena& arena) : run_(run), arena_(arena) {}
  ~TbbArenaExecutor() override;

  void start() override {}
  std::vector<runtime::ActorCell*> stop() override;
  bool schedule(runtime::ActorCell* actor) noexcept override;
  bool on_own_thread() const noexcept override;
  std::size_t thread_count() const noexcept override;
  const char* name() const noexcept override { return "tbb-arena"; }

  const tbb::task_arena* arena() const noexcept { return &arena_; }

 private:
  void activation(runtime::ActorCell* actor) noexcept;
  void enqueue(runtime::ActorCell* actor);
  void done() noexcept;

  runtime::ActorRunner run_;
  tbb::task_arena& arena_;
  std::atomic<std::size_t> pending_{0};  // tasks enqueued and not finished
  std::atomic<bool> stopping_{false};
  std::mutex m_;
  std::condition_variable idle_cv_;          // pending_ reached 0 while stopping
  std::vector<runtime::ActorCell*> left_;    // [m_] tokens of tasks that ran after stop()
};

}  // namespace ensemble::executors
