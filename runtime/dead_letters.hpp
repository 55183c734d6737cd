// Internal: where undeliverable messages go.
//
// Every dead letter is counted; the most recent `keep` are kept for
// Syndicate::dead_letters(). Recording takes a mutex: dead letters are the
// slow path by definition.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ensemble/messages.hpp>

namespace ensemble::runtime {

class DeadLetters {
 public:
  explicit DeadLetters(std::size_t keep) : keep_(keep) {}
  void record(Message message, ActorAddress target, std::string reason);
  std::vector<std::shared_ptr<const DeadLetter>> snapshot() const;
  std::uint64_t count() const noexcept {
    // relaxed: a statistic; no data is read through it.
    return count_.load(std::memory_order_relaxed);
  }

 private:
  const std::size_t keep_;
  std::atomic<std::uint64_t> count_{0};
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<const DeadLetter>> kept_;
};

}  // namespace ensemble::runtime
