#include "executors/spec.hpp"

#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/syndicate.hpp>

#include "runtime/core/syndicate_core.hpp"
#include "runtime/sched/topology.hpp"

namespace ensemble {

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
      break;
    default:
      throw InvalidActorSpecError("ActorSpec::execution = " + std::to_string(static_cast<int>(spec.execution)) +
                                  " is not an execution mode (inprocess, thread, process, system)");
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
    throw InvalidActorSpecError(
        "execution=process is not available in this version of ensemble; use inprocess, thread, or system "
        "with a backend other than process");
  }
  p.actor = spec.factory();
  if (!p.actor) throw InvalidActorSpecError("ActorSpec factory returned no actor");
  if (p.execution == Execution::thread) {
    p.executor = core.shared_executor(ThreadLanes::key,
                                      [&] { return std::make_unique<ThreadLanes>(core.run_loop().runner()); });
  }
  return p;
}

}  // namespace executors
}  // namespace ensemble
