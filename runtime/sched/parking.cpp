// The parking protocol is described in parking.hpp; this file holds the parts
// that take the mutex or make system calls.
#include "runtime/sched/parking.hpp"

#include <algorithm>

#include "runtime/base/futex.hpp"

namespace ensemble::runtime {

Parking::Parking(std::size_t workers)
    : workers_(static_cast<std::uint32_t>(workers)),
      listed_(workers, 0),
      words_(new std::atomic<std::uint32_t>[workers]) {
  sleepers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) words_[i].store(0, std::memory_order_relaxed);
}

void Parking::notify() noexcept {
  // INV-1: the work the caller just published must be visible before we read
  // the counters; pairs with the fence in park().
  full_fence();
  // seq_cst loads, ordered after the fence above (Dekker pairing, INV-1).
  if (searching_.load(std::memory_order_seq_cst) != 0) return;  // INV-2: a searcher finds it
  if (sleeping_.load(std::memory_order_seq_cst) == 0) return;   // nobody to wake: no syscall
  std::size_t woken;
  {
    std::lock_guard lock(mutex_);
    if (sleepers_.empty()) return;
    woken = sleepers_.back();
    sleepers_.pop_back();
    listed_[woken] = 0;
    // seq_cst: these counters take part in the Dekker pairing of INV-1.
    sleeping_.fetch_sub(1, std::memory_order_seq_cst);
    searching_.fetch_add(1, std::memory_order_seq_cst);
    // release: the woken worker's acquire load in sleep_until_woken sees it.
    words_[woken].store(1, std::memory_order_release);
  }
  futex_wake(&words_[woken], 1);
}

void Parking::wake_all() noexcept {
  // release: pairs with the acquire load in closed().
  closed_.store(true, std::memory_order_release);
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < workers_; ++i) {
    words_[i].store(1, std::memory_order_release);  // pairs with sleep_until_woken
    futex_wake(&words_[i], 1);
  }
}

bool Parking::try_become_searcher() noexcept {
  // relaxed read: the bound is a throttle, not a correctness condition; the
  // seq_cst increment below is what notify() pairs with.
  std::uint32_t n = searching_.load(std::memory_order_relaxed);
  if (2 * n >= workers_ && n > 0) return false;
  searching_.fetch_add(1, std::memory_order_seq_cst);
  return true;
}

bool Parking::stop_searching() noexcept {
  // seq_cst: INV-2, the decrement is ordered before the re-check in park().
  return searching_.fetch_sub(1, std::memory_order_seq_cst) == 1;
}

void Parking::list(std::size_t i) {
  std::lock_guard lock(mutex_);
  sleepers_.push_back(i);
  listed_[i] = 1;
  // seq_cst: INV-1, read by notify() after its fence.
  sleeping_.fetch_add(1, std::memory_order_seq_cst);
}

bool Parking::unlist_self(std::size_t i) {
  std::lock_guard lock(mutex_);
  if (!listed_[i]) return false;
  listed_[i] = 0;
  sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), i));
  sleeping_.fetch_sub(1, std::memory_order_seq_cst);
  return true;
}

void Parking::sleep_until_woken(std::size_t i) noexcept {
  // acquire: pairs with the release store of the word in notify()/wake_all().
  while (words_[i].load(std::memory_order_acquire) == 0) futex_wait(&words_[i], 0);
  words_[i].store(0, std::memory_order_relaxed);  // relaxed: only this worker reads it until it lists again
}

}  // namespace ensemble::runtime
