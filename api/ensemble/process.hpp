// ensemble/process.hpp: actors that run in worker processes (Execution::process).
//
// A process-mode actor's handler runs in a child process, so a crash there (a
// segfault in a C library, an abort, the OOM killer) costs one message, not
// the service. Three steps:
//
//   1. Register each actor type that may run in a worker, under a stable name,
//      and the payload types it receives or sends (ensemble/codec.hpp):
//
//        struct Resize { std::string path; int width; };
//        static const bool resize_registered = ensemble::register_type<Resize>("images.Resize");
//        static const bool resizer_registered = ensemble::register_actor<Resizer>("images.Resizer");
//
//   2. Call serve_worker_if_spawned() first thing in main(): in a worker it
//      serves and exits; in the program itself it returns at once.
//
//        int main() {
//          ensemble::serve_worker_if_spawned();
//          ...
//
//   3. Create it from a spec:
//
//        auto spec = ensemble::ActorSpec::of<Resizer>();
//        spec.execution = ensemble::Execution::process;
//        spec.stateless = true;
//        auto resizer = syn.create_actor_from_spec(spec);
//
// The worker is this program's own binary, started afresh (never a fork of
// the running, multi-threaded process): static initialisers run, main() calls
// serve_worker_if_spawned(), which makes the registered actor and handles the
// messages its stand-in in the parent forwards, one at a time.
//
// What a process actor may do (spark's executor actors, plus replies):
// process(Message&) returning void or a value (the value is the reply); tell
// to the message's sender, to its parent, to itself, and to any address a
// payload brought it (an ActorAddress field crosses both ways, see
// ensemble/codec.hpp); address(), parent(),
// pre_start and post_stop (both run in the worker). ask, create_actor,
// create_actor_from_spec, schedule_after, stop, syndicate_shutdown and
// syndicate() throw ExecutorError ("executor actors do not support ask; ...").
// A coroutine handler (Task) is refused at registration (docs/executors.md).
//
// Thread safety: register_actor may be called from any thread, usually from a
// static initialiser. serve_worker_if_spawned must be called from main()'s
// thread before the program starts threads of its own or a Syndicate.
#pragma once

#include <ensemble/export.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>

#include <ensemble/actor.hpp>
#include <ensemble/task.hpp>

namespace ensemble {

namespace detail {

struct ProcessActorType {
  std::string name;
  const std::type_info* type = nullptr;
  const ActorType* actor_type = nullptr;  // the handler table, for the worker
  std::unique_ptr<Actor> (*make)() = nullptr;
};

// Throws InvalidArgument for a name or a type registered twice.
ENSEMBLE_API void register_process_actor(ProcessActorType entry);

template <class A>
std::unique_ptr<Actor> make_registered_actor() {
  auto actor = std::make_unique<A>();
  bind_actor_type<A>(*actor);
  return actor;
}

}  // namespace detail

// Lets actors of type A run in worker processes, under `name` (the same in
// every build that talks to this one). Returns true, so that it can initialise
// a static. A must be default-constructible and have a synchronous process().
template <class A>
bool register_actor(std::string name) {
  static_assert(std::is_base_of_v<Actor, A>, "register_actor<A>: A must derive from ensemble::Actor");
  static_assert(std::is_default_constructible_v<A>,
                "register_actor<A>: a worker process makes A with no arguments, so A must be "
                "default-constructible");
  static_assert(requires(A& a, Message& m) { a.process(m); },
                "register_actor<A>: A needs a member process(ensemble::Message&)");
  using R = std::remove_cvref_t<decltype(std::declval<A&>().process(std::declval<Message&>()))>;
  static_assert(!detail::is_task_v<R>,
                "register_actor<A>: a process-mode actor's process() must be synchronous (no Task): "
                "it cannot co_await ask or sleep in a worker process");
  detail::register_process_actor(
      detail::ProcessActorType{std::move(name), &typeid(A), &detail::actor_type_of<A>, &detail::make_registered_actor<A>});
  return true;
}

// In a worker process started by ensemble: becomes the worker (makes the
// registered actor, handles its messages) and exits the process when the
// parent stops it or goes away; it never returns. In any other process it
// returns at once. A worker whose main() creates a Syndicate before calling
// this exits with a message on stderr instead (it would otherwise run the
// whole program again), and the parent's create_actor_from_spec says why.
ENSEMBLE_API void serve_worker_if_spawned();

// True in a worker process (from before main() until it exits).
ENSEMBLE_API bool is_worker_process() noexcept;

}  // namespace ensemble
