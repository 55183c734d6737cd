// Internal: the live actors of a syndicate, in creation order, with their
// parent/child links.
//
// One lock guards every link. Creation and stopping take it once each; tells
// never do. It is a ShortLock (runtime/base/short_lock.hpp): the sections are a few
// pointer writes, and a pthread mutex cost ~275 of the ~1950 instructions of
// creating and stopping an actor (tools/count-actor-instructions create). It
// is the place to shard first if actor creation across many cores ever shows
// contention here (docs/performance.md).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include <ensemble/actor.hpp>
#include <ensemble/address.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/base/intrusive_list.hpp"
#include "runtime/base/short_lock.hpp"

namespace ensemble::runtime {

// One live actor and its family, as diagnostics() reports it.
struct FamilyEntry {
  ActorAddress actor;
  std::uint64_t parent_id = 0;  // 0: no parent
  std::size_t child_count = 0;
};

class Registry {
 public:
  // Links `a` at the end of the creation order and under `parent` (may be null).
  void add(ActorCell* a, ActorCell* parent);
  // Unlinks `a`. If its parent is stopping and waiting for its children, counts
  // this one off and returns the parent when it was the last (the caller must
  // then schedule the parent); null otherwise.
  ActorCell* remove(ActorCell* a);
  // The children of `a`, and marks `a` as waiting for all of them (+1 for the
  // caller's own guard, released by release_guard). None: nothing is marked,
  // and the caller takes no guard.
  std::vector<ActorAddress> children_for_stop(ActorCell* a);
  // Drops the caller's guard; true when no child is left to wait for.
  bool release_guard(ActorCell* a);
  // Every live actor, newest first (the shutdown order).
  std::vector<ActorAddress> newest_first();
  // Every live actor, oldest first, with its parent's id and its number of
  // children, all read under one hold of the lock.
  std::vector<FamilyEntry> oldest_first_with_family();
  std::size_t size() const;

 private:
  mutable ShortLock lock_;
  IntrusiveList<ActorCell, &ActorCell::registry_hook_> order_;  // oldest first
  std::size_t size_ = 0;
};

}  // namespace ensemble::runtime
