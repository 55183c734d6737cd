// Internal: where token holders hand diagnostics() the queue counts it asked
// them for (runtime/actor/diagnostics.cpp has the protocol).
//
// One probe is open at a time (serial()); an answer that arrives when no
// probe is open, or for an actor the open probe did not ask, is dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace ensemble::runtime {

class ActorCell;

class QueueProbe {
 public:
  // Held by diagnostics() for its whole run: one probe at a time.
  std::mutex& serial() noexcept { return serial_; }

  void open() {
    std::lock_guard lock(mutex_);
    answers_.clear();
    open_ = true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
    answers_.clear();
  }
  // Token holders: records `depth` for `a` and wakes the prober.
  void answer(const ActorCell* a, std::size_t depth) {
    {
      std::lock_guard lock(mutex_);
      if (!open_) return;
      answers_[a] = depth;
      ++answer_count_;
    }
    answered_.notify_one();
  }
  // The prober: the answer for `a`, taken out, if it came.
  std::optional<std::size_t> take(const ActorCell* a) {
    std::lock_guard lock(mutex_);
    auto at = answers_.find(a);
    if (at == answers_.end()) return std::nullopt;
    std::size_t depth = at->second;
    answers_.erase(at);
    return depth;
  }
  // The prober: waits until an answer newer than `seen` (a value returned
  // before) arrives or `deadline` passes; returns the new answer count. A
  // late answer left from an earlier probe cannot make this spin.
  std::uint64_t wait_for_answer(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    answered_.wait_until(lock, deadline, [&] { return answer_count_ != seen; });
    return answer_count_;
  }

 private:
  std::mutex serial_;
  std::mutex mutex_;
  std::condition_variable answered_;
  bool open_ = false;                                           // [mutex_]
  std::uint64_t answer_count_ = 0;                              // [mutex_]
  std::unordered_map<const ActorCell*, std::size_t> answers_;   // [mutex_]
};

}  // namespace ensemble::runtime
