// The local addresses peers may name (exports.hpp).
#include "remote/exports.hpp"

namespace ensemble::remote {

void Exports::add(const ActorAddress& a) {
  std::lock_guard lock(mutex_);
  by_number_.try_emplace(a.cell()->id(), a);
}

ActorAddress Exports::find(std::uint64_t number) const {
  std::lock_guard lock(mutex_);
  auto it = by_number_.find(number);
  return it == by_number_.end() ? ActorAddress() : it->second;
}

void Exports::remove(std::uint64_t number) {
  ActorAddress gone;  // released after the lock: a last release frees a cell
  std::lock_guard lock(mutex_);
  auto it = by_number_.find(number);
  if (it == by_number_.end()) return;
  gone = std::move(it->second);
  by_number_.erase(it);
}

std::size_t Exports::sweep() {
  std::vector<ActorAddress> gone;  // released after the lock
  std::lock_guard lock(mutex_);
  for (auto it = by_number_.begin(); it != by_number_.end();) {
    // 1: only this entry holds it (a name holds a second reference).
    if (it->second.cell()->use_count() == 1) {
      gone.push_back(std::move(it->second));
      it = by_number_.erase(it);
    } else {
      ++it;
    }
  }
  return gone.size();
}

void Exports::publish(const std::string& name, const ActorAddress& a) {
  ActorAddress old;
  std::lock_guard lock(mutex_);
  by_number_.try_emplace(a.cell()->id(), a);
  auto [it, inserted] = by_name_.try_emplace(name, a);
  if (!inserted) {
    old = std::move(it->second);
    it->second = a;
  }
}

ActorAddress Exports::published(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? ActorAddress() : it->second;
}

void Exports::unpublish_actor(const detail::Cell* actor) {
  std::vector<ActorAddress> gone;
  std::lock_guard lock(mutex_);
  for (auto it = by_name_.begin(); it != by_name_.end();) {
    if (it->second.cell() == actor) {
      gone.push_back(std::move(it->second));
      it = by_name_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t Exports::size() const {
  std::lock_guard lock(mutex_);
  return by_number_.size();
}

}  // namespace ensemble::remote
