// Internal: turns an ActorSpec into an actor ready to start, deciding where it
// runs. Today every actor runs on the work-stealing pool; the dedicated-thread
// and forked-process executors are future work, and asking for them is a clear
// InvalidActorSpecError rather than a silent fallback.
#pragma once

#include <memory>

#include <ensemble/actor.hpp>
#include <ensemble/spec.hpp>

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::executors {

std::unique_ptr<Actor> make_actor(const ActorSpec& spec, runtime::SyndicateCore& core);

}  // namespace ensemble::executors
