#include "runtime/dead_letters.hpp"

namespace ensemble::runtime {

void DeadLetters::record(Message message, ActorAddress target, std::string reason) {
  count_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
  if (keep_ == 0) return;
  auto letter = std::make_shared<const DeadLetter>(DeadLetter{
      std::move(message), std::move(target), std::move(reason), std::chrono::system_clock::now()});
  std::lock_guard lock(mutex_);
  if (kept_.size() == keep_) kept_.pop_front();
  kept_.push_back(std::move(letter));
}

std::vector<std::shared_ptr<const DeadLetter>> DeadLetters::snapshot() const {
  std::lock_guard lock(mutex_);
  return {kept_.begin(), kept_.end()};
}

}  // namespace ensemble::runtime
