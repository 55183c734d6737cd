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

AskOperation Actor::ask(Payload payload, const ActorAddress& target,
                        std::chrono::nanoseconds timeout) {
  require_started("ask");
  return AskOperation(cell_->core(), target, std::move(payload), timeout);
}

ActorAddress Actor::adopt_child(detail::ActorStorage storage) {
  return cell_->core()->lifecycle().start_actor(storage, cell_);
}

void Actor::schedule_after(std::chrono::nanoseconds delay, Payload payload) {
  require_started("schedule_after");
  cell_->core()->wakeups().schedule(cell_, delay, std::move(payload));
}

void Actor::stop() {
  require_started("stop");
  cell_->core()->lifecycle().request_stop(cell_, reasons::actor_stopped, runtime::StopMode::notify_parent);
}

void Actor::syndicate_shutdown() {
  require_started("syndicate_shutdown");
  cell_->core()->shutdown();
}

Syndicate& Actor::syndicate() const {
  require_started("syndicate");
  return *cell_->core()->owner;
}

}  // namespace ensemble
