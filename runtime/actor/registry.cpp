#include "runtime/actor/registry.hpp"

#include <unordered_map>

#include "runtime/actor/side_state.hpp"

namespace ensemble::runtime {

void Registry::add(ActorCell* a, ActorCell* parent) {
  std::lock_guard lock(lock_);
  a->reg_prev_ = tail_;
  a->reg_next_ = nullptr;
  if (tail_ != nullptr) {
    tail_->reg_next_ = a;
  } else {
    head_ = a;
  }
  tail_ = a;
  ++size_;
  if (parent != nullptr) {
    a->next_sibling_ = parent->first_child_;
    a->prev_sibling_ = nullptr;
    if (parent->first_child_ != nullptr) parent->first_child_->prev_sibling_ = a;
    parent->first_child_ = a;
  }
}

ActorCell* Registry::remove(ActorCell* a) {
  std::lock_guard lock(lock_);
  if (a->reg_prev_ != nullptr) {
    a->reg_prev_->reg_next_ = a->reg_next_;
  } else if (head_ == a) {
    head_ = a->reg_next_;
  }
  if (a->reg_next_ != nullptr) {
    a->reg_next_->reg_prev_ = a->reg_prev_;
  } else if (tail_ == a) {
    tail_ = a->reg_prev_;
  }
  a->reg_prev_ = a->reg_next_ = nullptr;
  --size_;

  auto* parent = static_cast<ActorCell*>(a->parent_.cell());
  if (parent == nullptr) return nullptr;
  if (a->prev_sibling_ != nullptr) {
    a->prev_sibling_->next_sibling_ = a->next_sibling_;
  } else if (parent->first_child_ == a) {
    parent->first_child_ = a->next_sibling_;
  }
  if (a->next_sibling_ != nullptr) a->next_sibling_->prev_sibling_ = a->prev_sibling_;
  a->next_sibling_ = a->prev_sibling_ = nullptr;

  // acquire: pairs with the release in side_of; a parent that waits for its
  // children has its side state published.
  SideState* ps = parent->side_.load(std::memory_order_acquire);
  if (ps != nullptr && ps->children_pending > 0 && --ps->children_pending == 0) return parent;
  return nullptr;
}

std::vector<ActorAddress> Registry::children_for_stop(ActorCell* a) {
  SideState& s = side_of(*a);
  std::lock_guard lock(lock_);
  std::vector<ActorAddress> out;
  for (ActorCell* c = a->first_child_; c != nullptr; c = c->next_sibling_) out.emplace_back(c);
  // +1: the caller's guard. With no children there is nothing to wait for
  // and no guard (the caller must not call release_guard then).
  s.children_pending = out.empty() ? 0 : out.size() + 1;
  return out;
}

bool Registry::release_guard(ActorCell* a) {
  SideState& s = side_of(*a);
  std::lock_guard lock(lock_);
  return --s.children_pending == 0;
}

std::vector<ActorAddress> Registry::newest_first() {
  std::lock_guard lock(lock_);
  std::vector<ActorAddress> out;
  out.reserve(size_);
  for (ActorCell* a = tail_; a != nullptr; a = a->reg_prev_) out.emplace_back(a);
  return out;
}

std::vector<FamilyEntry> Registry::oldest_first_with_family() {
  std::lock_guard lock(lock_);
  std::vector<FamilyEntry> out;
  out.reserve(size_);
  // Cells know their children, not their parent (parent_ belongs to the
  // token holder), so: one pass lists and indexes, a second one walks each
  // actor's children to count them and to give each its parent's id.
  std::unordered_map<const ActorCell*, std::size_t> index;
  index.reserve(size_);
  for (ActorCell* a = head_; a != nullptr; a = a->reg_next_) {
    index.emplace(a, out.size());
    out.push_back(FamilyEntry{ActorAddress(a), 0, 0});
  }
  for (ActorCell* a = head_; a != nullptr; a = a->reg_next_) {
    FamilyEntry& parent = out[index.at(a)];
    for (ActorCell* c = a->first_child_; c != nullptr; c = c->next_sibling_) {
      ++parent.child_count;
      auto at = index.find(c);
      if (at != index.end()) out[at->second].parent_id = a->id();
    }
  }
  return out;
}

std::size_t Registry::size() const {
  std::lock_guard lock(lock_);
  return size_;
}

}  // namespace ensemble::runtime
