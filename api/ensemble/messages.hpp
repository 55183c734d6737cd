// ensemble/messages.hpp: the runtime's own message types and result records,
// named and defaulted as in spark.
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ensemble/address.hpp>
#include <ensemble/message.hpp>
#include <ensemble/payload.hpp>

namespace ensemble {

// What Actor::schedule_after delivers, with no sender.
struct ENSEMBLE_API WakeupMessage {
  std::chrono::nanoseconds delay{};
  Payload payload;
};

// What Actor::watch delivers, with no sender: one fd per message, in
// ready_read or ready_write. Level-triggered, one report in flight: the next
// report of the same fd and direction comes once this message (and every
// copy of it) is gone, if the fd is still ready then; so a slow handler is
// never flooded, and an fd left unread is reported again.
struct ENSEMBLE_API WatchMessage {
  std::vector<int> ready_read;
  std::vector<int> ready_write;
  // spark's field: the fds whose wait failed (the watch of that fd ends;
  // watch them again to retry). spark never fills it.
  std::vector<int> failed;
  // The runtime's: keeps the next report back while this message lives.
  std::shared_ptr<const void> in_flight;
};

// Told to an actor, stops it (never reaches process()).
struct ENSEMBLE_API ActorExitRequest {
  std::string reason = "actor requested to exit";
};

// Sent by a stopped child to its parent, with the child as sender.
struct ENSEMBLE_API ChildActorExited {
  ActorAddress child;
  std::string reason = "child actor exited";
};

// Told to the parent of a process-mode actor (Execution::process) each time
// its worker process died and was replaced; the actor goes on with its next
// message. `reason` is the dead letter's ("executor crashed: killed by signal
// 9"); `crashes` counts the crashes in the current window (docs/executors.md).
struct ENSEMBLE_API ExecutorCrashed {
  ActorAddress actor;
  std::string reason;
  std::size_t crashes = 0;
};

// Asked of an actor: answered with ActorStatus. Asked of the syndicate (or told
// to an inbox): answered with SystemStatus.
struct ENSEMBLE_API StatusRequest {};

struct ENSEMBLE_API ActorStatus {
  std::string actor_class;    // the C++ class name, demangled
  std::string actor_address;  // ActorAddress::to_string()
};

struct ENSEMBLE_API SystemStatus {
  std::string name;
  // The execution backend, by spark's names: "async-inprocess",
  // "async-hybrid-threaded" or "async-hybrid-process" (SyndicateConfig::backend).
  std::string backend = "async-inprocess";
  std::chrono::nanoseconds uptime{};
  std::size_t workers = 0;
  std::size_t actor_count = 0;
  std::uint64_t dead_letter_count = 0;
  std::size_t pending_wakeups = 0;
  bool shutting_down = false;
};

// The answer of every tell: delivered, or why not (the message then became a
// dead letter with the same reason). The reason is one of the constants in
// `reasons` below, so a result is three words and building one on the hot
// path costs nothing; empty when delivered. Code that builds a DeliveryResult
// itself must point `reason` at storage that outlives the result (a literal
// or one of `reasons`), not at a temporary std::string.
struct ENSEMBLE_API DeliveryResult {
  bool success = true;
  std::string_view reason;
  explicit operator bool() const noexcept { return success; }
};

struct ENSEMBLE_API DeadLetter {
  Message message;
  ActorAddress target;
  std::string reason;
  std::chrono::system_clock::time_point timestamp;
};

// spark's format_status: a status answer as text, for logs and consoles.
//   SystemStatus      "Status of Syndicate 'app'" (+ " [IN SHUTDOWN]"), then
//                     one indented line per figure ("  Actors: 2", ...)
//   ActorStatus       "Status of Actor <address>", then "  Class: <class>"
//   ChildActorExited  "EXITING: <child>: <reason>"
//   anything else     "Status Query Response: unknown (<payload type>)"
// Every line ends with '\n'. Remote syndicates will add federation lines.
ENSEMBLE_API std::string format_status(const SystemStatus& status);
ENSEMBLE_API std::string format_status(const ActorStatus& status);
ENSEMBLE_API std::string format_status(const Payload& response);

// The dead-letter reasons, spelled once.
namespace reasons {
// A tell after the syndicate shut down (spark: "system is shut down").
inline constexpr const char* syndicate_shut_down = "system is shut down";
inline constexpr const char* expired = "message expired";
inline constexpr const char* not_found = "target not found";
inline constexpr const char* handler_failed = "handler failed";
inline constexpr const char* parent_stopped = "parent stopped";
inline constexpr const char* actor_stopped = "actor stopped";
// An actor stopped because its syndicate shut down (spark: "system shutdown").
inline constexpr const char* stopped_by_shutdown = "system shutdown";
// The names before 0.3, kept for a release.
[[deprecated("use reasons::syndicate_shut_down")]] inline constexpr const char* shut_down = syndicate_shut_down;
[[deprecated("use reasons::stopped_by_shutdown")]] inline constexpr const char* system_shutdown = stopped_by_shutdown;
inline constexpr const char* pre_start_failed = "pre_start failed";
// The actor's executor could not take it (a thread could not be started).
inline constexpr const char* executor_refused = "executor refused the actor";
// The prefix of a process-mode actor's delivery failures (spark's text).
inline constexpr const char* executor_delivery_failed = "executor delivery failed";
// spark's UnsupportedBackendError text: an address of another syndicate, and
// no remote transport to carry the message.
inline constexpr const char* no_remote_transport = "remote transport is not enabled";
// Remote syndicates (ensemble/remote.hpp): spark's text for an unknown
// syndicate; a peer that cannot be reached or stopped answering; too many
// messages waiting for one peer.
inline constexpr const char* remote_route_not_found = "remote route not found";
inline constexpr const char* remote_peer_down = "remote peer down";
inline constexpr const char* remote_send_queue_full = "remote send queue full";
}  // namespace reasons

}  // namespace ensemble
