// ActorSpec -> actor: the doors of create_actor_from_spec. They live here,
// above the runtime, because the spec decides where the actor runs
// (executors/spec.hpp), and the runtime must not depend on that decision.
#include <ensemble/ensemble.hpp>

#include "executors/spec.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

ActorAddress Syndicate::create_actor_from_spec(const ActorSpec& spec) {
  executors::Placement p = executors::place_actor(spec, *core_);
  return core_->lifecycle().start_actor(detail::ActorStorage{p.actor.release(), false, 0}, nullptr, p.executor,
                                        p.placement());
}

ActorAddress Actor::create_actor_from_spec(const ActorSpec& spec) {
  require_local("create_actor_from_spec");
  executors::Placement p = executors::place_actor(spec, *cell_->core());
  return cell_->core()->lifecycle().start_actor(detail::ActorStorage{p.actor.release(), false, 0}, cell_,
                                                p.executor, p.placement());
}

}  // namespace ensemble
