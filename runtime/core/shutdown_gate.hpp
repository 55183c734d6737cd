// Internal: who runs a syndicate's shutdown, and waiting for it to be done.
//
// The first caller wins the run. A plain thread runs it and later plain
// callers wait for it. Actor code (a handler on a worker, or a hook run by a
// stop on the shutting-down thread itself) never waits: it starts a thread to
// run the shutdown if nobody runs it yet, and returns. Waiting there would
// deadlock: the shutdown waits for that very actor to finish.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace ensemble::runtime {

class ShutdownGate {
 public:
  ShutdownGate() = default;
  ShutdownGate(const ShutdownGate&) = delete;
  ShutdownGate& operator=(const ShutdownGate&) = delete;
  ~ShutdownGate() { join_runner(); }

  // Runs `run` once across all callers, as described above.
  template <class Run>
  void enter(bool from_actor, Run&& run) {
    int expected = idle;
    // acq_rel: the winner's run is ordered after everything before this
    // call; a loser that waits sees the run's effects through done_ below.
    const bool ours = state_.compare_exchange_strong(expected, running, std::memory_order_acq_rel);
    if (from_actor) {
      if (ours) {
        std::lock_guard lock(mutex_);
        runner_ = std::thread(std::forward<Run>(run));
      }
      return;
    }
    if (ours) {
      run();
      return;
    }
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, [this] {
      return state_.load(std::memory_order_acquire) == done;  // pairs with finish()
    });
  }
  // The end of the run.
  void finish() {
    {
      std::lock_guard lock(mutex_);
      // release: pairs with the acquire loads of waiting callers.
      state_.store(done, std::memory_order_release);
    }
    done_cv_.notify_all();
  }
  // After a plain caller's enter() returned (the run is done): joins the
  // thread an actor started for it, if one did. The thread was assigned
  // before the run could finish (under the mutex), so it is visible here.
  void join_runner() {
    std::thread runner;
    {
      std::lock_guard lock(mutex_);
      runner = std::move(runner_);
    }
    if (runner.joinable()) runner.join();
  }

 private:
  static constexpr int idle = 0;
  static constexpr int running = 1;
  static constexpr int done = 2;
  std::atomic<int> state_{idle};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  std::thread runner_;  // [mutex_] when actor code asked for the shutdown
};

}  // namespace ensemble::runtime
