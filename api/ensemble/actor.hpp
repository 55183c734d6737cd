// ensemble/actor.hpp: Actor, the base class of user actors.
//
// Derive from Actor and give your class a process(Message&) member. Its return
// type decides what happens next:
//   void            handled; no reply.
//   any value T     told back to the message's sender, if it has one (spark's
//                   auto-reply). Payload and std::optional<T> reply only when
//                   they hold a value.
//   Task<> / Task<T> a coroutine: it may co_await ask(...), task::sleep,
//                   joins and other Tasks without blocking its worker;
//                   Task<T>'s value is the reply. It runs as a task on the
//                   actor's strand: the actor handles its next message once
//                   the task finishes, while the tasks it forked (and wake-ups
//                   for them) go on running on the same strand.
//
// An actor handles one message at a time, in the order each sender sent them,
// and everything a sender wrote before telling is visible to the handler.
// A handler that throws becomes a dead letter "handler failed: <what>" and
// stops the actor with reason "handler failed".
//
// The helpers (tell, ask, create_actor, schedule_after, stop, ...) work once
// the actor is started; used earlier (in the constructor, say) they throw
// ActorNotStartedError.
//
// Lifetime: the syndicate owns the actor object and destroys it right after the
// actor stops (post_stop, then the destructor), even while addresses to it
// remain: those still work, and what is told to a stopped actor becomes a dead
// letter "target not found". So actors that keep each other's addresses (a
// ring, peers) are freed when they stop.
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <cstddef>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <ensemble/address.hpp>
#include <ensemble/ask.hpp>
#include <ensemble/errors.hpp>
#include <ensemble/message.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/task.hpp>

namespace ensemble {

class Actor;
class Syndicate;
struct ActorSpec;

namespace runtime {
class SyndicateCore;
struct CoreAccess;
class ActorCell;
class Lifecycle;
}  // namespace runtime

namespace detail {

// What a handler produced: a reply to send now, or a coroutine to drive.
// Filled by dispatch only when it returns true: `task` always then, `finish`
// and `promise` when `task` is set. The three have no initialisers on purpose:
// a void handler (the hot path) leaves the result alone, and zeroing them per
// message cost three stores (docs/performance.md).
struct DispatchResult {
  Payload reply;
  void* task;  // the handler's coroutine frame (coroutine_handle<>::address()), or null
  // Takes a finished task's value as the reply (rethrows its exception).
  Payload (*finish)(std::coroutine_handle<>);
  PromiseBase* promise;  // the task's root frame
};

struct ActorType {
  const std::type_info* type;
  // Runs the handler; true when it left something in `out` (a reply or a
  // task). A plain void handler returns false and `out` is not touched, so
  // the hot path builds no result.
  bool (*dispatch)(Actor&, Message&, DispatchResult& out);
};

template <class>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

template <class R>
Payload to_reply(R&& r) {
  using V = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<V, Payload>) {
    return std::move(r);
  } else if constexpr (is_optional_v<V>) {
    if (!r.has_value()) return {};
    return Payload(std::move(*r));
  } else {
    return Payload(std::forward<R>(r));
  }
}

template <class P, class T>
Payload finish_task(std::coroutine_handle<> h) {
  auto typed = std::coroutine_handle<P>::from_address(h.address());
  if constexpr (std::is_void_v<T>) {
    typed.promise().take_result();
    return {};
  } else {
    return to_reply(typed.promise().take_result());
  }
}

template <class A>
bool dispatch_to(Actor& self, Message& m, DispatchResult& out) {
  A& actor = static_cast<A&>(self);
  using R = decltype(actor.process(m));
  if constexpr (std::is_void_v<R>) {
    actor.process(m);
    return false;
  } else if constexpr (is_task_v<std::remove_cvref_t<R>>) {
    using T = typename std::remove_cvref_t<R>::value_type;
    using P = typename std::remove_cvref_t<R>::promise_type;
    auto h = actor.process(m).release();
    out.task = h.address();
    out.finish = &finish_task<P, T>;
    out.promise = &h.promise();
    return true;
  } else {
    out.reply = to_reply(actor.process(m));
    out.task = nullptr;
    return true;
  }
}

template <class A>
inline constexpr ActorType actor_type_of{&typeid(A), &dispatch_to<A>};

template <class A>
void bind_actor_type(A& actor) noexcept;

// Internal: lets the runtime give an actor another handler table (the
// stand-in of a process-mode actor reports the user's class).
struct ActorTypeAccess;

// An actor object and how it was made. create_actor places the object in the
// same block as its runtime cell (one allocation per actor); start_actor and
// ActorSpec factories hand over objects made with new.
struct ActorStorage {
  Actor* object = nullptr;
  bool in_block = false;   // placed right after its cell's space
  std::size_t align = 0;   // the object's alignment, when in_block
};

// Space for an actor object of `size` bytes placed after its cell (runtime).
ENSEMBLE_API void* allocate_actor_block(std::size_t size, std::size_t align);
ENSEMBLE_API void free_actor_block(void* object, std::size_t align) noexcept;

template <class A, class... Args>
ActorStorage make_actor_storage(Args&&... args);

}  // namespace detail

class ENSEMBLE_API Actor {
 public:
  Actor() noexcept = default;
  virtual ~Actor();
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  // Hooks. pre_start runs before the first message, on the creating thread; if
  // it throws, the actor is stopped and create_actor rethrows the error.
  // post_stop runs once, after the children stopped and the wake-ups were
  // cancelled; the destructor follows it.
  virtual void pre_start() {}
  virtual void post_stop() {}

  // This actor's address; empty before the actor starts.
  ActorAddress address() const noexcept;
  // The parent's address; empty for actors created by the syndicate itself.
  ActorAddress parent() const noexcept;
  bool started() const noexcept { return cell_ != nullptr; }
  // The demangled class name (what ActorStatus reports).
  std::string class_name() const;

 protected:
  // Tells `payload` to `target`, with this actor as the sender.
  DeliveryResult tell(Payload payload, const ActorAddress& target);
  // Asks `target`; co_await it from a Task handler.
  AskOperation ask(Payload payload, const ActorAddress& target,
                   std::chrono::nanoseconds timeout = default_ask_timeout);
  // The same for any value. On g++ 12 an rvalue aggregate with a destructor
  // (a struct built with braces) is refused: `co_await ask(Note{...}, peer)`
  // would destroy the Note twice (see message_safe_in_await_v in
  // <ensemble/task.hpp>).
  template <class V>
    requires(!std::is_same_v<std::remove_cvref_t<V>, Payload>)
  AskOperation ask(V&& payload, const ActorAddress& target,
                   std::chrono::nanoseconds timeout = default_ask_timeout) {
    static_assert(detail::message_safe_in_await_v<V>,
                  "g++ 12 destroys a message built with braces inside a co_await expression twice "
                  "(memory corruption). Build it first and ask with the name: `Note n{...}; "
                  "co_await ask(n, peer);` (it is copied), or give the message type a constructor");
    return ask(Payload(std::forward<V>(payload)), target, timeout);
  }
  // Creates a child actor: it stops when this actor stops.
  template <class A, class... Args>
  ActorAddress create_actor(Args&&... args);
  ActorAddress create_actor_from_spec(const ActorSpec& spec);
  // Delivers WakeupMessage{delay, payload} to this actor after `delay`
  // (negative: at once). Cancelled when the actor stops.
  void schedule_after(std::chrono::nanoseconds delay, Payload payload = {});
  // spark's watch: this actor is told WatchMessage when an fd is ready to
  // read (an fd in `read`) or to write (in `write`), on the syndicate's I/O
  // thread (messages.hpp says when the next report comes). Replaces the
  // actor's watched set; watch({}) clears it; the watches end when the actor
  // stops. The fds stay the caller's: never closed here, but unwatch one
  // before closing it (a closed fd is never reported again, and its number
  // may be reused). Throws InvalidArgument for a negative fd or one another
  // actor watches ("fd N already watched by actor ..."), leaving the set as
  // it was; ExecutorError in a process-mode actor.
  void watch(std::vector<int> read, std::vector<int> write = {});
  // Stops this actor once the current message is handled.
  void stop();
  // Shuts the whole syndicate down (asynchronously, from a handler).
  void syndicate_shutdown();
  Syndicate& syndicate() const;

 private:
  friend class runtime::Lifecycle;
  friend class runtime::ActorCell;
  template <class A>
  friend void detail::bind_actor_type(A&) noexcept;
  friend struct detail::ActorTypeAccess;

  void require_started(const char* api) const {
    if (cell_ == nullptr) [[unlikely]] not_started(api);
  }
  [[noreturn]] void not_started(const char* api) const;
  // Started, and not an actor of a worker process (Execution::process), which
  // has only tell, reply, address and parent (spark's executor actors).
  void require_local(const char* api) const;
  ActorAddress adopt_child(detail::ActorStorage storage);

  const detail::ActorType* type_ = nullptr;
  runtime::ActorCell* cell_ = nullptr;  // set once, when the actor starts
};

namespace detail {
template <class A>
void bind_actor_type(A& actor) noexcept {
  static_assert(std::is_base_of_v<Actor, A>, "actors derive from ensemble::Actor");
  static_assert(requires(A& a, Message& m) { a.process(m); },
                "an actor class needs a member process(ensemble::Message&)");
  if (actor.type_ == nullptr) actor.type_ = &actor_type_of<A>;  // ActorSpec::of bound it already
}

template <class A, class... Args>
ActorStorage make_actor_storage(Args&&... args) {
  if constexpr (alignof(A) > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    A* a = new A(std::forward<Args>(args)...);
    bind_actor_type<A>(*a);
    return {a, false, 0};
  } else {
    void* memory = allocate_actor_block(sizeof(A), alignof(A));
    A* a;
    try {
      a = ::new (memory) A(std::forward<Args>(args)...);
    } catch (...) {
      free_actor_block(memory, alignof(A));
      throw;
    }
    bind_actor_type<A>(*a);
    return {a, true, alignof(A)};
  }
}
}  // namespace detail

template <class A, class... Args>
ActorAddress Actor::create_actor(Args&&... args) {
  require_started("create_actor");
  return adopt_child(detail::make_actor_storage<A>(std::forward<Args>(args)...));
}

}  // namespace ensemble
