// ensemble/actor.hpp: the Actor base class's helpers, as doors into its
// cell's core. (Actor::tell lives in runtime/actor/delivery.cpp, beside the
// fast path it inlines.)
#include <ensemble/ensemble.hpp>

#include "runtime/actor/side_state.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

namespace detail {
std::string demangle(const char* mangled);
}

Actor::~Actor() = default;  // the runtime state lives in the cell, which outlives us

ActorAddress Actor::address() const noexcept {
  return cell_ != nullptr ? ActorAddress(cell_) : ActorAddress();
}

ActorAddress Actor::parent() const noexcept {
  return cell_ != nullptr ? cell_->parent_ : ActorAddress();
}

std::string Actor::class_name() const {
  return detail::demangle(type_ != nullptr ? type_->type->name() : typeid(*this).name());
}

void Actor::not_started(const char* api) const {
  throw ActorNotStartedError(std::string(api) + " needs a started actor (" + class_name() +
                             " is not started yet; helpers work from pre_start on)");
}

void Actor::require_local(const char* api) const {
  require_started(api);
  if (cell_->has_flag(detail::flag_in_worker)) [[unlikely]] {
    throw ExecutorError(std::string("executor actors do not support ") + api +
                        "; use an in-process actor (Execution::inprocess or Execution::thread) for that");
  }
}

AskOperation Actor::ask(Payload payload, const ActorAddress& target,
                        std::chrono::nanoseconds timeout) {
  require_local("ask");
  return AskOperation(cell_->core(), target, std::move(payload), timeout);
}

ActorAddress Actor::adopt_child(detail::ActorStorage storage) {
  try {
    require_local("create_actor");
  } catch (...) {
    // The object was made for us: it is ours to destroy.
    if (storage.in_block) {
      const std::size_t align = storage.align;
      void* memory = storage.object;
      storage.object->~Actor();
      detail::free_actor_block(memory, align);
    } else {
      delete storage.object;
    }
    throw;
  }
  return cell_->core()->lifecycle().start_actor(storage, cell_);
}

void Actor::schedule_after(std::chrono::nanoseconds delay, Payload payload) {
  require_local("schedule_after");
  cell_->core()->wakeups().schedule(cell_, delay, std::move(payload));
}

void Actor::stop() {
  require_local("stop");
  cell_->core()->lifecycle().request_stop(cell_, reasons::actor_stopped, runtime::StopMode::notify_parent);
}

void Actor::syndicate_shutdown() {
  require_local("syndicate_shutdown");
  cell_->core()->shutdown();
}

Syndicate& Actor::syndicate() const {
  require_local("syndicate");
  return *cell_->core()->owner;
}

}  // namespace ensemble
