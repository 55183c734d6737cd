#include "executors/spec.hpp"

#include <string>

#include <ensemble/errors.hpp>

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

std::unique_ptr<Actor> make_actor(const ActorSpec& spec, runtime::SyndicateCore& /*core*/) {
  if (!spec.factory) throw InvalidActorSpecError("ActorSpec has no factory: build it with ActorSpec::of<A>(...)");
  switch (spec.execution) {
    case Execution::inprocess:
    case Execution::system:  // the pool is this syndicate's only backend so far
      break;
    case Execution::thread:
    case Execution::process:
      if (!spec.stateless) {
        throw InvalidActorSpecError(std::string("execution=") + to_string(spec.execution) +
                                    " requires stateless=true");
      }
      throw InvalidActorSpecError(std::string("execution=") + to_string(spec.execution) +
                                  " is not available in this version of ensemble; use inprocess "
                                  "or system (the work-stealing pool)");
  }
  std::unique_ptr<Actor> actor = spec.factory();
  if (!actor) throw InvalidActorSpecError("ActorSpec factory returned no actor");
  return actor;
}

}  // namespace executors
}  // namespace ensemble
