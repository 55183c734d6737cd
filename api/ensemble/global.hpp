// ensemble/global.hpp: spark's global syndicate, for quick programs.
//
//     #include <ensemble/global.hpp>
//     auto greeter = ensemble::global_syndicate().create_actor<Greeter>();
//     ensemble::tell(std::string("hello"));        // to the global syndicate's inbox
//     auto next = ensemble::global_syndicate().receive(std::chrono::seconds(1));
//
// One syndicate per process, made on first use and shut down when the process
// exits (or by shutdown_global_syndicate(); the next use then makes a new
// one, with a new id). Asking for it with a name or configuration other than
// the one it was made with is a SyndicateError, as in spark.
//
// Thread safety: every function here may be called from any thread. A
// reference returned by global_syndicate() stays valid until the process
// exits, also after that syndicate was shut down (it is then "stale": its
// tells fail with "system is shut down", as any shut-down syndicate's do).
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <string>

#include <ensemble/ask.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/syndicate.hpp>

namespace ensemble {

// The global syndicate, made with the default name and configuration if
// there is none (or the last one was shut down).
ENSEMBLE_API Syndicate& global_syndicate();
// The same, made with `name` and `config`; if one exists, it must have been
// made with both (SyndicateError otherwise).
ENSEMBLE_API Syndicate& global_syndicate(const std::string& name, const SyndicateConfig& config = {});
// The live global syndicate, or null; never makes one.
ENSEMBLE_API Syndicate* existing_global_syndicate() noexcept;
// Shuts the global syndicate down (if there is a live one) and waits for it.
ENSEMBLE_API void shutdown_global_syndicate();

// spark's single-argument tell and ask: to the global syndicate's inbox,
// made if needed (receive() or listen() on global_syndicate() reads it).
ENSEMBLE_API DeliveryResult tell(Payload payload);
ENSEMBLE_API AskOperation ask(Payload payload, std::chrono::nanoseconds timeout = default_ask_timeout);

}  // namespace ensemble
