// ensemble/task.hpp: Task<T>, the coroutine type of ensemble.
//
// A Task<T> is a lazily started stackless coroutine that produces a T or fails
// with an exception. It starts when it is awaited (or handed to the runtime),
// and awaiting a Task transfers control symmetrically, so a long chain of
// awaits that complete synchronously does not grow the stack. Frames come from
// the current thread's frame pool, not from the global heap on every call.
//
// An Actor's process() may return Task<> (or Task<T>, whose value is the
// reply): it may then co_await ask(...) and other Tasks without blocking its
// worker. The actor still handles one message at a time: the next message waits
// until the Task finishes.
//
//     ensemble::Task<std::string> process(ensemble::Message& m) {
//       auto answer = co_await ask(m.get<std::string>(), other_);
//       co_return "relayed:" + answer.get<std::string>();
//     }
//
// Thread safety: a Task is resumed by one thread at a time; across suspension
// points it may move to another worker, with happens-before preserved.
#pragma once

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include <ensemble/detail/frame_alloc.hpp>

namespace ensemble {

template <class T = void>
class Task;

namespace detail {

class TaskPromiseBase {
 public:
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      // Symmetric transfer to whoever awaited us; the runtime (no continuation)
      // gets control back from resume() and sees done().
      auto next = h.promise().continuation_;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }

  static void* operator new(std::size_t size) { return pooled_alloc(size); }
  static void operator delete(void* p, std::size_t size) noexcept { pooled_free(p, size); }

  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }

 private:
  std::coroutine_handle<> continuation_;
};

template <class T>
class TaskPromise final : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) {
    result_.template emplace<1>(std::forward<U>(v));
  }
  void unhandled_exception() noexcept { result_.template emplace<2>(std::current_exception()); }

  T take_result() {
    if (result_.index() == 2) std::rethrow_exception(std::get<2>(result_));
    return std::move(std::get<1>(result_));
  }
  std::exception_ptr exception() const noexcept {
    return result_.index() == 2 ? std::get<2>(result_) : nullptr;
  }

 private:
  std::variant<std::monostate, T, std::exception_ptr> result_;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void unhandled_exception() noexcept { error_ = std::current_exception(); }
  void take_result() {
    if (error_) std::rethrow_exception(error_);
  }
  std::exception_ptr exception() const noexcept { return error_; }

 private:
  std::exception_ptr error_;
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using value_type = T;
  using handle_type = std::coroutine_handle<promise_type>;

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

  // Awaiting starts the task and resumes the awaiter when it finishes.
  auto operator co_await() && noexcept {
    struct Awaiter {
      handle_type h;
      bool await_ready() const noexcept { return !h || h.done(); }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        h.promise().set_continuation(awaiting);
        return h;
      }
      T await_resume() { return h.promise().take_result(); }
    };
    return Awaiter{handle_};
  }

  // Internal: the runtime drives top-level tasks through the raw handle.
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
template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}

template <class>
inline constexpr bool is_task_v = false;
template <class T>
inline constexpr bool is_task_v<Task<T>> = true;
}  // namespace detail

namespace task {
template <class T = void>
using Task = ::ensemble::Task<T>;
}

}  // namespace ensemble
