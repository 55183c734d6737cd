// Internal: the runtime side of an actor.
//
// An ActorCell holds everything the runtime needs to run an actor: its
// mailbox (and so its token), its reference count and flags, its place in the
// registry and among its parent's children, its side state, and a pointer to
// the user's Actor object. The cell is what addresses point to; the object is
// destroyed when the actor stops (finish_stop), the cell when the last
// reference goes.
//
// Memory: create_actor<A> allocates one block, the cell first and the A object
// right after it (make_actor_storage / allocate_actor_block), so an actor
// costs one allocation. Objects handed over as unique_ptr (start_actor,
// ActorSpec factories) live in their own allocation and are deleted instead.
//
// Concurrency: fields marked [token] are used only by the thread holding the
// mailbox token; [registry] only under the registry's mutex; side_ is
// published once (CAS) and then read freely.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <ensemble/actor.hpp>
#include <ensemble/address.hpp>
#include <ensemble/detail/cell.hpp>

#include "runtime/actor/mailbox.hpp"
#include "runtime/base/intrusive_list.hpp"

namespace ensemble::runtime {

struct SideState;

class ActorCell final : public detail::Cell {
 public:
  // Cells are freed with ::operator delete whether they head a block or stand
  // alone (the block was allocated with ::operator new at the cell's address).
  static void* operator new(std::size_t size) { return ::operator new(size); }
  static void* operator new(std::size_t, void* at) noexcept { return at; }
  static void operator delete(void* p) noexcept { ::operator delete(p); }

  ActorCell(SyndicateCore* core, std::uint64_t id, detail::ActorStorage storage) noexcept;
  ~ActorCell() override;

  // Where an object of alignment `align` starts in a block headed by a cell.
  static constexpr std::size_t object_offset(std::size_t align) noexcept {
    return (sizeof(ActorCell) + align - 1) / align * align;
  }

  Mailbox& mailbox() noexcept { return mailbox_; }
  // The user's object; null once the actor stopped. [token]
  Actor* object() const noexcept { return object_; }
  const detail::ActorType* type() const noexcept { return type_; }
  // Runs the object's destructor (and frees it if it has its own allocation).
  // [token], after post_stop.
  void destroy_object() noexcept;

  ActorAddress address() noexcept { return ActorAddress(this); }

  // Which executor runs this actor (sched/executor.hpp): 0 is the syndicate's
  // pool. Set once, before the actor is first scheduled; a byte that was
  // padding, so the seam costs no memory.
  std::uint8_t executor_index() const noexcept { return executor_index_; }
  void set_executor_index(std::uint8_t i) noexcept { executor_index_ = i; }

  ActorAddress parent_;                 // [token] dropped when the actor stops
  ListHook<ActorCell> registry_hook_;   // [registry] creation order
  ListHook<ActorCell> sibling_hook_;    // [registry] among the parent's children
  // [registry] this actor's children, newest first (head only: 8 bytes).
  IntrusiveList<ActorCell, &ActorCell::sibling_hook_, false> children_;
  std::atomic<SideState*> side_{nullptr};

 private:
  Mailbox mailbox_;
  const detail::ActorType* type_;
  Actor* object_;
  bool object_in_block_;
  std::uint8_t executor_index_ = 0;
};

}  // namespace ensemble::runtime
