// ensemble/task/fork.hpp: forks and the operations on them (actress's fork,
// join, group, abort, exit, terminate, resume, current, suspend, spawn, main).
//
//     auto worker = co_await task::fork(work(), {.name = "worker"});   // starts it
//     ...                                                              // runs concurrently
//     int value = co_await worker.join();                              // its result, or its error
//
// A fork is lazy: task::fork() only wraps the task; it starts when the Fork is
// awaited (the reference's `yield* fork(...)`), joined, or waited on. It then
// joins the queue of its strand's root group and runs once the current task
// gives up control. It is detached: its failure does not touch the task that
// forked it, and the messages it sends are lost unless it is joined, from the
// join on (messages sent before the join are lost, as in the reference).
//
// abort(fork, error) throws `error` into the fork at its suspension point,
// synchronously, inside the caller's turn: its catch blocks and destructors run
// before abort() returns, and it may catch the error and go on. exit(fork, v)
// unwinds the fork running only its destructors (C++'s finally) and finishes it
// successfully with `v`. Both never fail and never suspend the caller.
//
// ForkOptions::parallel runs the fork on a strand of its own, in parallel with
// the forking tree, on the syndicate's workers. Such a fork sends no messages;
// join() waits for it without blocking a worker; abort() reaches it
// asynchronously (a request to its strand); exit() is not available.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <ensemble/detail/task_node.hpp>
#include <ensemble/task.hpp>

namespace ensemble {

template <class T, class M>
class Task;

namespace task {

// Trivially copyable on purpose: g++ 12 may copy a temporary that lives
// across a co_await bit by bit, which would break a std::string's inline buffer.
struct ForkOptions {
  std::string_view name = {};  // Fork::name() (copied)
  bool parallel = false;       // run on a strand of its own (see above)
};

class Controller;
template <class T, class M>
class Fork;

template <class>
inline constexpr bool is_fork_v = false;
template <class T, class M>
inline constexpr bool is_fork_v<Fork<T, M>> = true;

}  // namespace task

namespace detail {

// Binds a task's root frame to a fresh node (not yet activated).
template <class T, class M>
NodeRef make_node(Task<T, M>&& t, std::string_view name, bool parallel, bool detached) {
  auto* n = new ValueNode<T>();
  NodeRef ref(n, /*adopt=*/true);
  n->id_ = next_task_id();
  if (!name.empty()) {
    n->name_ = new char[name.size() + 1];
    name.copy(n->name_, name.size());
    n->name_[name.size()] = '\0';
  }
  n->parallel_ = parallel;
  n->detached_ = detached;
  auto h = t.release();
  if (h) {
    n->root_ = h;
    n->resume_at_ = h;
    n->root_promise_ = &h.promise();
    h.promise().node_ = n;
  } else {
    // An empty task (task::none()) is finished from the start.
    n->status_ = task::Status::finished;
    n->ok_ = true;
    n->listeners_.store(TaskNode::settled_marker(), std::memory_order_relaxed);  // relaxed: not shared yet
  }
  return ref;
}


// The fork's value (copied, so it can be joined again; moved when T cannot
// be copied, or when `take` says the caller is the only one left), or its error.
template <class T>
T result_of(TaskNode& n, bool take = false) {
  if (!n.ok_) std::rethrow_exception(n.error_);
  if constexpr (!std::is_void_v<T>) {
    auto& v = static_cast<ValueNode<T>&>(n).value_;
    if (!v) task_error("the fork finished without a value (it was terminated)");
    if constexpr (std::is_copy_constructible_v<T>) {
      if (!take) return *v;
    }
    return std::move(*v);
  }
}

template <class F>
struct ForkActivate {
  F self;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "co_await task::fork(...) works inside an ensemble::Task");
    task_activate_from(h.promise(), *self.node());
    return false;
  }
  F await_resume() noexcept { return std::move(self); }
};

struct SpawnAwaiter {
  NodeRef n;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "co_await task::spawn(...) works inside an ensemble::Task");
    task_current_check(h.promise(), "task::spawn");
    task_spawn(std::move(n));
    return false;
  }
  void await_resume() const noexcept {}
};

struct SuspendAwaiter {
  PromiseBase* p = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "task::suspend() works inside an ensemble::Task");
    p = &h.promise();
    return task_suspend_here(h.promise(), h);
  }
  void await_resume() const { p->take_injected(); }
};

}  // namespace detail

namespace task {
class Controller;
}

namespace detail {
struct CurrentAwaiter {
  PromiseBase* p = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "task::current() works inside an ensemble::Task");
    task_current_check(h.promise(), "task::current");
    p = &h.promise();
    return false;
  }
  task::Controller await_resume() const noexcept;
};

// co_await fork.join(): the fork's value, or its error.
template <class T, class Sends>
class JoinAwaiter {
 public:
  explicit JoinAwaiter(NodeRef fork) noexcept : fork_(std::move(fork)) {}
  JoinAwaiter(JoinAwaiter&& o) noexcept
      : fork_(std::move(o.fork_)), p_(o.p_), g_(std::exchange(o.g_, nullptr)), listening_(o.listening_) {}
  JoinAwaiter& operator=(JoinAwaiter&&) = delete;
  ~JoinAwaiter() { join_close(g_, true); }  // the joining task was destroyed while it waited

  bool await_ready() {
    if (!node_started(*fork_)) task_activate(*fork_);  // a fork that was never started starts now
    return node_finished(*fork_);
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "co_await fork.join() works inside an ensemble::Task");
    static_assert(messages_fit_v<Sends, typename P::message_type>,
                  "the fork sends messages the joining Task<T, M> cannot send: give the joining task "
                  "the same M (or Payload)");
    p_ = &h.promise();
    if (fork_->parallel_) {
      listening_ = true;  // on another strand: wait for it to settle
      return task_join_parallel(h.promise(), h, *fork_);
    }
    return join_begin(h.promise(), h, &fork_, 1, g_, storage_);
  }
  T await_resume() {
    if (p_ != nullptr) {
      if (listening_) {
        task_join_parallel_done(*p_, *fork_);
        p_->take_injected();
      } else {
        join_end(*p_, g_);
      }
    }
    return result_of<T>(*fork_);
  }

 private:
  NodeRef fork_;
  PromiseBase* p_ = nullptr;
  TaskGroup* g_ = nullptr;
  bool listening_ = false;
  alignas(void*) unsigned char storage_[join_storage_bytes];
};

// co_await task::group(...): waits for every fork; the first failure aborts
// the others and is rethrown. Sends = void: the forks' messages are not checked.
template <class Sends>
class GroupAwaiter {
 public:
  explicit GroupAwaiter(std::vector<NodeRef> forks) noexcept : forks_(std::move(forks)) {}
  GroupAwaiter(GroupAwaiter&& o) noexcept : forks_(std::move(o.forks_)), p_(o.p_), g_(std::exchange(o.g_, nullptr)) {}
  GroupAwaiter& operator=(GroupAwaiter&&) = delete;
  ~GroupAwaiter() { join_close(g_, true); }

  bool await_ready() const noexcept { return forks_.empty(); }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "co_await task::group(...) works inside an ensemble::Task");
    static_assert(std::is_void_v<Sends> || messages_fit_v<Sends, typename P::message_type>,
                  "the forks send messages the joining Task<T, M> cannot send: give the joining task "
                  "the same M (or Payload)");
    p_ = &h.promise();
    return join_begin(h.promise(), h, forks_.data(), forks_.size(), g_, storage_);
  }
  void await_resume() {
    if (p_ != nullptr) join_end(*p_, g_);
  }

 private:
  std::vector<NodeRef> forks_;
  PromiseBase* p_ = nullptr;
  TaskGroup* g_ = nullptr;
  alignas(void*) unsigned char storage_[join_storage_bytes];
};

}  // namespace detail

namespace task {

// A handle to a running task (the reference's controller): resume it, abort
// it. Copies refer to the same task.
class Controller {
 public:
  Controller() noexcept = default;
  explicit Controller(detail::NodeRef n) noexcept : node_(std::move(n)) {}
  bool valid() const noexcept { return static_cast<bool>(node_); }
  std::uint64_t id() const noexcept { return node_ ? node_->id_ : 0; }
  detail::TaskNode* node() const noexcept { return node_.get(); }
  friend bool operator==(const Controller& a, const Controller& b) noexcept {
    return a.node_.get() == b.node_.get();
  }

 private:
  detail::NodeRef node_;
};

// The result of task::fork(): lazy until awaited, joined or waited on.
template <class T = void, class M = Never>
class Fork {
 public:
  using value_type = T;
  using message_type = M;

  Fork() noexcept = default;
  explicit Fork(detail::NodeRef n) noexcept : node_(std::move(n)) {}

  std::uint64_t id() const noexcept { return node_->id_; }
  std::string_view name() const noexcept { return detail::node_name(*node_); }
  Status status() const noexcept { return detail::node_status(*node_); }
  bool finished() const noexcept { return status() == Status::finished; }
  // Valid once finished: whether it succeeded, its value, its error.
  bool ok() const noexcept { return finished() && node_->ok_; }
  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  const U& value() const {
    if (!ok()) detail::task_error("Fork::value() of a fork that has not finished successfully");
    return *static_cast<detail::ValueNode<T>&>(*node_).value_;
  }
  std::exception_ptr error() const noexcept { return finished() ? node_->error_ : nullptr; }

  // `co_await fork` starts it (the reference's `yield* fork`) and gives it back.
  auto operator co_await() const& noexcept { return detail::ForkActivate<Fork>{*this}; }
  auto operator co_await() && noexcept { return detail::ForkActivate<Fork>{std::move(*this)}; }

  // Waits for the fork's result (starting it if needed); rethrows its error.
  auto join() const;
  // See abort()/exit()/resume() below.
  void abort(std::exception_ptr error) const { detail::task_abort(*node_, std::move(error)); }
  template <class E, class = std::enable_if_t<!std::is_same_v<std::decay_t<E>, std::exception_ptr>>>
  void abort(E&& error) const {
    abort(std::make_exception_ptr(std::forward<E>(error)));
  }
  template <class U = T>
  void exit(U&& value) const {
    static_assert(!std::is_void_v<T>, "exit() of a Fork<void>: use exit() without a value");
    T v(std::forward<U>(value));
    detail::task_exit(
        *node_, [](detail::TaskNode& n, void* p) { static_cast<detail::ValueNode<T>&>(n).value_.emplace(std::move(*static_cast<T*>(p))); },
        &v);
  }
  void exit() const {
    static_assert(std::is_void_v<T>, "exit() of a Fork<T> needs the value it finishes with");
    detail::task_exit(*node_, nullptr, nullptr);
  }
  void resume() const { detail::task_resume(*node_); }
  Controller controller() const noexcept { return Controller(node_); }
  operator Controller() const noexcept { return controller(); }  // NOLINT: a fork is a controller

  detail::TaskNode* node() const noexcept { return node_.get(); }
  const detail::NodeRef& node_ref() const noexcept { return node_; }

 private:
  detail::NodeRef node_;
};

// Wraps `t` in a lazy fork.
template <class T, class M>
Fork<T, M> fork(Task<T, M>&& t, ForkOptions options = {}) {
  if constexpr (!std::is_same_v<M, Never>) {
    if (options.parallel) detail::task_error("a parallel fork sends no messages: fork a Task<T> (M = Never)");
  }
  return Fork<T, M>(detail::make_node(std::move(t), options.name, options.parallel, false));
}

// The reference's join(fork): waits for the fork's result (starting it if it
// is idle) and rethrows its error. From the join on, the fork's messages come
// out through the joining task.
template <class T, class M>
auto join(const Fork<T, M>& f) {
  return f.join();
}

// Joins several forks into the calling task: it waits until all of them
// finish; the first failure aborts the others and is rethrown. Forks that
// already finished are skipped (the first failure among them is rethrown).
template <class... F>
auto group(const F&... forks) {
  // The joined forks' messages: none if none sends any, else their common type.
  using Sends = std::conditional_t<
      (std::is_same_v<typename F::message_type, Never> && ...), Never,
      std::conditional_t<(std::is_same_v<typename F::message_type, typename F::message_type> && ...),
                         std::common_type_t<typename F::message_type...>, Payload>>;
  std::vector<detail::NodeRef> v{forks.node_ref()...};
  return detail::GroupAwaiter<Sends>(std::move(v));
}
// Forks of any type (their messages are not checked).
inline auto group(std::vector<Controller> forks) {
  std::vector<detail::NodeRef> v;
  v.reserve(forks.size());
  for (auto& c : forks) v.emplace_back(c.node());
  return detail::GroupAwaiter<void>(std::move(v));
}

// Throws `error` into the task at its suspension point (see the top).
inline void abort(const Controller& c, std::exception_ptr error) {
  detail::task_abort(*c.node(), std::move(error));
}
template <class E, class = std::enable_if_t<!std::is_same_v<std::decay_t<E>, std::exception_ptr>>>
void abort(const Controller& c, E&& error) {
  abort(c, std::make_exception_ptr(std::forward<E>(error)));
}
// Finishes the fork successfully with `value`, running only its destructors.
template <class T, class M, class U>
void exit(const Fork<T, M>& f, U&& value) {
  f.exit(std::forward<U>(value));
}
// exit() with no value (the reference's terminate()).
inline void terminate(const Controller& c) { detail::task_exit(*c.node(), nullptr, nullptr); }

// Queues a suspended task again (the reference's resume). Called from outside
// any task on the strand's own thread (an actor's handler), the task runs
// right away; from another thread, the request travels to its strand.
inline void resume(const Controller& c) { detail::task_resume(*c.node()); }

// The controller of the running task (the reference's current()).
inline auto current() noexcept { return detail::CurrentAwaiter{}; }

// Suspends the running task until something resumes it. Never fails, but an
// abort is thrown from here.
inline auto suspend() noexcept { return detail::SuspendAwaiter{}; }

// Runs `t` detached on the current strand (the reference's spawn): it cannot
// be joined, its failure is swallowed, its messages are dropped, and it may
// outlive the task that spawned it. `co_await task::spawn(t)` from a task;
// task::main(t) from plain code running on a strand (an actor's handler),
// where it runs at once, inside the call.
template <class T, class M>
auto spawn(Task<T, M>&& t) {
  return detail::SpawnAwaiter{detail::make_node(std::move(t), {}, false, true)};
}
template <class T, class M>
void main(Task<T, M>&& t) {
  detail::task_spawn(detail::make_node(std::move(t), {}, false, true));
}

// "[object Fork]", as the reference's String(fork).
template <class T, class M>
std::string to_string(const Fork<T, M>&) {
  return "[object Fork]";
}

}  // namespace task

namespace detail {
inline task::Controller CurrentAwaiter::await_resume() const noexcept {
  return task::Controller(NodeRef(p->node_));
}
}  // namespace detail

template <class T, class M>
auto task::Fork<T, M>::join() const {
  return detail::JoinAwaiter<T, M>(node_);
}

}  // namespace ensemble
