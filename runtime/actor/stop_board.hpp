// Internal: where the shutdown waits for actors that someone else is
// stopping (their token holder finishes the stop on another thread).
//
// A Dekker pair keeps the stop path free of the mutex in the usual case:
// a waiter counts itself in (a seq_cst RMW), then a seq_cst fence, then
// checks the actor's STOPPED flag under the mutex; a stopper sets STOPPED
// with a seq_cst RMW (finish_stop), then reads the count (seq_cst) and
// notifies only if someone waits. If the stopper read no waiter, its read
// precedes the waiter's increment in the single total order, so its STOPPED
// store precedes the waiter's fence, and the waiter's check (after the fence)
// sees STOPPED. Either the stopper sees the waiter, or the waiter sees STOPPED.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/base/atomics.hpp"

namespace ensemble::runtime {

class StopBoard {
 public:
  // Blocks until `a` has STOPPED.
  void wait_stopped(ActorCell* a) {
    waiters_.fetch_add(1, std::memory_order_seq_cst);  // seq_cst: the Dekker pair above
    full_fence();  // the waiter's half: orders the flag check after the increment
    {
      std::unique_lock lock(mutex_);
      stopped_.wait(lock, [a] { return a->has_flag(detail::flag_stopped); });
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: only a hint for notifiers
  }
  // Called after setting an actor's STOPPED flag.
  void announce_stopped() {
    // seq_cst: the other half of the Dekker pair.
    if (waiters_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard lock(mutex_);
      stopped_.notify_all();
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable stopped_;
  std::atomic<int> waiters_{0};
};

}  // namespace ensemble::runtime
