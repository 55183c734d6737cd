// ensemble/task.hpp: Task<T, M>, the coroutine type of ensemble.
//
// A Task<T, M> is a lazily started stackless coroutine that returns a T, may
// fail with an exception, and may send messages of type M (task::Never, the
// default, for none; Payload for any). It starts when it is awaited, forked
// (task::fork) or handed to the runtime (task::run, task::spawn, an actor's
// process()). An awaited Task runs inline in its awaiter and, once it has
// suspended, hands control back by symmetric transfer, so a long chain of
// awaits that complete synchronously never grows the stack (run_inline).
// Frames come from the thread's frame pool, not from the global heap on every
// call.
//
//     ensemble::Task<int, std::string> worker(int n) {
//       co_await ensemble::task::sleep(std::chrono::milliseconds(5));
//       co_await ensemble::task::send(std::string("done"));
//       co_return n * 2;
//     }
//
// The operations of the actress task model (fork, join, abort, exit, spawn,
// current, suspend, resume, sleep, wait, all, and the effects send, effect,
// effects, batch, none, tag, listen, loop, then) are in <ensemble/task/...>;
// <ensemble/ensemble.hpp> includes them all, and docs/tasks.md shows them.
//
// Where tasks run. The tasks of one tree (a root and everything it forks) run
// cooperatively on one strand, in the order the reference scheduler gives;
// separate trees run in parallel on the syndicate's workers. An actor is a
// strand too: an actor's process() may return a Task, and tasks forked inside
// a handler run on that actor's strand, so they may touch its state.
//
// Thread safety: a Task object is used by one thread at a time. Across
// suspension points a task may move to another worker; the runtime's
// hand-offs order its writes (happens-before).
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <ensemble/detail/frame_alloc.hpp>
#include <ensemble/detail/task_node.hpp>
#include <ensemble/payload.hpp>

namespace ensemble {

template <class T = void, class M = task::Never>
class Task;

namespace detail {

// g++ 12 destroys a temporary that is brace-initialised inside a co_await
// operand twice, and a lambda is one: in
//     co_await task::capture(t, [shared](M m) { ... });
// `shared` loses two references (a use after free), whatever the callee does
// with the lambda, because the fault is in the caller's coroutine frame. So on
// those compilers the operations that take a callable (capture, loop, then)
// refuse a temporary callable that has a destructor, with a message that says
// what to write instead; a named callable (an lvalue) is copied and is safe,
// and so is a temporary with nothing to destroy (no captures, or captured
// pointers and references). The check cannot tell a temporary from
// std::move(named), so a moved callable is refused too: pass the name.
// Checked on g++ 12.2; clang 14 is not affected.
// Define ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES to 0 or 1 before including
// ensemble to override the detection (for a g++ 12 build known to be fixed).
#ifndef ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#define ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES 1
#else
#define ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES 0
#endif
#endif
inline constexpr bool compiler_breaks_await_temporaries = ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES != 0;
template <class F>
inline constexpr bool callable_safe_in_await_v =
    !compiler_breaks_await_temporaries || std::is_lvalue_reference_v<F> ||
    std::is_trivially_destructible_v<std::remove_cvref_t<F>>;
// The same fault hits a message built with braces in the operand of
// `co_await task::send(Note{...})` when the type has a destructor (an
// aggregate: no constructor of its own); a message type with a constructor,
// a named message, and a message returned by a function are safe.
template <class V>
inline constexpr bool message_safe_in_await_v =
    !compiler_breaks_await_temporaries || std::is_lvalue_reference_v<V> ||
    !std::is_aggregate_v<std::remove_cvref_t<V>> ||
    std::is_trivially_destructible_v<std::remove_cvref_t<V>>;
#define ENSEMBLE_NAMED_CALLABLE_MESSAGE(what)                                                  \
  "g++ 12 destroys a capturing lambda written inside a co_await expression twice (memory "    \
  "corruption). Name it first, then pass the name (it is copied): "                            \
  "`auto f = [captures](...) { ... }; co_await " what "`"

// What happens to a message a frame passes upwards (see task_emit).
struct MessageSink {
  void (*deliver)(void* context, Payload&& message);
  void* context;
};

class PromiseBase {
 public:
  struct InitialAwaiter {
    PromiseBase* self;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    // An abort of a task that never ran fails it here, before its body.
    void await_resume() const { self->take_injected(); }
  };
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      // Started inline by its awaiter (run_inline): return into it. Resumed
      // later by the scheduler: transfer to the awaiting frame. A root frame
      // gives control back to the scheduler, which sees done().
      auto& p = h.promise();
      if (p.inline_ || !p.continuation_) return std::noop_coroutine();
      return p.continuation_;
    }
    void await_resume() const noexcept {}
  };

  InitialAwaiter initial_suspend() noexcept { return {this}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  static void* operator new(std::size_t size) { return pooled_alloc(size); }
  static void operator delete(void* p, std::size_t size) noexcept { pooled_free(p, size); }

  // Rethrows the error an abort injected at this suspension point, if any.
  void take_injected() const {
    if (node_ != nullptr && node_->inject_) std::rethrow_exception(std::exchange(node_->inject_, {}));
  }
  // The node this frame runs for; throws when it runs outside a task.
  TaskNode& running_node(const char* operation) const;

  TaskNode* node_ = nullptr;                // the task (root and subtasks share it)
  PromiseBase* parent_ = nullptr;           // the frame awaiting this one
  std::coroutine_handle<> continuation_;    // that frame's handle
  std::exception_ptr error_;
  const std::string* tag_ = nullptr;        // task::tag: wraps messages passing this frame
  const MessageSink* sink_ = nullptr;       // task::capture: messages stop here
  bool inline_ = false;                     // being run by run_inline, not yet suspended
};

template <class T>
class PromiseValue : public PromiseBase {
 public:
  template <class U>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  T take_result() {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }
  std::optional<T> value_;
};

template <>
class PromiseValue<void> : public PromiseBase {
 public:
  void return_void() noexcept {}
  void take_result() const {
    if (error_) std::rethrow_exception(error_);
  }
};

template <class T, class M>
class TaskPromise final : public PromiseValue<T> {
 public:
  using message_type = M;
  Task<T, M> get_return_object() noexcept;
};

template <class P>
inline constexpr bool is_task_promise_v = std::is_base_of_v<PromiseBase, P>;

// Messages of a Task<.., Inner> may flow into a Task<.., Outer>.
template <class Inner, class Outer>
inline constexpr bool messages_fit_v = std::is_same_v<Inner, task::Never> ||
                                       std::is_same_v<Outer, Payload> || std::is_same_v<Inner, Outer>;

// Links a subtask frame under the frame that awaits it.
template <class P>
void link_frame(PromiseBase& child, std::coroutine_handle<P> parent) noexcept {
  child.continuation_ = parent;
  if constexpr (is_task_promise_v<P>) {
    child.node_ = parent.promise().node_;
    child.parent_ = &parent.promise();
  }
}

// Runs an awaited subtask inside its awaiter's await_suspend. If it finishes
// without suspending (the common case), the awaiting frame goes on at once and
// the stack is back where it was: a long chain of synchronously finishing
// awaits stays flat even where the compiler cannot make symmetric transfer a
// tail call (sanitizer builds instrument every return). If it suspends, the
// awaiting frame suspends too, and the subtask transfers back to it when it
// finishes later.
template <class P>
bool run_inline(std::coroutine_handle<P> h) noexcept {
  h.promise().inline_ = true;
  h.resume();
  if (h.done()) return false;
  h.promise().inline_ = false;
  return true;
}

template <class T, class M>
struct TaskAwaiter {
  std::coroutine_handle<TaskPromise<T, M>> h;
  bool await_ready() const noexcept { return !h || h.done(); }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> awaiting) noexcept {
    if constexpr (is_task_promise_v<P>) {
      static_assert(messages_fit_v<M, typename P::message_type>,
                    "this subtask sends messages the awaiting Task<T, M> cannot send: "
                    "give the awaiting task the same M (or Payload)");
    }
    link_frame(h.promise(), awaiting);
    return run_inline(h);
  }
  T await_resume() {
    if constexpr (std::is_void_v<T>) {
      if (h) h.promise().take_result();
    } else {
      return h.promise().take_result();
    }
  }
};

}  // namespace detail

template <class T, class M>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T, M>;
  using value_type = T;
  using message_type = M;
  using handle_type = std::coroutine_handle<promise_type>;

  // An empty task: awaiting it finishes at once (task::none() is one).
  Task() noexcept = default;
  explicit Task(handle_type h) noexcept : handle_(h) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { destroy(); }

  bool valid() const noexcept { return static_cast<bool>(handle_); }
  bool done() const noexcept { return handle_ && handle_.done(); }

  // Awaiting runs the task as a subtask of the awaiting one (the reference's
  // yield*): its messages pass through the awaiting task.
  auto operator co_await() && noexcept { return detail::TaskAwaiter<T, M>{handle_}; }

  // Internal: the runtime drives root tasks through the raw handle.
  handle_type handle() const noexcept { return handle_; }
  handle_type release() noexcept { return std::exchange(handle_, {}); }

 private:
  void destroy() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  handle_type handle_;
};

namespace detail {
template <class T, class M>
Task<T, M> TaskPromise<T, M>::get_return_object() noexcept {
  return Task<T, M>{std::coroutine_handle<TaskPromise<T, M>>::from_promise(*this)};
}

template <class>
inline constexpr bool is_task_v = false;
template <class T, class M>
inline constexpr bool is_task_v<Task<T, M>> = true;
}  // namespace detail

namespace task {
template <class T = void, class M = Never>
using Task = ::ensemble::Task<T, M>;
// A task run for the messages it sends (the reference's Effect).
template <class M>
using Effect = ::ensemble::Task<void, M>;
}  // namespace task

}  // namespace ensemble

#include <ensemble/task/fork.hpp>
#include <ensemble/task/effects.hpp>
#include <ensemble/task/ops.hpp>
