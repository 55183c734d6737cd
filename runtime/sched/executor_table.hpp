// Internal: a syndicate's executors. Index 0 is the work-stealing pool, held
// by value so that its final type inlines schedule() on the tell path; the
// others (sched/executor.hpp) get indexes 1..255 from add(), which actor
// cells carry.
//
// Concurrency: a slot of others_ is written once, under mutex_, before any
// cell carries its index; schedule() reads it without the lock (acquire
// pairs with the release store in add). close() (at shutdown) refuses later
// additions, so every executor that ever ran is stopped by stop_others().
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/sched/executor.hpp"
#include "runtime/sched/work_stealing_pool.hpp"

namespace ensemble::runtime {

class ExecutorTable {
 public:
  static constexpr std::size_t max_others = 255;

  ExecutorTable(std::size_t pool_workers, ActorRunner run, bool pin_pool = false) : pool_(pool_workers, run) {
    pool_.set_pinned(pin_pool);
  }

  void start() { pool_.start(); }
  WorkStealingPool& pool() noexcept { return pool_; }
  const WorkStealingPool& pool() const noexcept { return pool_; }

  // Hands a claimed actor to executor `index`; false once that executor has
  // stopped (the caller keeps the token and runs the actor itself).
  bool schedule(ActorCell* a, std::uint8_t index) noexcept {
    if (index == 0) [[likely]] return pool_.schedule(a);
    // acquire: pairs with the release store in add().
    return others_[index - 1].load(std::memory_order_acquire)->schedule(a);
  }

  // True when `index` names the pool or an executor added before.
  bool has(std::uint8_t index) const noexcept {
    // acquire: pairs with the release store in add().
    return index == 0 || others_[index - 1].load(std::memory_order_acquire) != nullptr;
  }

  enum class AddResult { added, closed, full };
  // Starts `executor` and gives it an index (out); closed after close().
  AddResult add(std::unique_ptr<Executor> executor, std::uint8_t& index);
  // The index of the executor added under `key` (a string literal naming a
  // kind of executor: one per syndicate), adding make() first if there is
  // none yet. make() runs under the table's lock.
  template <class Make>
  AddResult add_once(const char* key, Make&& make, std::uint8_t& index) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != nullptr && std::strcmp(keys_[i], key) == 0) {
        index = static_cast<std::uint8_t>(i + 1);
        return AddResult::added;
      }
    }
    return add_locked(make(), index, key);
  }
  // The index of the executor add_once made under `key`, or 0 (none).
  std::uint8_t find(const char* key) const {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != nullptr && std::strcmp(keys_[i], key) == 0) return static_cast<std::uint8_t>(i + 1);
    }
    return 0;
  }
  // The executor at `index` (1..255), or null; for diagnostics and tests.
  Executor* other(std::uint8_t index) const noexcept {
    // acquire: pairs with the release store in add().
    return index == 0 ? nullptr : others_[index - 1].load(std::memory_order_acquire);
  }

  bool on_pool_thread() const noexcept { return pool_.on_own_thread(); }
  bool on_any_thread() const noexcept;

  // Shutdown, in this order: the pool first (its leftovers are run by the
  // caller while the others still run), then close() and stop_others().
  std::vector<ActorCell*> stop_pool() { return pool_.stop(); }
  std::vector<ActorCell*> stop_others();

 private:
  AddResult add_locked(std::unique_ptr<Executor> executor, std::uint8_t& index, const char* key);

  WorkStealingPool pool_;
  std::array<std::atomic<Executor*>, max_others> others_{};
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Executor>> owned_;  // [mutex_]
  std::vector<const char*> keys_;                 // [mutex_] add_once's key per owned_ entry (null: none)
  bool closed_ = false;                           // [mutex_]
};

}  // namespace ensemble::runtime
