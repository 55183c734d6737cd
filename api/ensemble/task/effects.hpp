// ensemble/task/effects.hpp: tasks that send messages (actress's effects).
//
//     ensemble::task::Effect<std::string> greet() {
//       co_await task::send(std::string("hello"));
//     }
//     auto fx = task::listen({{"a", greet()}, {"b", greet()}});   // Tagged{"a", "hello"}, ...
//
// A message a task sends travels up through the tasks that await it (each
// task::tag on the way wraps it) to the task that joined its fork, and so on
// up to the root, where it is dropped; task::loop consumes the messages of its
// members and task::capture hands them to a function. A task's message type M
// (Task<T, M>) is checked at compile time where it sends and where it awaits a
// subtask or joins a fork; Payload means "any".
#pragma once

#include <ensemble/export.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ensemble/payload.hpp>
#include <ensemble/task.hpp>

namespace ensemble {
namespace task {

// A message wrapped by task::tag / task::listen: {type, [type]: value} in the
// reference.
struct ENSEMBLE_API Tagged {
  // A constructor, not an aggregate: a Tagged built inside a co_await is then
  // safe on g++ 12 (see message_safe_in_await_v in <ensemble/task.hpp>).
  Tagged() = default;
  Tagged(std::string t, Payload v) noexcept : type(std::move(t)), value(std::move(v)) {}
  std::string type;
  Payload value;
};

}  // namespace task

namespace detail {

struct GroupScope;  // runtime/task/task_strand.hpp

template <class M>
decltype(auto) message_as(Payload& p) {
  if constexpr (std::is_same_v<M, Payload>) {
    return std::move(p);
  } else {
    return std::move(p.get<M>());
  }
}

// GCC_COROUTINE_NOTE: g++ 12 mishandles a temporary that is brace-initialised
// inside a co_await operand in a coroutine body (it may copy it bit by bit
// and destroy it twice). Coroutines here therefore await named awaiters.
//
// Awaits a task as a subtask without the message-type check (the callers
// below transform or consume the messages).
template <class T, class M>
struct Unchecked {
  Task<T, M> task;
  bool await_ready() const noexcept { return !task.valid() || task.done(); }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> awaiting) noexcept {
    auto h = task.handle();
    link_frame(h.promise(), awaiting);
    return run_inline(h);
  }
  T await_resume() {
    if constexpr (std::is_void_v<T>) {
      if (task.valid()) task.handle().promise().take_result();
    } else {
      return task.handle().promise().take_result();
    }
  }
};

// Sets where messages passing the awaiting frame go; never suspends.
struct SetSink {
  const MessageSink* sink;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    h.promise().sink_ = sink;
    return false;
  }
  void await_resume() const noexcept {}
};

template <class Stored>
struct SendAwaiter {
  Stored value;
  PromiseBase* p = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "task::send works inside an ensemble::Task");
    using M = typename P::message_type;
    static_assert(!std::is_same_v<M, task::Never>,
                  "this task sends no messages: declare it Task<T, M> (or Effect<M>) with its message type");
    static_assert(std::is_same_v<M, Payload> || std::is_constructible_v<M, Stored&&>,
                  "the message does not convert to the task's message type M");
    p = &h.promise();
    if constexpr (std::is_same_v<M, Payload>) {
      return task_emit(h.promise(), h, Payload(std::move(value)));
    } else {
      return task_emit(h.promise(), h, Payload(M(std::move(value))));
    }
  }
  void await_resume() const { p->take_injected(); }
};

// task::loop's group, opened from the loop's own frame.
struct LoopOpen {
  LoopNext next;
  void* context;
  TaskGroup* g = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    g = loop_open(h.promise(), next, context);
    return false;
  }
  TaskGroup* await_resume() const noexcept { return g; }
};
struct LoopClose {
  TaskGroup* g;
  ~LoopClose() { loop_close(g); }
};

template <class T, class M>
Task<T, task::Tagged> tagger(Task<T, M> fx, std::unique_ptr<std::string> name) {
  (void)name;  // owned by this frame; the promise's tag_ points at it
  Unchecked<T, M> inner{std::move(fx)};  // named: see GCC_COROUTINE_NOTE below
  co_return co_await inner;
}

template <class T, class M, class F>
Task<T, task::Never> capture_into(Task<T, M> t, F on_message) {
  MessageSink sink{[](void* f, Payload&& m) { (*static_cast<F*>(f))(message_as<M>(m)); }, &on_message};
  co_await SetSink{&sink};
  Unchecked<T, M> inner{std::move(t)};
  co_return co_await inner;
}

}  // namespace detail

namespace task {

// Sends `message` from the running task (the reference's send). On g++ 12 a
// message of an aggregate type with a destructor (a struct without a
// constructor, holding a string, say) cannot be an rvalue here (see
// message_safe_in_await_v in <ensemble/task.hpp>).
template <class V>
auto send(V&& message) {
  static_assert(detail::message_safe_in_await_v<V>,
                "g++ 12 destroys a message built with braces inside a co_await expression twice "
                "(memory corruption). Build it first and send the name: `Note n{...}; co_await "
                "task::send(n);` (it is copied), or give the message type a constructor (a class "
                "with one is not affected)");
  return detail::SendAwaiter<std::decay_t<V>>{std::forward<V>(message)};
}

// The empty effect: sends nothing and finishes at once.
template <class M = Never>
Effect<M> none() noexcept {
  return Effect<M>{};
}
template <class T, class M>
bool is_none(const Task<T, M>& t) noexcept {
  return !t.valid();
}

// An effect of the task's result: runs it, then sends its value. The task's
// own messages pass through.
template <class T, class M>
auto effect(Task<T, M> t) {
  static_assert(!std::is_void_v<T>, "task::effect needs a task that returns a value");
  using Out = std::conditional_t<std::is_same_v<M, Never> || std::is_same_v<M, T>, T, Payload>;
  return [](Task<T, M> inner) -> Effect<Out> {
    detail::Unchecked<T, M> run{std::move(inner)};
    T value = co_await run;
    co_await send(std::move(value));
  }(std::move(t));
}

// Forks every effect and waits for all of them; their messages come out in
// the order they are sent.
template <class M>
Effect<M> batch(std::vector<Effect<M>> fxs) {
  std::vector<detail::NodeRef> forks;
  forks.reserve(fxs.size());
  for (auto& fx : fxs) {
    auto f = co_await task::fork(std::move(fx));
    forks.push_back(f.node_ref());
  }
  detail::GroupAwaiter<M> joined(std::move(forks));
  co_await joined;
}

// An effect of the results of several tasks; none() when there are none.
template <class T>
Effect<T> effects(std::vector<Task<T, Never>> tasks) {
  if (tasks.empty()) return none<T>();
  std::vector<Effect<T>> fxs;
  fxs.reserve(tasks.size());
  for (auto& t : tasks) fxs.push_back(effect(std::move(t)));
  return batch(std::move(fxs));
}

// Wraps every message of `fx` as Tagged{name, message}. none() stays none().
template <class T, class M>
Task<T, Tagged> tag(Task<T, M> fx, std::string name) {
  if (!fx.valid()) return Task<T, Tagged>{};
  auto owned = std::make_unique<std::string>(std::move(name));
  const std::string* tag = owned.get();
  Task<T, Tagged> t = detail::tagger(std::move(fx), std::move(owned));
  t.handle().promise().tag_ = tag;
  return t;
}
// Tagged{type, value} (the reference's withTag).
inline Tagged with_tag(std::string type, Payload value) { return Tagged{std::move(type), std::move(value)}; }

// Merges several effects into one of Tagged messages, each tagged with its
// source's name (in the order the entries are given). Empty effects are skipped.
template <class M>
Effect<Tagged> listen(std::vector<std::pair<std::string, Effect<M>>> sources) {
  std::vector<detail::NodeRef> forks;
  for (auto& [name, fx] : sources) {
    if (is_none(fx)) continue;
    auto f = co_await task::fork(tag(std::move(fx), name));
    forks.push_back(f.node_ref());
  }
  detail::GroupAwaiter<Tagged> joined(std::move(forks));
  co_await joined;
}

namespace detail_loop {
template <class M, class F>
Task<void, Never> run(Effect<M> init, F next) {
  struct Context {
    F next;
    static void on_message(void* self, Payload&& m, detail::TaskGroup& g) {
      auto& c = *static_cast<Context*>(self);
      Effect<M> fx = c.next(detail::message_as<M>(m));
      detail::group_add(g, detail::make_node(std::move(fx), {}, false, false));
    }
  };
  Context context{std::move(next)};
  detail::LoopClose scope{co_await detail::LoopOpen{&Context::on_message, &context}};
  detail::group_add(*scope.g, detail::make_node(std::move(init), {}, false, false));
  for (;;) {
    detail::group_step(*scope.g);
    if (detail::group_empty(*scope.g)) break;
    co_await suspend();
  }
}
}  // namespace detail_loop

// A feedback loop: runs `init`; every message any member sends is consumed and
// next(message) runs as a new member. Finishes when no member is left. On
// g++ 12 `next` must be named if it is a lambda with captures (see
// compiler_breaks_await_temporaries in <ensemble/task.hpp>).
template <class M, class F>
Task<void, Never> loop(Effect<M> init, F&& next) {
  static_assert(detail::callable_safe_in_await_v<F>,
                ENSEMBLE_NAMED_CALLABLE_MESSAGE("task::loop(std::move(init), f);"));
  return detail_loop::run(std::move(init), std::decay_t<F>(std::forward<F>(next)));
}

// Runs `t`, handing each message it sends to on_message instead of passing it
// on (how the tests' inspect() collects a task's mail). On g++ 12
// `on_message` must be named if it is a lambda with captures (see
// compiler_breaks_await_temporaries in <ensemble/task.hpp>):
//     auto collect = [mail](std::string m) { mail->push_back(std::move(m)); };
//     co_await task::capture(worker(), collect);
template <class T, class M, class F>
Task<T, Never> capture(Task<T, M> t, F&& on_message) {
  static_assert(detail::callable_safe_in_await_v<F>,
                ENSEMBLE_NAMED_CALLABLE_MESSAGE("task::capture(std::move(t), f);"));
  return detail::capture_into(std::move(t), std::decay_t<F>(std::forward<F>(on_message)));
}

// "[object TaggedEffect]" for a tagged effect, "[object Task]" otherwise.
template <class T, class M>
std::string to_string(const Task<T, M>& t) {
  return t.valid() && t.handle().promise().tag_ != nullptr ? "[object TaggedEffect]" : "[object Task]";
}

}  // namespace task
}  // namespace ensemble
