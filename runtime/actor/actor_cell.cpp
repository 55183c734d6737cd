#include "runtime/actor/actor_cell.hpp"

#include "runtime/actor/side_state.hpp"

namespace ensemble {
namespace detail {

void* allocate_actor_block(std::size_t size, std::size_t align) {
  void* block = ::operator new(runtime::ActorCell::object_offset(align) + size);
  return static_cast<char*>(block) + runtime::ActorCell::object_offset(align);
}

void free_actor_block(void* object, std::size_t align) noexcept {
  ::operator delete(static_cast<char*>(object) - runtime::ActorCell::object_offset(align));
}

}  // namespace detail

namespace runtime {

ActorCell::ActorCell(SyndicateCore* core, std::uint64_t id, detail::ActorStorage storage) noexcept
    : Cell(detail::CellKind::actor, core, id),
      type_(storage.object->type_),
      object_(storage.object),
      object_in_block_(storage.in_block) {}

ActorCell::~ActorCell() {
  destroy_object();  // an actor never started (a failed start) still has one
  // acquire: pairs with side_of's release CAS.
  delete side_.load(std::memory_order_acquire);
}

void ActorCell::destroy_object() noexcept {
  Actor* object = std::exchange(object_, nullptr);
  if (object == nullptr) return;
  if (object_in_block_) {
    object->~Actor();  // the block is freed with the cell
  } else {
    delete object;
  }
}

}  // namespace runtime
}  // namespace ensemble
