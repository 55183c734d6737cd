// ensemble/actor.hpp: Actor, the base class of user actors.
//
// Derive from Actor and give your class a process(Message&) member. Its return
// type decides what happens next:
//   void            handled; no reply.
//   any value T     told back to the message's sender, if it has one (spark's
//                   auto-reply). Payload and std::optional<T> reply only when
//                   they hold a value.
//   Task<> / Task<T> a coroutine: it may co_await ask(...) and other Tasks
//                   without blocking its worker; Task<T>'s value is the reply.
//
// An actor handles one message at a time, in the order each sender sent them,
// and everything a sender wrote before telling is visible to the handler.
// A handler that throws becomes a dead letter "handler failed: <what>" and
// stops the actor with reason "handler failed".
//
// The helpers (tell, ask, create_actor, schedule_after, stop, ...) work once
// the actor is started; used earlier (in the constructor, say) they throw
// ActorNotStartedError.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <ensemble/address.hpp>
#include <ensemble/ask.hpp>
#include <ensemble/detail/cell.hpp>
#include <ensemble/errors.hpp>
#include <ensemble/message.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/task.hpp>

namespace ensemble {

class Actor;
struct ActorSpec;

namespace runtime {
struct HandlerState;
struct WakeupTimer;
class Registry;
HandlerState& side_of(Actor& a);
}  // namespace runtime

namespace detail {

// What a handler produced: a reply to send now, or a coroutine to drive.
struct DispatchResult {
  Payload reply;
  std::coroutine_handle<> task;
  // Takes a finished task's value as the reply (rethrows its exception).
  Payload (*finish)(std::coroutine_handle<>) = nullptr;
};

struct ActorType {
  const std::type_info* type;
  DispatchResult (*dispatch)(Actor&, Message&);
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

template <class T>
Payload finish_task(std::coroutine_handle<> h) {
  auto typed = std::coroutine_handle<TaskPromise<T>>::from_address(h.address());
  if constexpr (std::is_void_v<T>) {
    typed.promise().take_result();
    return {};
  } else {
    return to_reply(typed.promise().take_result());
  }
}

template <class A>
DispatchResult dispatch_to(Actor& self, Message& m) {
  A& actor = static_cast<A&>(self);
  using R = decltype(actor.process(m));
  if constexpr (std::is_void_v<R>) {
    actor.process(m);
    return {};
  } else if constexpr (is_task_v<std::remove_cvref_t<R>>) {
    using T = typename std::remove_cvref_t<R>::value_type;
    return DispatchResult{{}, actor.process(m).release(), &finish_task<T>};
  } else {
    return DispatchResult{to_reply(actor.process(m)), {}, nullptr};
  }
}

template <class A>
inline constexpr ActorType actor_type_of{&typeid(A), &dispatch_to<A>};

template <class A>
void bind_actor_type(A& actor) noexcept;

}  // namespace detail

class Actor : public detail::Cell {
 public:
  Actor() noexcept : Cell(detail::CellKind::actor) {}
  ~Actor() override;

  // Hooks. pre_start runs before the first message, on the creating thread; if
  // it throws, the actor is stopped and create_actor rethrows the error.
  // post_stop runs once, after the children stopped and the wake-ups were
  // cancelled.
  virtual void pre_start() {}
  virtual void post_stop() {}

  // This actor's address; empty before the actor starts.
  ActorAddress address() const noexcept;
  // The parent's address; empty for actors created by the syndicate itself.
  const ActorAddress& parent() const noexcept { return parent_; }
  bool started() const noexcept { return has_flag(detail::flag_started); }
  // The demangled class name (what ActorStatus reports).
  std::string class_name() const;

 protected:
  // Tells `payload` to `target`, with this actor as the sender.
  DeliveryResult tell(Payload payload, const ActorAddress& target);
  // Asks `target`; co_await it from a Task handler.
  AskOperation ask(Payload payload, const ActorAddress& target,
                   std::chrono::nanoseconds timeout = default_ask_timeout);
  // Creates a child actor: it stops when this actor stops.
  template <class A, class... Args>
  ActorAddress create_actor(Args&&... args);
  ActorAddress create_actor_from_spec(const ActorSpec& spec);
  // Delivers WakeupMessage{delay, payload} to this actor after `delay`
  // (negative: at once). Cancelled when the actor stops.
  void schedule_after(std::chrono::nanoseconds delay, Payload payload = {});
  // Stops this actor once the current message is handled.
  void stop();
  // Shuts the whole syndicate down (asynchronously, from a handler).
  void syndicate_shutdown();
  Syndicate& syndicate() const;

 private:
  friend class runtime::SyndicateCore;
  friend class runtime::Registry;
  friend runtime::HandlerState& runtime::side_of(Actor& a);
  friend class ensemble::Syndicate;
  template <class A>
  friend void detail::bind_actor_type(A&) noexcept;

  void require_started(const char* api) const;
  ActorAddress adopt_child(std::unique_ptr<Actor> child);

  const detail::ActorType* type_ = nullptr;
  ActorAddress parent_;
  // Registry links (creation order) and the child list; guarded by the
  // registry's lock.
  Actor* reg_prev_ = nullptr;
  Actor* reg_next_ = nullptr;
  Actor* first_child_ = nullptr;
  Actor* next_sibling_ = nullptr;
  Actor* prev_sibling_ = nullptr;
  // Side state, allocated on first use: a suspended coroutine handler, the
  // pending wake-ups, the stop reason.
  std::atomic<runtime::HandlerState*> side_{nullptr};
};

namespace detail {
template <class A>
void bind_actor_type(A& actor) noexcept {
  static_assert(std::is_base_of_v<Actor, A>, "actors derive from ensemble::Actor");
  static_assert(requires(A& a, Message& m) { a.process(m); },
                "an actor class needs a member process(ensemble::Message&)");
  if (actor.type_ == nullptr) actor.type_ = &actor_type_of<A>;  // ActorSpec::of bound it already
}
}  // namespace detail

template <class A, class... Args>
ActorAddress Actor::create_actor(Args&&... args) {
  require_started("create_actor");
  auto child = std::make_unique<A>(std::forward<Args>(args)...);
  detail::bind_actor_type<A>(*child);
  return adopt_child(std::move(child));
}

}  // namespace ensemble
