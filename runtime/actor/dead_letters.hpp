// Internal: where undeliverable messages go.
//
// Every dead letter is counted; the most recent `keep` are kept for
// Syndicate::dead_letters(). Recording takes a mutex: dead letters are the
// slow path by definition. A letter is counted only after it is stored, so
// count() never runs ahead of snapshot().
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
  // Every letter counted here is already in snapshot() (unless `keep` pushed
  // it out): acquire pairs with record()'s release increment.
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_acquire); }

 private:
  const std::size_t keep_;
  std::atomic<std::uint64_t> count_{0};
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<const DeadLetter>> kept_;
};

}  // namespace ensemble::runtime
