#include "executors/spec.hpp"

#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/syndicate.hpp>

#include "executors/process/process_proxy.hpp"
#include "executors/process/registry.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "runtime/sched/topology.hpp"

namespace ensemble {

namespace detail {
std::string demangle(const char* mangled);
}

const char* to_string(Execution e) noexcept {
  switch (e) {
    case Execution::inprocess:
      return "inprocess";
    case Execution::thread:
      return "thread";
    case Execution::process:
      return "process";
    case Execution::system:
      return "system";
    case Execution::tbb_arena:
      return "tbb_arena";
  }
  return "unknown";
}

namespace executors {

Execution resolve(Execution execution, Backend backend) noexcept {
  if (execution != Execution::system) return execution;
  switch (backend) {
    case Backend::threaded:
      return Execution::thread;
    case Backend::process:
      return Execution::process;
    case Backend::inprocess:
      break;
  }
  return Execution::inprocess;
}

Placement place_actor(const ActorSpec& spec, runtime::SyndicateCore& core) {
  if (!spec.factory) throw InvalidActorSpecError("ActorSpec has no factory: build it with ActorSpec::of<A>(...)");
  Placement p;
  switch (spec.execution) {
    case Execution::inprocess:
    case Execution::thread:
    case Execution::process:
    case Execution::system:
    case Execution::tbb_arena:
      break;
    default:
      throw InvalidActorSpecError("ActorSpec::execution = " + std::to_string(static_cast<int>(spec.execution)) +
                                  " is not an execution mode (inprocess, thread, process, system, tbb_arena)");
  }
  p.execution = resolve(spec.execution, core.config().backend);
  if (spec.core != -1) {
    if (p.execution != Execution::thread) {
      throw InvalidActorSpecError(std::string("ActorSpec::core pins a thread-mode actor's thread; this spec runs ") +
                                  to_string(p.execution));
    }
    const runtime::Topology& machine = runtime::Topology::machine();
    if (spec.core < 0 || static_cast<std::size_t>(spec.core) >= machine.cores()) {
      throw InvalidActorSpecError("ActorSpec::core = " + std::to_string(spec.core) +
                                  " does not exist: this machine has " + machine.describe() +
                                  " (cores are numbered from 0)");
    }
    p.thread.core = spec.core;
  }
  if (p.execution == Execution::process) {
    if (!spec.stateless) throw InvalidActorSpecError("execution=process requires stateless=true");
    if (spec.actor_type == nullptr) {
      throw InvalidActorSpecError("execution=process needs a spec made with ActorSpec::of<A>(), which names A");
    }
    const process::RegisteredActor* type = process::find_registered(*spec.actor_type);
    if (type == nullptr) {
      throw InvalidActorSpecError("execution=process: " + detail::demangle(spec.actor_type->name()) +
                                  " is not registered for worker processes; register it with "
                                  "ensemble::register_actor<A>(\"a.stable.Name\") (ensemble/process.hpp)");
    }
    if (spec.has_arguments) {
      throw InvalidActorSpecError("execution=process makes " + type->entry.name +
                                  " in the worker with no constructor arguments, and this spec has some; "
                                  "send what it needs in a message instead");
    }
    p.actor = std::make_unique<process::ProcessProxy>(*type);
  } else {
    p.actor = spec.factory();
  }
  if (!p.actor) throw InvalidActorSpecError("ActorSpec factory returned no actor");
  if (p.execution == Execution::tbb_arena) {
    p.executor = core.find_executor(tbb_arena_key);
    if (p.executor == 0) {
      throw InvalidActorSpecError(
          "execution=tbb_arena: no tbb::task_arena is attached to this syndicate; attach one with "
          "ensemble::attach_tbb_arena(syn, arena) (ensemble/tbb.hpp)");
    }
  }
  if (p.execution == Execution::thread || p.execution == Execution::process) {
    p.executor = core.shared_executor(ThreadLanes::key,
                                      [&] { return std::make_unique<ThreadLanes>(core.run_loop().runner()); });
  }
  return p;
}

}  // namespace executors
}  // namespace ensemble
