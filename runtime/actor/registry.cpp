#include "runtime/actor/registry.hpp"

#include <unordered_map>

#include "runtime/actor/side_state.hpp"

namespace ensemble::runtime {

namespace {
using Order = IntrusiveList<ActorCell, &ActorCell::registry_hook_>;
using Children = IntrusiveList<ActorCell, &ActorCell::sibling_hook_, false>;
}  // namespace

void Registry::add(ActorCell* a, ActorCell* parent) {
  std::lock_guard lock(lock_);
  order_.push_back(a);
  ++size_;
  if (parent != nullptr) parent->children_.push_front(a);
}

ActorCell* Registry::remove(ActorCell* a) {
  std::lock_guard lock(lock_);
  order_.remove(a);
  --size_;

  // Only an actor of this syndicate lists its children. (A worker process's
  // actor names its parent by a remote cell: executors/process/.)
  detail::Cell* p = a->parent_.cell();
  if (p == nullptr || p->kind() != detail::CellKind::actor) return nullptr;
  auto* parent = static_cast<ActorCell*>(p);
  parent->children_.remove(a);

  // acquire: pairs with the release in side_of; a parent that waits for its
  // children has its side state published.
  SideState* ps = parent->side_.load(std::memory_order_acquire);
  if (ps != nullptr && ps->children_pending > 0 && --ps->children_pending == 0) return parent;
  return nullptr;
}

std::vector<ActorAddress> Registry::children_for_stop(ActorCell* a) {
  std::lock_guard lock(lock_);
  std::vector<ActorAddress> out;
  for (ActorCell* c = a->children_.front(); c != nullptr; c = Children::next(c)) out.emplace_back(c);
  // With no children there is nothing to wait for and no guard (the caller
  // must not call release_guard then), and no side state is needed.
  // +1: the caller's guard.
  if (!out.empty()) side_of(*a).children_pending = out.size() + 1;
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
  for (ActorCell* a = order_.back(); a != nullptr; a = Order::prev(a)) out.emplace_back(a);
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
  for (ActorCell* a = order_.front(); a != nullptr; a = Order::next(a)) {
    index.emplace(a, out.size());
    out.push_back(FamilyEntry{ActorAddress(a), 0, 0});
  }
  for (ActorCell* a = order_.front(); a != nullptr; a = Order::next(a)) {
    FamilyEntry& parent = out[index.at(a)];
    for (ActorCell* c = a->children_.front(); c != nullptr; c = Children::next(c)) {
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
