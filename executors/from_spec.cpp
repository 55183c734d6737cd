// ActorSpec -> actor: the doors of create_actor_from_spec. They live here,
// above the runtime, because the spec decides where the actor runs
// (executors/spec.hpp), and the runtime must not depend on that decision.
#include <ensemble/ensemble.hpp>

#include "executors/spec.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

ActorAddress Syndicate::create_actor_from_spec(const ActorSpec& spec) {
  return core_->lifecycle().start_actor(detail::ActorStorage{executors::make_actor(spec, *core_).release(), false, 0},
                            nullptr);
}

ActorAddress Actor::create_actor_from_spec(const ActorSpec& spec) {
  require_started("create_actor_from_spec");
  return adopt_child(detail::ActorStorage{executors::make_actor(spec, *cell_->core()).release(), false, 0});
}

}  // namespace ensemble
