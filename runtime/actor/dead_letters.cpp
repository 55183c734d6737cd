#include "runtime/actor/dead_letters.hpp"

namespace ensemble::runtime {

void DeadLetters::record(Message message, ActorAddress target, std::string reason) {
  if (keep_ == 0) {
    // relaxed: nothing is kept, so there is nothing a reader could miss.
    count_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto letter = std::make_shared<const DeadLetter>(DeadLetter{
      std::move(message), std::move(target), std::move(reason), std::chrono::system_clock::now()});
  std::lock_guard lock(mutex_);
  if (kept_.size() == keep_) kept_.pop_front();
  kept_.push_back(std::move(letter));
  // Counted only once the letter is stored, and with release: a reader whose
  // acquire load in count() sees it finds it in the next snapshot() (that
  // snapshot's lock comes after this section's in the mutex's order, since
  // this store happens-before it). Counting first let a reader see a letter
  // counted that snapshot() did not yet hold.
  count_.fetch_add(1, std::memory_order_release);
}

std::vector<std::shared_ptr<const DeadLetter>> DeadLetters::snapshot() const {
  std::lock_guard lock(mutex_);
  return {kept_.begin(), kept_.end()};
}

}  // namespace ensemble::runtime
