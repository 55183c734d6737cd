// Internal: a lock for short critical sections (the timer wheel's insert and
// unlink, the registry's links): it spins briefly, then sleeps on a futex.
//
// Why not std::mutex: uncontended, pthread_mutex_lock + unlock cost ~110
// instructions per ask (a time-out is armed and disarmed once each; callgrind,
// tools/count-actor-instructions), against a handful here. Why not a pure
// spin lock: some sections are long now and then (the registry's list of
// every actor at shutdown, the timer thread collecting a batch of expired
// timers), and a waiter must not burn a core, on a 2-core machine least of
// all, while the holder works or is preempted.
//
// Protocol (Drepper, "Futexes Are Tricky", 2011, the third mutex): state_ is
// 0 unlocked, 1 locked, 2 locked and maybe waited for.
//   lock():   CAS 0 -> 1 (acquire). Failing that, spin a little re-trying the
//             CAS while the word reads 0; then exchange(2) (acquire) until it
//             returns 0, futex-waiting while the word is 2. A thread that took
//             the lock by that exchange leaves the word at 2, so its unlock
//             wakes the next sleeper (at worst one wake too many).
//   unlock(): exchange(0) (release); if it was 2, FUTEX_WAKE one sleeper.
// The acquire that takes the lock pairs with the release exchange that gave
// it up, so each holder sees everything the previous one wrote. No wake-up is
// lost: a sleeper sets 2 before it sleeps and sleeps only while the word is 2
// (the kernel checks that atomically), and an unlock that clears a 2 wakes.
//
// BasicLockable and Lockable: usable with std::lock_guard, std::unique_lock
// and std::condition_variable_any.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/base/atomics.hpp"
#include "runtime/base/futex.hpp"

namespace ensemble::runtime {

class ShortLock {
 public:
  void lock() noexcept {
    std::uint32_t expected = unlocked;
    // acquire: pairs with the release exchange in unlock(). relaxed on
    // failure: nothing is read under a lock we did not get.
    if (state_.compare_exchange_strong(expected, locked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    lock_contended();
  }

  bool try_lock() noexcept {
    std::uint32_t expected = unlocked;
    // acquire / relaxed: as in lock().
    return state_.compare_exchange_strong(expected, locked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    // release: publishes the critical section to the next holder.
    if (state_.exchange(unlocked, std::memory_order_release) == contended) futex_wake(&state_, 1);
  }

 private:
  static constexpr std::uint32_t unlocked = 0;
  static constexpr std::uint32_t locked = 1;
  static constexpr std::uint32_t contended = 2;
  static constexpr int spin_rounds = 64;

  void lock_contended() noexcept {
    for (int i = 0; i < spin_rounds; ++i) {
      cpu_relax();
      // relaxed: a hint; the CAS below decides.
      if (state_.load(std::memory_order_relaxed) == unlocked) {
        std::uint32_t expected = unlocked;
        // acquire / relaxed: as in lock().
        if (state_.compare_exchange_weak(expected, locked, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
      }
    }
    // acquire: returning 0 means we now hold the lock (see lock()).
    while (state_.exchange(contended, std::memory_order_acquire) != unlocked) {
      futex_wait(&state_, contended);
    }
  }

  std::atomic<std::uint32_t> state_{unlocked};
};

}  // namespace ensemble::runtime
