#include "runtime/actor/inbox.hpp"

#include <ensemble/ask.hpp>

namespace ensemble::runtime {

bool Inbox::deliver(Message& m) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    queue_.push_back(std::move(m));
  }
  ready_.notify_one();
  return true;
}

std::optional<Message> Inbox::receive(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  auto ready = [this] { return !queue_.empty() || closed_; };
  if (timeout == no_timeout) {
    ready_.wait(lock, ready);
  } else if (timeout > std::chrono::nanoseconds::zero()) {
    ready_.wait_for(lock, timeout, ready);
  }
  if (queue_.empty()) return std::nullopt;
  Message m = std::move(queue_.front());
  queue_.pop_front();
  return m;
}

void Inbox::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

}  // namespace ensemble::runtime
