// The reference test suite of the task model (seed-semantics.md section B:
// Gozala/actor test/lib.spec.js = storacha/py-actress test/test_task.py),
// ported case by case. Each case is marked `// B<n>: <title>` and its doctest
// case carries the reference title. Where the JS and Python ports differ, the
// JS behaviour is the reference.
//
// How the reference maps onto C++:
//  * A generator task is a Task<T, M>; `yield* sub()` is `co_await sub()`.
//  * inspect(task) forks a wrapper that collects the task's messages; here
//    inspector(task) captures them (task::capture) and returns
//    {ok, value | error, mail}. show() renders results the way the reference
//    asserts them (deepEqual), so most cases compare one string.
//  * `await fork` / `await inspect(..)` from the test is task::run(syn, ...),
//    a tree of its own; `await Task.fork(Task.sleep(n))` is run(syn, nap(n)).
//  * Promise.resolve / Promise.reject are task::resolved / task::rejected.
//  * JS errors are std::runtime_error with the message; a thrown string or
//    number becomes a runtime_error with that text.
//  * C++ cannot co_await inside a catch handler or a destructor, so a JS
//    `finally` that sends or waits is written as catch-all, the finally body,
//    then a rethrow; a `finally` that only logs is a scope guard (Finally), which
//    also runs when the task is exited or aborted, as JS's finally does.
//  * Timers are real: every delay an ordering depends on is scaled by dt()
//    (x10, x20 under sanitizers) so the cases hold on a loaded machine. No case
//    asserts on wall-clock durations.
//
// One file per section of the reference, each with its cases and its doctest
// suite (all in the one test-actress executable; -ts=<section> runs one):
//   wait_test.cpp (B1-B8), messaging_test.cpp (B9-B14), subtasks_test.cpp
//   (B15-B21), concurrency_test.cpp (B22-B26), abort_test.cpp ("can abort",
//   B27-B32), promise_test.cpp (B33-B37), tag_test.cpp (B38-B43),
//   effect_test.cpp (B44-B52), all_test.cpp ("all operator", B53-B55),
//   fork_api_test.cpp (B56-B62).
// This header holds the helpers they share (namespace actress_cases);
// actress_cases.hpp declares the deterministic cases.
//
// deterministic_repeat_test.cpp runs every deterministic case (no timers, no
// threads) many times from two threads at once on one syndicate, checking
// each result.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "runtime/task/task_host.hpp"
#include "runtime/task/task_strand.hpp"

#include "tests/test_support.hpp"

using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::Task;
namespace task = ensemble::task;
using task::Effect;

// The helpers and the cases (in the section files) share one named namespace:
// the cases have external linkage, so deterministic_repeat_test.cpp can call
// them. Everything defined in this header is inline.
namespace actress_cases {

// --- helpers ---------------------------------------------------------------

// Delays an ordering depends on, scaled (see the top).
inline constexpr int time_scale = ensemble_test::divisor > 1 ? 20 : 10;
constexpr int dt(int reference_ms) { return reference_ms * time_scale; }

inline SyndicateConfig config() {
  SyndicateConfig c;
  c.workers = 2;
  return c;
}

// The reference's createLog(). Locked, because a few cases read it from the
// test thread while a task that outlived run() may still write to it.
class Log {
 public:
  void add(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};
using LogRef = std::shared_ptr<Log>;
inline LogRef make_log() { return std::make_shared<Log>(); }

// Waits (bounded) until the log holds `n` lines: for lines that a timer or a
// task outliving run() adds later. The reference waits a fixed time instead,
// which a loaded machine can outlast.
inline bool wait_for_lines(const LogRef& log, std::size_t n) {
  return ensemble_test::wait_until([&] { return log->lines().size() >= n; }, std::chrono::seconds(10));
}
// The first lines of the log (all of them if it holds fewer).
inline std::vector<std::string> first_lines(const LogRef& log, std::size_t n) {
  auto lines = log->lines();
  if (lines.size() > n) lines.resize(n);
  return lines;
}

// A JS `finally` whose body does not yield.
template <class F>
struct Finally {
  F body;
  ~Finally() { body(); }
};
template <class F>
Finally(F) -> Finally<F>;

inline std::runtime_error error(const std::string& message) { return std::runtime_error(message); }

inline std::string message_of(const std::exception_ptr& e) {
  if (!e) return "null";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "<not a std::exception>";
  }
}

// JS String(error) of an Error: "Error: <message>".
inline std::string js_string(const std::exception& e) { return std::string("Error: ") + e.what(); }

// Renderings, as the reference's deepEqual sees the values.
inline std::string show(const Payload& p);
inline std::string show(int v) { return std::to_string(v); }
inline std::string show(bool v) { return v ? "true" : "false"; }
inline std::string show(const std::string& s) { return "\"" + s + "\""; }
inline std::string show(const std::exception_ptr& e) { return e ? "Error(" + message_of(e) + ")" : "undefined"; }
inline std::string show(task::Never) { return "<never>"; }
inline std::string show(const task::Tagged& t) {
  return "{type: \"" + t.type + "\", " + t.type + ": " + show(t.value) + "}";
}
inline std::string show(const Payload& p) {
  if (const int* i = p.get_if<int>()) return show(*i);
  if (const std::string* s = p.get_if<std::string>()) return show(*s);
  if (const task::Tagged* t = p.get_if<task::Tagged>()) return show(*t);
  return "<" + p.type_name() + ">";
}
// A list of already rendered items.
inline std::string list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s + "]";
}
inline std::string show(const std::vector<std::string>& v) {
  std::vector<std::string> items;
  for (const auto& s : v) items.push_back(show(s));
  return list(items);
}
inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Text rendered on the task's strand (see Inspected).
struct Rendered {
  std::string text;
};
inline std::string show(const Rendered& r) { return r.text; }

// What inspect() returns: {ok, value, mail} or {ok: false, error, mail}.
// Everything that refers to an exception is rendered on the strand, inside
// the tree: an exception object stays shared with the tree's nodes, whose last
// reference may drop on another thread, and libstdc++'s exception refcount is
// invisible to ThreadSanitizer (a read of what() here followed by that release
// would be reported as a race). The mail is kept rendered too (a message may be
// move-only, and run() copies the result out of the tree).
template <class T>
using InspectedValue = std::conditional_t<std::is_same_v<T, std::exception_ptr>, Rendered, T>;

template <class T>
struct Inspected {
  bool ok = false;
  std::conditional_t<std::is_void_v<T>, std::monostate, std::optional<InspectedValue<T>>> value;
  std::string error;  // show(error), rendered on the strand
  std::vector<std::string> mail;
};

template <class T>
std::string show(const Inspected<T>& r) {
  std::string s = r.ok ? "{ok: true, value: " : "{ok: false, error: ";
  if (!r.ok) {
    s += r.error;
  } else if constexpr (std::is_void_v<T>) {
    s += "undefined";
  } else {
    s += show(*r.value);
  }
  return s + ", mail: " + list(r.mail) + "}";
}

// The reference's inspector(task): runs `t`, collecting every message it sends.
template <class T, class M>
Task<Inspected<T>> inspector(Task<T, M> t) {
  auto mail = std::make_shared<std::vector<std::string>>();
  auto collect = [mail](M m) { mail->push_back(show(m)); };  // named: see task::capture
  auto captured = task::capture(std::move(t), collect);
  Inspected<T> r;
  std::exception_ptr failure;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(captured);
    } else if constexpr (std::is_same_v<T, std::exception_ptr>) {
      std::exception_ptr value = co_await std::move(captured);
      r.value = Rendered{show(value)};
    } else {
      r.value = co_await std::move(captured);
    }
    r.ok = true;
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) r.error = show(failure);
  r.mail = std::move(*mail);
  co_return r;
}

// `await inspect(t)` from the test.
template <class T, class M>
Inspected<T> inspect(Syndicate& syn, Task<T, M> t) {
  return task::run(syn, inspector(std::move(t)));
}

// `await Task.fork(Task.sleep(ms))`.
inline Task<> nap(int ms) { co_await task::sleep(ms); }

// JS setTimeout/clearTimeout from plain code or a task: each timeout is a
// thread that waits, unless cleared first. join() waits for all of them.
class Timers {
 public:
  using Id = std::size_t;
  Timers() = default;
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;
  ~Timers() { join(); }

  Id set_timeout(int ms, std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    slots_.push_back(std::make_unique<Slot>());
    Slot* s = slots_.back().get();
    s->thread = std::thread([s, ms, fn = std::move(fn)] {
      std::unique_lock l(s->mutex);
      if (s->cv.wait_for(l, std::chrono::milliseconds(ms), [s] { return s->cleared; })) return;
      l.unlock();
      fn();
    });
    return slots_.size() - 1;
  }
  void clear_timeout(Id id) {
    Slot* s = nullptr;
    {
      std::lock_guard lock(mutex_);
      s = slots_.at(id).get();
    }
    {
      std::lock_guard l(s->mutex);
      s->cleared = true;
    }
    s->cv.notify_all();
  }
  void join() {
    std::vector<Slot*> all;
    {
      std::lock_guard lock(mutex_);
      for (auto& s : slots_) all.push_back(s.get());
    }
    for (Slot* s : all) {
      if (s->thread.joinable()) s->thread.join();
    }
  }

 private:
  struct Slot {
    std::mutex mutex;
    std::condition_variable cv;
    bool cleared = false;
    std::thread thread;
  };
  std::mutex mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace actress_cases
