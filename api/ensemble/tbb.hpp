// ensemble/tbb.hpp (opt-in; needs oneTBB, and a libensemble built with it):
// run actors on a tbb::task_arena the caller already has.
//
// A service that uses oneTBB should not run two pools fighting over the same
// cores: attach its arena, and actors made with Execution::tbb_arena run each
// activation as a task of that arena. A handler that calls tbb::parallel_for
// then shares the arena's threads instead of adding the pool's.
//
//     tbb::task_arena arena(8);
//     ensemble::Syndicate syn("svc");
//     ensemble::attach_tbb_arena(syn, arena);
//     auto spec = ensemble::ActorSpec::of<Renderer>();
//     spec.execution = ensemble::Execution::tbb_arena;
//     auto renderer = syn.create_actor_from_spec(spec);
//
// Semantics are a pool actor's (one message at a time, per-sender FIFO,
// coroutine handlers, the whole actor API). Lifetime: the arena must outlive
// the syndicate's shutdown (which waits for the activations it enqueued).
// Thread safety: attach_tbb_arena may be called from any thread.
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <ensemble/export.hpp>
#include <ensemble/syndicate.hpp>

namespace ensemble {

// Attaches `arena` to `syn` (once: attaching the same arena again does
// nothing, another arena is a SyndicateError, as is a shut-down syndicate).
ENSEMBLE_API void attach_tbb_arena(Syndicate& syn, tbb::task_arena& arena);

}  // namespace ensemble
