// ensemble/task/ops.hpp: sleep, wait, then, all, and Deferred values.
//
//     co_await task::sleep(std::chrono::milliseconds(20));   // cancelled if the task is aborted
//     int x = co_await task::wait(5);              // resumes after the work already queued, same turn
//     int y = co_await task::wait(deferred);       // a value set later, from any thread
//     std::vector<int> all = co_await task::all(std::move(tasks));   // input order; first failure wins
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <ensemble/task.hpp>

namespace ensemble {

class AskOperation;

namespace detail {


// A value settled from outside (task::Deferred): a node with no frame.
template <class T>
struct DeferredNode final : TaskNode {
  std::atomic<bool> claimed_{false};
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value_{};
  bool settled() const noexcept {
    // acquire: pairs with the release exchange in settle, so the value is visible.
    return listeners_.load(std::memory_order_acquire) == settled_marker();
  }
  bool claim() noexcept {
    // acq_rel: exactly one settler wins; ordering comes from the listener stack.
    return !claimed_.exchange(true, std::memory_order_acq_rel);
  }
};

template <class T>
struct WaitValue {
  T value;
  PromiseBase* p = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "task::wait works inside an ensemble::Task");
    p = &h.promise();
    return wait_value_begin(h.promise(), h);
  }
  T await_resume() {
    p->take_injected();
    return std::move(value);
  }
};

// Waits for a node that settles from elsewhere (a fork, a Deferred).
template <class T>
struct WaitNode {
  NodeRef node;
  bool external;  // a Deferred: finished only once its listener stack is closed
  PromiseBase* p = nullptr;
  bool ready() const noexcept {
    if (external) return static_cast<DeferredNode<T>&>(*node).settled();
    return node_finished(*node);
  }
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "task::wait works inside an ensemble::Task");
    p = &h.promise();
    if (!external && !node_started(*node)) task_activate(*node);
    // Settled or not, the task resumes in a later turn (the reference resumes
    // after a promise settles, never synchronously).
    return task_join_parallel(h.promise(), h, *node);
  }
  T await_resume() {
    task_join_parallel_done(*p, *node);
    p->take_injected();
    if (external) {
      auto& d = static_cast<DeferredNode<T>&>(*node);
      if (!d.settled()) task_error("task::wait: resumed before the awaited value settled");
      if (!d.ok_) std::rethrow_exception(d.error_);
      if constexpr (!std::is_void_v<T>) return std::move(*d.value_);
    } else {
      if (!node_finished(*node)) task_error("task::wait: resumed before the fork finished");
      return result_of<T>(*node);
    }
  }
};

struct SleepAwaiter {
  std::chrono::nanoseconds d;
  PromiseBase* p = nullptr;
  SleepTicket* ticket = nullptr;
  explicit SleepAwaiter(std::chrono::nanoseconds duration) noexcept : d(duration) {}
  SleepAwaiter(SleepAwaiter&& o) noexcept : d(o.d), p(o.p), ticket(std::exchange(o.ticket, nullptr)) {}
  SleepAwaiter& operator=(SleepAwaiter&&) = delete;
  ~SleepAwaiter() {
    if (ticket != nullptr) sleep_end(ticket);  // the frame was destroyed while sleeping
  }
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    static_assert(is_task_promise_v<P>, "task::sleep works inside an ensemble::Task");
    p = &h.promise();
    ticket = sleep_begin(h.promise(), h, d);
    return true;
  }
  void await_resume() {
    sleep_end(std::exchange(ticket, nullptr));
    p->take_injected();
  }
};

}  // namespace detail

namespace task {

// A value that is set later, from any thread (the C++ stand-in for the
// reference's promises): task::wait(d) suspends until it is resolved or
// rejected, and resumes in a later turn. The first resolve/reject wins.
template <class T = void>
class Deferred {
 public:
  // A Deferred counts as parallel: it settles off the strands that wait for it.
  Deferred() : node_(new detail::DeferredNode<T>(), true) { node_->parallel_ = true; }

  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  bool resolve(U value) const {
    auto& d = state();
    if (!d.claim()) return false;
    d.value_.emplace(std::move(value));
    d.ok_ = true;
    return detail::deferred_settle(d);
  }
  template <class U = T, class = std::enable_if_t<std::is_void_v<U>>>
  bool resolve() const {
    auto& d = state();
    if (!d.claim()) return false;
    d.ok_ = true;
    return detail::deferred_settle(d);
  }
  bool reject(std::exception_ptr error) const {
    auto& d = state();
    if (!d.claim()) return false;
    d.error_ = std::move(error);
    d.ok_ = false;
    return detail::deferred_settle(d);
  }
  template <class E, class = std::enable_if_t<!std::is_same_v<std::decay_t<E>, std::exception_ptr>>>
  bool reject(E&& error) const {
    return reject(std::make_exception_ptr(std::forward<E>(error)));
  }
  bool settled() const noexcept { return state().settled(); }
  const detail::NodeRef& node_ref() const noexcept { return node_; }

 private:
  detail::DeferredNode<T>& state() const noexcept { return static_cast<detail::DeferredNode<T>&>(*node_); }
  detail::NodeRef node_;
};

// A Deferred already resolved with `value` / rejected with `error`
// (Promise.resolve / Promise.reject).
template <class T>
Deferred<std::decay_t<T>> resolved(T&& value) {
  Deferred<std::decay_t<T>> d;
  d.resolve(std::forward<T>(value));
  return d;
}
template <class T, class E>
Deferred<T> rejected(E&& error) {
  Deferred<T> d;
  d.reject(std::forward<E>(error));
  return d;
}

// Suspends the running task for `d` (the timer is cancelled if the task is
// aborted or destroyed first). A plain number means milliseconds, as in the
// reference.
inline auto sleep(std::chrono::nanoseconds d) noexcept { return detail::SleepAwaiter{d}; }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
auto sleep(I milliseconds) noexcept {
  return sleep(std::chrono::milliseconds(milliseconds));
}
inline auto sleep() noexcept { return sleep(std::chrono::nanoseconds::zero()); }

// The reference's wait(): a Fork or a Deferred suspends until it settles and
// gives its value (or throws its error), resuming in a later turn; any other
// value comes back after the work already queued on the strand, in the same
// turn. (To wait for an ask, co_await it.)
template <class T, class M>
auto wait(const Fork<T, M>& f) {
  return detail::WaitNode<T>{f.node_ref(), false};
}
template <class T>
auto wait(const Deferred<T>& d) {
  return detail::WaitNode<T>{d.node_ref(), true};
}
template <class>
inline constexpr bool is_deferred_v = false;
template <class T>
inline constexpr bool is_deferred_v<Deferred<T>> = true;

template <class V>
  requires(!is_fork_v<std::remove_cvref_t<V>> && !is_deferred_v<std::remove_cvref_t<V>>)
auto wait(V&& value) {
  static_assert(!std::is_same_v<std::decay_t<V>, AskOperation>, "co_await the ask itself");
  static_assert(detail::message_safe_in_await_v<V>,
                "g++ 12 destroys a value built with braces inside a co_await expression twice "
                "(memory corruption). Build it first and wait on the name: `V v{...}; co_await "
                "task::wait(v);` (it is copied), or give the type a constructor");
  return detail::WaitValue<std::decay_t<V>>{std::forward<V>(value)};
}

// The reference's then(): resolve(value) on success, reject(error) on failure
// (also when resolve throws).
namespace detail_then {
template <class T, class R>
struct result {
  using type = std::invoke_result_t<R, T>;
};
template <class R>
struct result<void, R> {
  using type = std::invoke_result_t<R>;
};
}  // namespace detail_then

// On g++ 12 `resolve` and `reject` must be named if they are lambdas with
// captures (see compiler_breaks_await_temporaries in <ensemble/task.hpp>).
template <class T, class M, class RArg, class EArg>
auto then(Task<T, M> t, RArg&& resolve, EArg&& reject) {
  static_assert(detail::callable_safe_in_await_v<RArg> && detail::callable_safe_in_await_v<EArg>,
                ENSEMBLE_NAMED_CALLABLE_MESSAGE("task::then(std::move(t), f, g);"));
  using R = std::decay_t<RArg>;
  using E = std::decay_t<EArg>;
  using U = typename detail_then::result<T, R>::type;
  return [](Task<T, M> inner, R res, E rej) -> Task<U, M> {
    std::exception_ptr failure;
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(inner);
        if constexpr (std::is_void_v<U>) {
          res();
          co_return;
        } else {
          co_return res();
        }
      } else {
        T value = co_await std::move(inner);
        if constexpr (std::is_void_v<U>) {
          res(std::move(value));
          co_return;
        } else {
          co_return res(std::move(value));
        }
      }
    } catch (...) {
      failure = std::current_exception();
    }
    if constexpr (std::is_void_v<U>) {
      rej(failure);
    } else {
      co_return rej(failure);
    }
  }(std::move(t), R(std::forward<RArg>(resolve)), E(std::forward<EArg>(reject)));
}

namespace detail_all {
template <class T>
struct State {
  Controller self;
  std::vector<std::optional<T>> results;
  std::vector<Controller> forks;
  std::size_t pending = 0;
  bool failed = false;
};

template <class T, class M>
Task<void, M> member(Task<T, M> t, std::shared_ptr<State<T>> st, std::size_t i) {
  std::exception_ptr failure;
  try {
    T value = co_await std::move(t);
    if (st->failed) co_return;
    st->results[i].emplace(std::move(value));
    st->forks[i] = Controller();
    if (--st->pending == 0) resume(st->self);
    co_return;
  } catch (...) {
    failure = std::current_exception();
  }
  if (st->failed) co_return;
  st->failed = true;
  // As the reference: the aborts run later, queued as tasks; the last one
  // throws the error into the caller of all().
  for (auto& f : st->forks) {
    if (f.valid() && f.node()->status_ != Status::finished) detail::queue_abort(*f.node(), failure);
  }
  detail::queue_abort(*st->self.node(), failure);
}
}  // namespace detail_all

// Runs the tasks concurrently on this strand and gives their results in input
// order. The first failure aborts the others and is thrown to the caller.
template <class T, class M>
Task<std::vector<T>> all(std::vector<Task<T, M>> tasks) {
  static_assert(!std::is_void_v<T>, "task::all needs tasks that return values");
  auto st = std::make_shared<detail_all::State<T>>();
  st->self = co_await current();
  const std::size_t n = tasks.size();
  st->results.resize(n);
  st->forks.resize(n);
  st->pending = n;
  for (std::size_t i = 0; i < n; ++i) {
    auto f = co_await fork(detail_all::member(std::move(tasks[i]), st, i));
    st->forks[i] = f.controller();
  }
  if (n > 0) {
    struct Cleanup {
      detail_all::State<T>* s;
      ~Cleanup() { s->forks.clear(); }  // breaks the state <-> fork cycle
    } cleanup{st.get()};
    co_await suspend();
  }
  std::vector<T> out;
  out.reserve(n);
  for (auto& r : st->results) out.push_back(std::move(*r));
  co_return out;
}

}  // namespace task
}  // namespace ensemble
