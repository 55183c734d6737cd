// Internal: a test-and-test-and-set lock for critical sections of a few
// dozen instructions (the timer wheel's insert and unlink).
//
// Why not std::mutex: uncontended, pthread_mutex_lock + unlock cost ~110
// instructions per ask (a time-out is armed and disarmed once each; callgrind,
// tools/count-actor-instructions), against ~10 here. The sections it guards
// never block and never allocate.
//
// Protocol. lock(): exchange(true) with acquire; on failure, wait on plain
// loads (no cache-line ping-pong between waiters) with a pause, and after a
// short spin yield the CPU, because on an oversubscribed machine the holder
// may have been preempted. unlock(): store(false) with release. The acquire
// exchange that takes the lock pairs with the release store that gave it up,
// so each holder sees everything the previous one wrote (Mellor-Crummey and
// Scott, "Algorithms for scalable synchronization on shared-memory
// multiprocessors", 1991, the TTAS lock).
//
// Usable with std::lock_guard, std::unique_lock and
// std::condition_variable_any (it is BasicLockable).
#pragma once

#include <sched.h>

#include <atomic>

#include "runtime/atomics.hpp"

namespace ensemble::runtime {

class SpinLock {
 public:
  void lock() noexcept {
    // acquire: pairs with the release store in unlock().
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {  // relaxed: a hint only; the exchange re-checks
        if (spins < 64) {
          cpu_relax();
        } else {
          sched_yield();
        }
      }
    }
  }
  bool try_lock() noexcept {
    // acquire: as in lock(); relaxed pre-check: a hint only.
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept {
    // release: publishes the critical section to the next holder.
    locked_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace ensemble::runtime
