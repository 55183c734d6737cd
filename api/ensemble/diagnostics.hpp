// ensemble/diagnostics.hpp: a snapshot of a syndicate and each of its actors
// (spark's diagnostics()), from Syndicate::diagnostics().
//
// The figures are a snapshot, not a consistent cut: each actor is looked at
// once, in creation order, while the others go on running. Values only: a
// snapshot holds no reference into the syndicate and may outlive it.
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ensemble {

struct ENSEMBLE_API ActorDiagnostics {
  std::uint64_t actor_id = 0;               // ActorAddress::id()
  std::optional<std::uint64_t> parent_id;   // empty: made by the syndicate itself
  std::string actor_class;                  // the C++ class name, demangled
  std::size_t child_count = 0;              // live children
  // Messages waiting: queued in the mailbox, plus those held back behind a
  // coroutine handler that is still running; the message being handled is
  // not counted. Empty when the actor stayed inside one handler for the
  // whole of diagnostics()'s wait (its queue can only be counted between
  // messages: see Syndicate::diagnostics).
  std::optional<std::size_t> mailbox_depth;
  bool running = false;   // started, and no stop requested
  bool stopped = false;   // a stop was requested or has finished
  bool scheduled = false; // its token was held: queued on a worker or handling mail
};

struct ENSEMBLE_API RuntimeDiagnostics {
  std::string syndicate_id;                 // the id in this syndicate's addresses
  std::string backend_type = "async-inprocess";  // as SystemStatus::backend
  std::size_t actor_count = 0;              // == actors.size()
  std::size_t external_inbox_count = 0;     // open endpoints (the system inbox not counted)
  std::uint64_t dead_letter_count = 0;
  std::vector<ActorDiagnostics> actors;     // in creation order
};

}  // namespace ensemble
