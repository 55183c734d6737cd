// ensemble/spec.hpp: ActorSpec, how to make an actor and where it runs.
//
//     auto spec = ensemble::ActorSpec::of<Worker>(42, "name");
//     spec.execution = ensemble::Execution::system;
//     auto worker = syn.create_actor_from_spec(spec);
#pragma once

#include <ensemble/export.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>

#include <ensemble/actor.hpp>

namespace ensemble {

// Where an actor's handlers run (spark's ActorSpec.execution).
enum class Execution {
  inprocess,  // the work-stealing pool (the default; the design card's "inline")
  thread,     // a thread of its own: its handlers may block (docs/executors.md)
  process,    // a worker process: stateless, registered actor types (ensemble/process.hpp)
  system,     // what the syndicate's backend names (SyndicateConfig::backend)
  // The caller's oneTBB arena, attached with ensemble::attach_tbb_arena
  // (ensemble/tbb.hpp): activations run as tasks of that arena, so a handler
  // calling tbb::parallel_for shares its threads. InvalidActorSpecError if
  // none is attached.
  tbb_arena,
};

ENSEMBLE_API const char* to_string(Execution e) noexcept;

struct ENSEMBLE_API ActorSpec {
  // Makes the actor: spark's actor_class with its args and kwargs, in one call.
  // Build it with of<A>(args...), which also records A's handler table.
  std::function<std::unique_ptr<Actor>()> factory;
  Execution execution = Execution::inprocess;
  bool stateless = false;
  // Execution::thread only: pin the actor's thread to this core (0-based,
  // physical cores as hwloc counts those the process may use); -1 leaves it
  // to the kernel. A core that does not exist is an InvalidActorSpecError
  // from create_actor_from_spec.
  int core = -1;
  std::map<std::string, std::string> requirements;
  // Filled by of<A>(...): the actor's type, and whether constructor arguments
  // were given. Execution::process looks the type up among the registered
  // ones (ensemble::register_actor) and makes it in the worker with no
  // arguments, so arguments are refused there.
  const std::type_info* actor_type = nullptr;
  bool has_arguments = false;

  template <class A, class... Args>
  static ActorSpec of(Args... args) {
    static_assert(std::is_base_of_v<Actor, A>, "ActorSpec::of<A>: A must derive from ensemble::Actor");
    ActorSpec spec;
    spec.factory = [... captured = std::move(args)]() -> std::unique_ptr<Actor> {
      auto actor = std::make_unique<A>(captured...);
      detail::bind_actor_type<A>(*actor);
      return actor;
    };
    spec.actor_type = &typeid(A);
    spec.has_arguments = sizeof...(Args) != 0;
    return spec;
  }
};

}  // namespace ensemble
