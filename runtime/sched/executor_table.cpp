#include "runtime/sched/executor_table.hpp"

namespace ensemble::runtime {

ExecutorTable::AddResult ExecutorTable::add(std::unique_ptr<Executor> executor, std::uint8_t& index) {
  std::lock_guard lock(mutex_);
  return add_locked(std::move(executor), index, nullptr);
}

ExecutorTable::AddResult ExecutorTable::add_locked(std::unique_ptr<Executor> executor, std::uint8_t& index,
                                                   const char* key) {
  if (closed_) return AddResult::closed;
  if (owned_.size() >= max_others) return AddResult::full;
  executor->start();
  Executor* raw = executor.get();
  owned_.push_back(std::move(executor));
  keys_.push_back(key);
  const std::size_t i = owned_.size();  // 1-based: 0 is the pool
  others_[i - 1].store(raw, std::memory_order_release);  // pairs with schedule()
  index = static_cast<std::uint8_t>(i);
  return AddResult::added;
}

bool ExecutorTable::on_any_thread() const noexcept {
  if (pool_.on_own_thread()) return true;
  std::lock_guard lock(mutex_);
  for (const auto& e : owned_) {
    if (e->on_own_thread()) return true;
  }
  return false;
}

std::vector<ActorCell*> ExecutorTable::stop_others() {
  std::vector<Executor*> others;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& e : owned_) others.push_back(e.get());
  }
  std::vector<ActorCell*> left;
  for (Executor* e : others) {
    for (ActorCell* a : e->stop()) left.push_back(a);
  }
  return left;
}

}  // namespace ensemble::runtime
