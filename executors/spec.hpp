// Internal: turns an ActorSpec into an actor ready to start and decides where
// it runs: the pool (inprocess), a thread of its own (thread: the syndicate's
// ThreadLanes executor), or, for system, what the syndicate's backend names.
// process: a stand-in on a thread lane that forwards to a worker process
// (executors/process/process_proxy.hpp).
#pragma once

#include <cstdint>
#include <memory>

#include <ensemble/actor.hpp>
#include <ensemble/spec.hpp>
#include <ensemble/syndicate.hpp>

#include "executors/thread_lanes.hpp"

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::executors {

// Where an actor made from a spec goes: lifecycle().start_actor(storage,
// parent, executor, placement()).
struct Placement {
  std::unique_ptr<Actor> actor;
  Execution execution = Execution::inprocess;  // resolved: never system
  std::uint8_t executor = 0;                   // 0: the pool
  ThreadPlacement thread;
  // A process-mode actor's stand-in runs on a thread lane too.
  const void* placement() const noexcept {
    return execution == Execution::thread || execution == Execution::process ? &thread : nullptr;
  }
};

// The key of the oneTBB arena executor (executors/tbb_arena.hpp), which is
// built only when oneTBB is found.
inline constexpr const char* tbb_arena_key = "tbb-arena";

// What Execution::system means under `backend`.
Execution resolve(Execution execution, Backend backend) noexcept;

// Validates the spec (throws InvalidActorSpecError), makes the actor and
// finds (or makes) its executor.
Placement place_actor(const ActorSpec& spec, runtime::SyndicateCore& core);

}  // namespace ensemble::executors
