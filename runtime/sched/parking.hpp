// Internal: how idle workers go to sleep and how new work wakes them.
//
// ---------------------------------------------------------------------------
// Design
// ---------------------------------------------------------------------------
// An eventcount over per-worker futex words, with Tokio's "searching worker"
// throttle (tokio runtime/scheduler/multi_thread/idle.rs) and Go's spinning-M
// bound (runtime/proc.go): at most half the workers search for work at once,
// a notifier wakes a sleeper only when nobody is searching, and a worker that
// stops searching because it found work wakes the next one if it was the last
// searcher (so a burst fans out one worker at a time).
//
// Roles
//   notifier: any thread that just made work stealable (pushed to a run queue
//             ring or to the injection queue). Calls notify().
//   worker:   an idle worker. try_become_searcher / stop_searching / park.
//
// Fields and who writes them
//   searching_  workers (+1 on becoming a searcher, -1 on stopping), notifier
//               (+1 on behalf of the worker it wakes).
//   sleeping_   workers (+1 when they register to sleep, -1 when they cancel),
//               notifier (-1 when it takes a sleeper off the list).
//   sleepers_, listed_[i]   under mutex_, by both.
//   words_[i]   the notifier sets 1 (under mutex_) before FUTEX_WAKE; worker i
//               resets it to 0 after waking.
//
// Protocols
//   N1 notify(): full fence; if searching_ > 0 or sleeping_ == 0, return
//      (no syscall when nobody sleeps). Else lock, pop a sleeper, count it as
//      a searcher, set its word, unlock, FUTEX_WAKE it.
//   W1 park(i): lock, list i, sleeping_ += 1, unlock; full fence; re-check
//      every queue. Work found: unlist yourself (or, if a notifier already took
//      you, accept its wake-up). Else futex-wait while words_[i] == 0.
//
// Invariants (no lost wake-up)
//   INV-1 Dekker pairing: the notifier does (publish work; fence; read
//         searching_/sleeping_), the parking worker does (write sleeping_ or
//         searching_; fence; read the queues). With both fences sequentially
//         consistent, at least one side sees the other: either the notifier
//         sees the sleeper (and wakes it) or the sleeper sees the work.
//   INV-2 a worker that stops searching re-checks every queue (inside park)
//         after its decrement, so work skipped because "someone is
//         searching" is found by that searcher or by the next one it wakes.
//   INV-3 a listed worker is woken at most once per listing: the notifier
//         unlists it under mutex_ before setting its word.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/base/atomics.hpp"

namespace ensemble::runtime {

class Parking {
 public:
  explicit Parking(std::size_t workers);

  // N1. Call after making work stealable.
  void notify() noexcept;
  // Wakes every sleeper for shutdown; park() returns at once from then on.
  void wake_all() noexcept;

  // Go's bound: at most half the workers search (at least one may).
  bool try_become_searcher() noexcept;
  // Returns true if the caller was the last searcher.
  bool stop_searching() noexcept;

  // W1. `has_work` re-checks every queue. Returns true when woken by notify()
  // (the caller is then counted as a searcher), false when it did not sleep
  // because work appeared or shutdown began.
  template <class HasWork>
  bool park(std::size_t i, HasWork&& has_work);

  bool closed() const noexcept {
    // acquire: pairs with the release store in wake_all.
    return closed_.load(std::memory_order_acquire);
  }

 private:
  void list(std::size_t i);
  bool unlist_self(std::size_t i);
  void sleep_until_woken(std::size_t i) noexcept;

  const std::uint32_t workers_;
  alignas(cache_line) std::atomic<std::uint32_t> searching_{0};
  alignas(cache_line) std::atomic<std::uint32_t> sleeping_{0};
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::vector<std::size_t> sleepers_;  // a stack: the most recent sleeper is warmest
  std::vector<char> listed_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> words_;
};

template <class HasWork>
bool Parking::park(std::size_t i, HasWork&& has_work) {
  list(i);
  // INV-1: our sleeping_ increment (in list) must be ordered before the
  // queue re-check below; pairs with the fence in notify().
  full_fence();
  if (closed() || has_work()) {
    if (unlist_self(i)) return false;
    // A notifier already took us off the list and counted us as a searcher:
    // accept that wake-up (its word store is done, it happened under mutex_).
    words_[i].store(0, std::memory_order_relaxed);  // relaxed: only we read it now
    return true;
  }
  sleep_until_woken(i);
  return !closed();
}

}  // namespace ensemble::runtime
