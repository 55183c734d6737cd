// The task model on the runtime: aborts and exits of blocked tasks, scale,
// errors across joins, shutdown with suspended tasks, tasks on actors,
// parallel forks, Deferred values, and misuse.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::Task;
namespace task = ensemble::task;
using ensemble_test::scaled;

namespace {

using Log = std::vector<std::string>;

// Records how a blocked task ended: aborted (with the error text), or
// unwound (its destructor ran without a catch).
struct Outcome {
  bool caught = false;
  std::string what;
  bool unwound = false;
  bool finished_body = false;
};

struct Unwind {
  Outcome* o;
  ~Unwind() { o->unwound = true; }
};

Task<int> blocked_in_sleep(Outcome* o) {
  Unwind guard{o};
  try {
    co_await task::sleep(60s);
    o->finished_body = true;
  } catch (const std::exception& e) {
    o->caught = true;
    o->what = e.what();
  }
  co_return 1;
}

Task<int> blocked_in_suspend(Outcome* o) {
  Unwind guard{o};
  try {
    co_await task::suspend();
    o->finished_body = true;
  } catch (const std::exception& e) {
    o->caught = true;
    o->what = e.what();
  }
  co_return 2;
}

Task<int> never_finishes() {
  co_await task::suspend();
  co_return 0;
}

Task<int> blocked_in_join(Outcome* o) {
  Unwind guard{o};
  auto inner = co_await task::fork(never_finishes());
  try {
    co_await inner.join();
    o->finished_body = true;
  } catch (const std::exception& e) {
    o->caught = true;
    o->what = e.what();
  }
  co_return 3;
}

struct Silent : ensemble::Actor {
  void process(Message&) {}
};

Task<int> blocked_in_ask(Outcome* o, ActorAddress target, Syndicate* syn) {
  Unwind guard{o};
  try {
    co_await syn->ask(target, std::string("anyone?"), 60s);
    o->finished_body = true;
  } catch (const std::exception& e) {
    o->caught = true;
    o->what = e.what();
  }
  co_return 4;
}

// Forks `blocked`, lets it block, aborts it, and reports how it ended.
Task<int> abort_after_block(Task<int> blocked) {
  auto f = co_await task::fork(std::move(blocked));
  co_await task::wait(0);  // the fork runs until it blocks
  co_await task::sleep(5ms);
  f.abort(std::runtime_error("kill"));
  co_return co_await f.join();
}

Task<int> exit_after_block(Task<int> blocked) {
  auto f = co_await task::fork(std::move(blocked));
  co_await task::wait(0);
  co_await task::sleep(5ms);
  f.exit(42);
  co_return co_await f.join();
}

}  // namespace

TEST_CASE("abort throws into a task blocked in sleep, suspend, join or ask; its catch and destructors run") {
  Syndicate syn("abort-blocked", SyndicateConfig{.workers = 2});
  auto silent = syn.create_actor<Silent>();
  std::vector<std::pair<std::string, std::function<Task<int>(Outcome*)>>> cases = {
      {"sleep", [](Outcome* o) { return blocked_in_sleep(o); }},
      {"suspend", [](Outcome* o) { return blocked_in_suspend(o); }},
      {"join", [](Outcome* o) { return blocked_in_join(o); }},
      {"ask", [&](Outcome* o) { return blocked_in_ask(o, silent, &syn); }},
  };
  int expected = 1;
  for (auto& entry : cases) {
    const std::string& name = entry.first;
    auto& make = entry.second;
    CAPTURE(name);
    Outcome o;
    int r = task::run(syn, abort_after_block(make(&o)));
    CHECK(r == expected++);  // it caught the abort and returned normally
    CHECK(o.caught);
    CHECK(o.what == "kill");
    CHECK(o.unwound);
    CHECK_FALSE(o.finished_body);
  }
}

TEST_CASE("exit unwinds a task blocked in sleep, suspend, join or ask: only destructors run, the value wins") {
  Syndicate syn("exit-blocked", SyndicateConfig{.workers = 2});
  auto silent = syn.create_actor<Silent>();
  std::vector<std::function<Task<int>(Outcome*)>> cases = {
      [](Outcome* o) { return blocked_in_sleep(o); },
      [](Outcome* o) { return blocked_in_suspend(o); },
      [](Outcome* o) { return blocked_in_join(o); },
      [&](Outcome* o) { return blocked_in_ask(o, silent, &syn); },
  };
  for (auto& make : cases) {
    Outcome o;
    CHECK(task::run(syn, exit_after_block(make(&o))) == 42);
    CHECK_FALSE(o.caught);
    CHECK(o.unwound);
    CHECK_FALSE(o.finished_body);
  }
}

namespace {
Task<long> leaf(long i) { co_return i; }

Task<long> many_forks(long n) {
  std::vector<task::Fork<long>> forks;
  forks.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) forks.push_back(co_await task::fork(leaf(i)));
  long sum = 0;
  for (auto& f : forks) sum += co_await f.join();
  co_return sum;
}
}  // namespace

TEST_CASE("a million forks joined") {
  Syndicate syn("million", SyndicateConfig{.workers = 2});
  const long n = static_cast<long>(scaled(1'000'000));
  CHECK(task::run(syn, many_forks(n)) == n * (n - 1) / 2);
}

namespace {
struct Boom : std::runtime_error {
  explicit Boom(int level) : std::runtime_error("boom at level " + std::to_string(level)), level(level) {}
  int level;
};

Task<int> fail_at_depth(int depth) {
  if (depth == 0) {
    co_await task::sleep(1ms);
    throw Boom(0);
  }
  auto f = co_await task::fork(fail_at_depth(depth - 1));
  co_return co_await f.join() + 1;  // the error passes through every join
}

Task<int> catch_at_top() {
  try {
    co_return co_await fail_at_depth(6);
  } catch (const Boom& b) {
    co_return 100 + b.level;
  }
}
}  // namespace

TEST_CASE("an exception crosses several levels of joins unchanged") {
  Syndicate syn("errors", SyndicateConfig{.workers = 2});
  CHECK(task::run(syn, catch_at_top()) == 100);
  CHECK_THROWS_AS(task::run(syn, fail_at_depth(4)), Boom);
  try {
    task::run(syn, fail_at_depth(3));
  } catch (const Boom& b) {
    CHECK(std::string(b.what()) == "boom at level 0");
  }
}

namespace {
struct Tracked {
  std::shared_ptr<std::atomic<int>> alive;
  explicit Tracked(std::shared_ptr<std::atomic<int>> a) : alive(std::move(a)) { alive->fetch_add(1); }
  Tracked(const Tracked&) = delete;
  ~Tracked() { alive->fetch_sub(1); }
};

Task<void> parked_forever(std::shared_ptr<std::atomic<int>> alive) {
  Tracked t(alive);
  co_await task::suspend();
}

Task<void> sleeping_long(std::shared_ptr<std::atomic<int>> alive) {
  Tracked t(alive);
  co_await task::sleep(1h);
}

Task<void> joining_parked(std::shared_ptr<std::atomic<int>> alive) {
  Tracked t(alive);
  auto a = co_await task::fork(parked_forever(alive));
  auto b = co_await task::fork(sleeping_long(alive));
  co_await task::group(a, b);
}
}  // namespace

TEST_CASE("destroying a syndicate with suspended tasks frees every frame") {
  auto alive = std::make_shared<std::atomic<int>>(0);
  {
    Syndicate syn("suspended", SyndicateConfig{.workers = 2});
    for (int i = 0; i < 20; ++i) task::spawn(syn, joining_parked(alive));
    CHECK(ensemble_test::wait_until([&] { return alive->load() == 60; }));
  }
  CHECK(alive->load() == 0);  // ASan's leak check covers the frames themselves
}

TEST_CASE("task::run waiting while the syndicate shuts down throws ActorStopped") {
  auto syn = std::make_unique<Syndicate>("run-shutdown", SyndicateConfig{.workers = 2});
  std::atomic<bool> threw{false};
  std::atomic<bool> started{false};
  std::thread waiter([&] {
    try {
      task::run(*syn, [](std::atomic<bool>& s) -> Task<int> {
        s.store(true);  // from here the task runs on to its suspend without a pause
        co_await task::suspend();
        co_return 0;
      }(started));
    } catch (const ensemble::ActorStopped&) {
      threw = true;
    }
  });
  REQUIRE(ensemble_test::wait_until([&] { return started.load(); }));
  syn->shutdown();
  waiter.join();
  CHECK(threw);
  CHECK_THROWS_AS(task::run(*syn, leaf(1)), ensemble::SyndicateError);
}

namespace {
// Tasks forked in a plain handler run on the actor's strand: they touch its
// state without locks, and the handler's fork runs right away, inside it.
struct Counter : ensemble::Actor {
  int count = 0;
  Log log;
  Task<void> bump(int n) {
    log.push_back("bump " + std::to_string(n));
    co_await task::sleep(1ms);
    count += n;
    log.push_back("bumped " + std::to_string(n));
  }
  void process(Message& m) {
    if (m.is<std::string>()) {  // "report": answered from the handler
      tell(std::to_string(count) + ":" + std::to_string(log.size()), m.sender());
      return;
    }
    task::main(bump(m.get<int>()));
    log.push_back("handled " + std::to_string(m.get<int>()));
  }
};
}  // namespace

TEST_CASE("a task forked in an actor's handler runs on the actor's strand") {
  Syndicate syn("actor-strand", SyndicateConfig{.workers = 2});
  auto c = syn.create_actor<Counter>();
  for (int i = 1; i <= 10; ++i) syn.tell(c, i);
  std::string report;
  CHECK(ensemble_test::wait_until([&] {
    report = syn.ask(c, std::string("report"), 1s).get().get<std::string>();
    return report == "55:30";
  }));
  CHECK(report == "55:30");
}

namespace {
// A coroutine handler that forks work on its strand and joins it; the next
// message waits until the handler finished.
struct Joiner : ensemble::Actor {
  Log order;
  Task<void> piece(int i) {
    co_await task::sleep(2ms);
    order.push_back("piece " + std::to_string(i));
  }
  Task<std::string> process(Message& m) {
    int n = m.get<int>();
    order.push_back("start " + std::to_string(n));
    auto a = co_await task::fork(piece(n * 10 + 1));
    auto b = co_await task::fork(piece(n * 10 + 2));
    co_await task::group(a, b);
    order.push_back("end " + std::to_string(n));
    std::string all;
    for (auto& s : order) all += s + ";";
    co_return all;
  }
};
}  // namespace

TEST_CASE("a coroutine handler joins forks on its strand; the next message waits for it") {
  Syndicate syn("handler-join", SyndicateConfig{.workers = 2});
  auto j = syn.create_actor<Joiner>();
  auto first = syn.ask(j, 1, 5s);
  auto second = syn.ask(j, 2, 5s);
  // Both asks are sent now; the second is handled only after the first ends.
  std::string a = std::move(first).get().get<std::string>();
  std::string b = std::move(second).get().get<std::string>();
  CHECK(a == "start 1;piece 11;piece 12;end 1;");
  CHECK(b == "start 1;piece 11;piece 12;end 1;start 2;piece 21;piece 22;end 2;");
}

namespace {
struct Echo : ensemble::Actor {
  int process(Message& m) { return m.get<int>() * 2; }
};

Task<int> ask_from_tree(Syndicate* syn, ActorAddress echo, int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += (co_await syn->ask(echo, i, 5s)).get<int>();
  co_return sum;
}
}  // namespace

TEST_CASE("co_await ask inside a task tree started from plain code") {
  Syndicate syn("tree-ask", SyndicateConfig{.workers = 2});
  auto echo = syn.create_actor<Echo>();
  CHECK(task::run(syn, ask_from_tree(&syn, echo, 100)) == 9900);
  // An ask to nobody fails at once with a delivery error.
  CHECK_THROWS_AS(task::run(syn, ask_from_tree(&syn, ActorAddress(), 1)), ensemble::MessageDeliveryError);
}

namespace {
Task<long> busy_sum(long from, long to) {
  long s = 0;
  for (long i = from; i < to; ++i) s += i;
  co_await task::sleep(1ms);
  co_return s;
}

Task<long> parallel_sums(int parts, long n) {
  std::vector<task::Fork<long>> forks;
  for (int p = 0; p < parts; ++p) {
    forks.push_back(co_await task::fork(busy_sum(n * p / parts, n * (p + 1) / parts), {.parallel = true}));
  }
  long total = 0;
  for (auto& f : forks) total += co_await f.join();
  co_return total;
}

Task<int> parallel_failure() {
  auto f = co_await task::fork(
      []() -> Task<int> {
        co_await task::sleep(1ms);
        throw std::runtime_error("parallel boom");
      }(),
      {.parallel = true});
  try {
    co_await f.join();
  } catch (const std::runtime_error& e) {
    co_return std::string(e.what()) == "parallel boom" ? 1 : 0;
  }
  co_return 0;
}
}  // namespace

TEST_CASE("parallel forks run on strands of their own and are joined without blocking a worker") {
  Syndicate syn("parallel", SyndicateConfig{.workers = 2});
  const long n = 100000;
  CHECK(task::run(syn, parallel_sums(8, n)) == n * (n - 1) / 2);
  CHECK(task::run(syn, parallel_failure()) == 1);
}

TEST_CASE("a Deferred resolved from another thread resumes the waiting task on its strand") {
  Syndicate syn("deferred", SyndicateConfig{.workers = 2});
  task::Deferred<std::string> d;
  std::thread setter([d] {
    std::this_thread::sleep_for(5ms);
    d.resolve(std::string("from a thread"));
  });
  std::string got = task::run(syn, [](task::Deferred<std::string> d) -> Task<std::string> {
    co_return co_await task::wait(d);
  }(d));
  setter.join();
  CHECK(got == "from a thread");
  CHECK_FALSE(d.resolve(std::string("again")));  // the first settle wins
  task::Deferred<int> failing;
  failing.reject(std::runtime_error("no"));
  CHECK_THROWS_WITH(task::run(syn, [](task::Deferred<int> d) -> Task<int> { co_return co_await task::wait(d); }(failing)),
                    "no");
}

TEST_CASE("misuse of the task API is a clear error, never a crash") {
  Syndicate syn("misuse", SyndicateConfig{.workers = 2});
  // No strand on a plain thread.
  CHECK_THROWS_AS(task::main(leaf(1)), ensemble::SyndicateError);
  // A finished fork: abort, exit and resume do nothing.
  int r = task::run(syn, []() -> Task<int> {
    auto f = co_await task::fork(leaf(7));
    long v = co_await f.join();
    f.abort(std::runtime_error("late"));
    f.exit(1L);
    f.resume();
    co_return static_cast<int>(v + (co_await f.join()));
  }());
  CHECK(r == 14);
  // Aborting a fork that never started fails it without running its body.
  bool ran = false;
  int aborted = task::run(syn, [](bool* ran) -> Task<int> {
    auto f = task::fork([](bool* ran) -> Task<int> {
      *ran = true;
      co_return 1;
    }(ran));
    f.abort(std::runtime_error("never"));
    try {
      co_await f.join();
    } catch (const std::runtime_error&) {
      co_return 2;
    }
    co_return 3;
  }(&ran));
  CHECK(aborted == 2);
  CHECK_FALSE(ran);
  // A blocking run() on a worker thread throws instead of deadlocking it.
  struct Runner : ensemble::Actor {
    std::string process(Message&) {
      try {
        task::run(syndicate(), leaf(1));
        return "ran";
      } catch (const ensemble::SyndicateError&) {
        return "refused";
      }
    }
  };
  auto runner = syn.create_actor<Runner>();
  CHECK(syn.ask(runner, 0, 5s).get().get<std::string>() == "refused");
}

namespace {
Task<void> hang(Log* log) {
  struct Cleanup {
    Log* log;
    ~Cleanup() { log->push_back("cleanup hang"); }
  } cleanup{log};
  co_await task::suspend();
}

Task<void> work(Log* log) {
  struct Cleanup {
    Log* log;
    ~Cleanup() { log->push_back("cleanup work"); }
  } cleanup{log};
  auto h = co_await task::fork(hang(log));
  co_await h.join();
}

Task<int> exit_joiner(Log* log) {
  auto w = co_await task::fork(work(log));
  co_await task::sleep(2ms);
  task::terminate(w);
  co_return static_cast<int>(log->size());
}
}  // namespace

TEST_CASE("exiting a task blocked in a join exits the forks it joined (the reference's cleanup of joined children)") {
  Syndicate syn("exit-joined", SyndicateConfig{.workers = 2});
  Log log;
  CHECK(task::run(syn, exit_joiner(&log)) == 2);
  CHECK(log == Log{"cleanup hang", "cleanup work"});
}

TEST_CASE("then() maps a task's value or error") {
  Syndicate syn("then", SyndicateConfig{.workers = 2});
  auto ok = task::then(leaf(20), [](long v) { return static_cast<int>(v) + 1; }, [](std::exception_ptr) { return -1; });
  CHECK(task::run(syn, std::move(ok)) == 21);
  auto bad = task::then(fail_at_depth(0), [](int v) { return v; }, [](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const Boom& b) {
      return 1000 + b.level;
    }
  });
  CHECK(task::run(syn, std::move(bad)) == 1000);
}

TEST_CASE("a move-only result comes out of task::run") {
  Syndicate syn("move-only", SyndicateConfig{.workers = 2});
  auto p = task::run(syn, []() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); }());
  REQUIRE(p != nullptr);
  CHECK(*p == 7);
}

namespace {
Task<int> long_nap(std::shared_ptr<std::atomic<int>> cleaned) {
  struct Cleanup {
    std::shared_ptr<std::atomic<int>> c;
    ~Cleanup() { c->fetch_add(1); }
  } cleanup{cleaned};
  co_await task::sleep(1h);
  co_return 0;
}

Task<std::string> abort_parallel(std::shared_ptr<std::atomic<int>> cleaned) {
  auto f = co_await task::fork(long_nap(cleaned), {.parallel = true});
  co_await task::sleep(5ms);
  f.abort(std::runtime_error("stop there"));  // travels to the fork's strand
  try {
    co_await f.join();
  } catch (const std::runtime_error& e) {
    co_return e.what();
  }
  co_return "not aborted";
}
}  // namespace

TEST_CASE("a parallel fork is aborted through its strand; its join sees the error") {
  Syndicate syn("parallel-abort", SyndicateConfig{.workers = 2});
  auto cleaned = std::make_shared<std::atomic<int>>(0);
  CHECK(task::run(syn, abort_parallel(cleaned)) == "stop there");
  CHECK(cleaned->load() == 1);
}

namespace {
// Waits for `d`; says when it started and whether the wait was aborted.
Task<int> waits_for(task::Deferred<int> d, std::shared_ptr<std::atomic<int>> stage) {
  stage->store(1);  // from here the task runs on to its wait without a pause
  try {
    co_return co_await task::wait(d);
  } catch (...) {
    stage->store(2);  // the wait was registered with `d`, then aborted
    throw;
  }
}
}  // namespace

TEST_CASE("a Deferred resolved after its syndicate is gone drops the wake of the task that waited") {
  task::Deferred<int> d;
  auto stage = std::make_shared<std::atomic<int>>(0);
  {
    Syndicate syn("deferred-late", SyndicateConfig{.workers = 2});
    task::spawn(syn, waits_for(d, stage));
    REQUIRE(ensemble_test::wait_until([&] { return stage->load() >= 1; }));
  }
  // The shutdown aborted the task inside its wait, so `d` still holds the
  // wake of a task whose syndicate is gone.
  CHECK(stage->load() == 2);
  CHECK(d.resolve(5));  // nobody is left to wake: no crash, no use of the freed syndicate (ASan)
  CHECK_FALSE(d.resolve(6));  // settled once
}

// --- regressions found in review -------------------------------------------------

namespace {
Task<int> sleeps_long() {
  co_await task::sleep(60s);
  co_return 1;
}

Task<int> joins_a_sleeper() {
  auto f = co_await task::fork(sleeps_long());
  try {
    co_return co_await f.join();
  } catch (const std::runtime_error&) {
    co_return -1;  // the abort reached us at the join, after the sleeper was aborted
  }
}

// Keeps a joiner and aborts it from a plain handler: the abort does not start
// inside a drain, so draining the sleeper's abort must not drive the joiner.
struct AbortsFromHandler : ensemble::Actor {
  task::Fork<int> joiner;
  std::string process(Message& m) {
    if (m.get<int>() == 0) {
      joiner = task::fork(joins_a_sleeper());
      task::main([](task::Fork<int> j) -> Task<void> { co_await j; }(joiner));  // starts it here
      return "started";
    }
    joiner.abort(std::runtime_error("kill"));
    return joiner.finished() && joiner.ok() ? std::to_string(joiner.value()) : "unfinished";
  }
};
}  // namespace

TEST_CASE("aborting a task blocked in a join from outside any task (a plain handler)") {
  Syndicate syn("abort-joiner", SyndicateConfig{.workers = 2});
  auto a = syn.create_actor<AbortsFromHandler>();
  CHECK(syn.ask(a, 0, 5s).get().get<std::string>() == "started");
  CHECK(syn.ask(a, 1, 5s).get().get<std::string>() == "-1");
}

namespace {
Task<int> slow_five() {
  co_await task::sleep(100ms);
  co_return 5;
}
Task<int> joins(task::Fork<int> p) { co_return co_await p.join(); }
Task<int> resume_early() {
  auto p = co_await task::fork(slow_five(), {.parallel = true});
  auto j = co_await task::fork(joins(p));
  co_await task::sleep(10ms);
  j.resume();  // legal at any time: the joiner must go on waiting
  co_return co_await j.join();
}

std::atomic<int> shared_runs{0};
Task<int> counted() {
  shared_runs.fetch_add(1);
  co_await task::sleep(1ms);
  co_return 1;
}
Task<void> join_when(task::Fork<int> p, task::Deferred<void> go) {
  co_await task::wait(go);
  (void)co_await p.join();
}

Task<void> member_sleeps(std::atomic<int>* woke) {
  co_await task::sleep(30ms);
  woke->fetch_add(1);
}
Task<void> abort_a_loop(std::atomic<int>* woke) {
  auto l = co_await task::fork(task::loop(member_sleeps(woke), [](task::Never) { return task::none(); }));
  co_await task::sleep(5ms);
  l.abort(std::runtime_error("stop"));
  co_await task::sleep(60ms);  // past the member's timer
}
}  // namespace

TEST_CASE("a task joining a parallel fork and resumed early waits on") {
  Syndicate syn("resume-early", SyndicateConfig{.workers = 2});
  CHECK(task::run(syn, resume_early()) == 5);
}

TEST_CASE("two trees joining one lazy parallel fork start it once") {
  Syndicate syn("start-once", SyndicateConfig{.workers = 2});
  for (int round = 0; round < static_cast<int>(scaled(100)); ++round) {
    shared_runs = 0;
    auto p = task::fork(counted(), {.parallel = true});
    task::Deferred<void> go;
    std::thread a([&] { task::run(syn, join_when(p, go)); });
    std::thread b([&] { task::run(syn, join_when(p, go)); });
    std::this_thread::sleep_for(1ms);
    go.resolve();
    a.join();
    b.join();
    CHECK(shared_runs.load() == 1);
  }
}

TEST_CASE("members of an aborted loop stay dormant: their timers no longer resume them") {
  Syndicate syn("dormant", SyndicateConfig{.workers = 2});
  std::atomic<int> woke{0};
  task::run(syn, abort_a_loop(&woke));
  CHECK(woke.load() == 0);
}

namespace {
Task<int> catches_then_sleeps(Log* log) {
  auto f = co_await task::fork(sleeps_long());
  try {
    co_return co_await f.join();
  } catch (const std::runtime_error&) {
    log->push_back("joiner caught");
  }
  co_await task::sleep(100ms);  // no leftover queue entry may cut this short
  log->push_back("joiner woke");
  co_return 2;
}
Task<int> abort_joiner_from_sibling(Log* log) {
  auto j = co_await task::fork(catches_then_sleeps(log));
  co_await task::sleep(5ms);
  j.abort(std::runtime_error("kill"));
  co_await task::sleep(30ms);
  log->push_back("sibling");
  co_return co_await j.join();
}
}  // namespace

TEST_CASE("a joiner aborted by a sibling sleeps for as long as it asked afterwards") {
  Syndicate syn("abort-joiner-sibling", SyndicateConfig{.workers = 2});
  Log log;
  CHECK(task::run(syn, abort_joiner_from_sibling(&log)) == 2);
  CHECK(log == Log{"joiner caught", "sibling", "joiner woke"});
}

namespace {
ensemble::task::Effect<int> tagged_worker() {
  co_await ensemble::task::send(1);
  co_await ensemble::task::send(2);
}
Task<> collect_tagged(std::shared_ptr<Log> seen) {
  auto tagged = ensemble::task::tag(tagged_worker(), "fx");
  auto collect = [seen](ensemble::task::Tagged t) {
    seen->push_back(t.type + ":" + std::to_string(t.value.get<int>()));
  };
  co_await ensemble::task::capture(std::move(tagged), collect);
}
}  // namespace

// The library wraps a tagged task's messages in task::Tagged and the user's
// code unwraps them: the payload type must be one across the shared library's
// boundary (this suite links the library as a user does). With Tagged hidden,
// capture's get<Tagged>() threw BadPayloadAccess.
TEST_CASE("a tagged task's messages reach a capture in the user's code as task::Tagged") {
  Syndicate syn("tagged", SyndicateConfig{.workers = 1});
  auto seen = std::make_shared<Log>();
  ensemble::task::run(syn, collect_tagged(seen));
  CHECK(*seen == Log{"fx:1", "fx:2"});
}
