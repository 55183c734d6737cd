// Execution modes (ActorSpec::execution, SyndicateConfig::backend): a
// thread-mode actor runs on a thread of its own, keeps the whole actor API,
// and blocks nobody else; system follows the backend; pinning.
#include <doctest/doctest.h>

#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::ActorSpec;
using ensemble::Execution;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble_test::wait_until;

namespace {

std::size_t threads_in_process() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

std::string thread_text() {
  return std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
}

// Answers with the id of the thread its handler ran on.
struct WhereAmI : ensemble::Actor {
  std::string process(Message&) { return thread_text(); }
};

// Blocks in its handler until `release` is set (or 10 s pass), then says
// whether it was released: a handler that blocks, as thread mode allows.
struct Blocker : ensemble::Actor {
  std::shared_future<void> release;
  explicit Blocker(std::shared_future<void> r) : release(std::move(r)) {}
  std::string process(Message&) {
    return release.wait_for(10s) == std::future_status::ready ? "released" : "never released";
  }
};

// Checks that each sender's numbers arrive in order.
struct OrderChecker : ensemble::Actor {
  int next = 0;
  int out_of_order = 0;
  std::string process(Message& m) {
    if (m.is<std::string>()) return std::to_string(next) + "/" + std::to_string(out_of_order);
    if (m.get<int>() != next) ++out_of_order;
    next = m.get<int>() + 1;
    return {};
  }
};

// A pool actor the thread actor asks.
struct Doubler : ensemble::Actor {
  int process(Message& m) { return 2 * m.get<int>(); }
};

// The whole actor API from a thread-mode actor: co_await ask, a child,
// schedule_after, and the child's exit notice.
struct FullApi : ensemble::Actor {
  ActorAddress child;
  std::string report_to_text;
  ensemble::Task<std::string> process(Message& m) {
    if (auto* exited = m.get_if<ensemble::ChildActorExited>()) {
      syndicate().tell(syndicate().inbox_address(), std::string("child exited: ") + exited->reason);
      co_return "";
    }
    if (m.is<ensemble::WakeupMessage>()) {
      syndicate().tell(syndicate().inbox_address(), std::string("woke on ") + thread_text());
      co_return "";
    }
    const std::string& what = m.get<std::string>();
    if (what == "ask") {
      child = create_actor<Doubler>();
      ensemble::Payload r = co_await ask(21, child, 5s);
      co_return std::to_string(r.get<int>()) + " on " + thread_text();
    }
    if (what == "wake") {
      schedule_after(1ms, Payload(std::string("tick")));
      co_return "scheduled";
    }
    if (what == "stop child") {
      tell(ensemble::ActorExitRequest{"done"}, child);
      co_return "stopping";
    }
    co_return "?";
  }
};

// Waits for an answer the plain way, which a pool worker must refuse.
struct BlockingAsker : ensemble::Actor {
  ActorAddress to;
  explicit BlockingAsker(ActorAddress t) : to(std::move(t)) {}
  std::string process(Message&) {
    try {
      return std::to_string(syndicate().ask(to, 21, 5s).get().get<int>());
    } catch (const ensemble::SyndicateError& e) {
      return std::string("refused: ") + e.what();
    }
  }
};

struct Thrower : ensemble::Actor {
  std::string process(Message& m) {
    if (m.get<std::string>() == "boom") throw std::runtime_error("boom");
    return "ok";
  }
};

ActorSpec thread_spec_of_where() {
  auto spec = ActorSpec::of<WhereAmI>();
  spec.execution = Execution::thread;
  return spec;
}

}  // namespace

TEST_CASE("a thread-mode actor runs every message on one thread of its own, not on a pool worker") {
  Syndicate syn("thread-own", SyndicateConfig{.workers = 2});
  ActorAddress pool_actor = syn.create_actor<WhereAmI>();
  std::set<std::string> pool_threads;
  for (int i = 0; i < 20; ++i) pool_threads.insert(syn.ask(pool_actor, 0, 5s).get().get<std::string>());

  ActorAddress a = syn.create_actor_from_spec(thread_spec_of_where());
  ActorAddress b = syn.create_actor_from_spec(thread_spec_of_where());
  std::set<std::string> a_threads, b_threads;
  for (int i = 0; i < 20; ++i) {
    a_threads.insert(syn.ask(a, i, 5s).get().get<std::string>());
    b_threads.insert(syn.ask(b, i, 5s).get().get<std::string>());
  }
  REQUIRE(a_threads.size() == 1);
  REQUIRE(b_threads.size() == 1);
  CHECK(*a_threads.begin() != *b_threads.begin());  // a thread each
  CHECK(pool_threads.count(*a_threads.begin()) == 0);
  CHECK(pool_threads.count(*b_threads.begin()) == 0);
  CHECK(*a_threads.begin() != thread_text());
}

TEST_CASE("a blocking handler on a thread-mode actor does not stall pool actors") {
  // One pool worker: if the blocker ran on it, the doubler could not answer
  // until the blocker gave up (10 s), and the ask below would time out.
  Syndicate syn("thread-blocking", SyndicateConfig{.workers = 1});
  std::promise<void> release;
  auto spec = ActorSpec::of<Blocker>(release.get_future().share());
  spec.execution = Execution::thread;
  ActorAddress blocker = syn.create_actor_from_spec(spec);
  ActorAddress doubler = syn.create_actor<Doubler>();
  REQUIRE(syn.tell(blocker, 0).success);  // its reply comes to the system inbox
  CHECK(syn.ask(doubler, 21, 5s).get().get<int>() == 42);
  release.set_value();
  auto reply = syn.receive(15s);
  REQUIRE(reply.has_value());
  CHECK(reply->get<std::string>() == "released");
}

TEST_CASE("a thread-mode actor keeps the whole actor API: co_await ask, children, schedule_after, exits") {
  Syndicate syn("thread-api");
  auto spec = ActorSpec::of<FullApi>();
  spec.execution = Execution::thread;
  ActorAddress a = syn.create_actor_from_spec(spec);
  const std::string answer = syn.ask(a, std::string("ask"), 5s).get().get<std::string>();
  REQUIRE(answer.rfind("42 on ", 0) == 0);
  const std::string lane = answer.substr(6);
  CHECK(lane != thread_text());

  CHECK(syn.ask(a, std::string("wake"), 5s).get().get<std::string>() == "scheduled");
  auto woke = syn.receive(5s);
  REQUIRE(woke.has_value());
  CHECK(woke->get<std::string>() == "woke on " + lane);  // the wake-up ran on the lane too

  CHECK(syn.ask(a, std::string("stop child"), 5s).get().get<std::string>() == "stopping");
  auto exited = syn.receive(5s);
  REQUIRE(exited.has_value());
  CHECK(exited->get<std::string>() == "child exited: done");
}

TEST_CASE("a thread-mode handler may wait for an ask with get(), which a pool handler may not") {
  Syndicate syn("thread-get", SyndicateConfig{.workers = 1});
  ActorAddress doubler = syn.create_actor<Doubler>();
  auto spec = ActorSpec::of<BlockingAsker>(doubler);
  spec.execution = Execution::thread;
  CHECK(syn.ask(syn.create_actor_from_spec(spec), 0, 10s).get().get<std::string>() == "42");
  const std::string on_pool = syn.ask(syn.create_actor<BlockingAsker>(doubler), 0, 10s).get().get<std::string>();
  CHECK(on_pool.rfind("refused: ask(...).get() would block a worker thread", 0) == 0);
}

TEST_CASE("tells from one plain thread reach a thread-mode actor in order") {
  Syndicate syn("thread-fifo");
  auto spec = ActorSpec::of<OrderChecker>();
  spec.execution = Execution::thread;
  ActorAddress a = syn.create_actor_from_spec(spec);
  const int n = static_cast<int>(ensemble_test::scaled(20000));
  for (int i = 0; i < n; ++i) REQUIRE(syn.tell(a, i).success);
  CHECK(syn.ask(a, std::string("report"), 10s).get().get<std::string>() == std::to_string(n) + "/0");
}

TEST_CASE("a failing thread-mode handler is a dead letter, stops the actor, and its thread ends") {
  const std::size_t before = threads_in_process();
  {
    Syndicate syn("thread-fail", SyndicateConfig{.workers = 1});
    const std::size_t with_pool = threads_in_process();
    auto spec = ActorSpec::of<Thrower>();
    spec.execution = Execution::thread;
    ActorAddress a = syn.create_actor_from_spec(spec);
    CHECK(wait_until([&] { return threads_in_process() == with_pool + 1; }));
    CHECK(syn.ask(a, std::string("fine"), 5s).get().get<std::string>() == "ok");
    REQUIRE(syn.tell(a, std::string("boom")).success);
    REQUIRE(wait_until([&] { return syn.status().actor_count == 0; }));
    auto letters = syn.dead_letters();
    REQUIRE(letters.size() == 1);
    CHECK(letters[0]->reason == "handler failed: boom");
    // The lane's thread ends with its actor.
    CHECK(wait_until([&] { return threads_in_process() == with_pool; }));
    // Late mail is bounced by the sender, not lost.
    auto r = syn.tell(a, std::string("late"));
    CHECK_FALSE(r.success);
    CHECK(r.reason == "target not found");
  }
  CHECK(wait_until([&] { return threads_in_process() == before; }));
}

TEST_CASE("shutdown stops thread-mode actors and leaves no thread behind") {
  const std::size_t before = threads_in_process();
  {
    Syndicate syn("thread-shutdown", SyndicateConfig{.workers = 1});
    std::vector<ActorAddress> lanes;
    for (int i = 0; i < 8; ++i) lanes.push_back(syn.create_actor_from_spec(thread_spec_of_where()));
    for (const auto& a : lanes) CHECK(syn.ask(a, 0, 5s).get().is<std::string>());
    CHECK(syn.status().actor_count == 8);
    syn.shutdown();
    CHECK(syn.status().actor_count == 0);
  }
  // Joined, not detached; /proc may list a joined thread for a moment longer.
  CHECK(wait_until([&] { return threads_in_process() == before; }));
}

namespace {
struct FailsToStart : ensemble::Actor {
  void pre_start() override { throw std::runtime_error("no"); }
  void process(Message&) {}
};

// A thread-mode parent with thread-mode children; reports their exits.
struct LaneParent : ensemble::Actor {
  int children_exited = 0;
  std::string process(Message& m) {
    if (m.is<ensemble::ChildActorExited>()) {
      ++children_exited;
      return "";
    }
    if (m.get<std::string>() == "spawn") {
      auto spec = ActorSpec::of<WhereAmI>();
      spec.execution = Execution::thread;
      for (int i = 0; i < 3; ++i) create_actor_from_spec(spec);
      return "spawned";
    }
    if (m.get<std::string>() == "shutdown") {
      syndicate_shutdown();  // from a lane: must not wait for itself
      return "shutting down";
    }
    return "?";
  }
};
}  // namespace

TEST_CASE("a thread-mode actor whose pre_start throws leaves no thread behind") {
  Syndicate syn("thread-prestart", SyndicateConfig{.workers = 1});
  const std::size_t with_pool = threads_in_process();
  auto spec = ActorSpec::of<FailsToStart>();
  spec.execution = Execution::thread;
  for (int i = 0; i < 3; ++i) CHECK_THROWS_AS(syn.create_actor_from_spec(spec), std::runtime_error);
  CHECK(syn.status().actor_count == 0);
  // Without abandon() each failed start left a lane asleep until shutdown.
  CHECK(wait_until([&] { return threads_in_process() == with_pool; }));
}

TEST_CASE("a thread-mode parent stops with its thread-mode children, and may shut the syndicate down") {
  const std::size_t before = threads_in_process();
  {
    Syndicate syn("thread-family", SyndicateConfig{.workers = 1});
    const std::size_t with_pool = threads_in_process();
    auto spec = ActorSpec::of<LaneParent>();
    spec.execution = Execution::thread;
    ActorAddress parent = syn.create_actor_from_spec(spec);
    CHECK(syn.ask(parent, std::string("spawn"), 5s).get().get<std::string>() == "spawned");
    CHECK(syn.status().actor_count == 4);
    CHECK(wait_until([&] { return threads_in_process() == with_pool + 4; }));
    REQUIRE(syn.stop(parent));
    CHECK(wait_until([&] { return syn.status().actor_count == 0; }));
    CHECK(wait_until([&] { return threads_in_process() == with_pool; }));

    ActorAddress second = syn.create_actor_from_spec(spec);
    // A tell: the shutdown may begin before a reply could be delivered.
    REQUIRE(syn.tell(second, std::string("shutdown")).success);
    CHECK(wait_until([&] { return syn.is_shut_down() && syn.status().actor_count == 0; }));
  }
  CHECK(wait_until([&] { return threads_in_process() == before; }));
}

TEST_CASE("system follows the backend: the pool for inprocess, a thread for threaded") {
  auto spec = ActorSpec::of<WhereAmI>();
  spec.execution = Execution::system;
  {
    Syndicate syn("backend-inprocess", SyndicateConfig{.workers = 1});
    CHECK(syn.status().backend == "async-inprocess");
    ActorAddress pool_actor = syn.create_actor<WhereAmI>();
    ActorAddress sys = syn.create_actor_from_spec(spec);
    CHECK(syn.ask(sys, 0, 5s).get().get<std::string>() == syn.ask(pool_actor, 0, 5s).get().get<std::string>());
  }
  {
    Syndicate syn("backend-threaded", SyndicateConfig{.workers = 1, .backend = ensemble::Backend::threaded});
    CHECK(syn.status().backend == "async-hybrid-threaded");
    CHECK(syn.diagnostics().backend_type == "async-hybrid-threaded");
    ActorAddress pool_actor = syn.create_actor<WhereAmI>();
    ActorAddress sys = syn.create_actor_from_spec(spec);
    CHECK(syn.ask(sys, 0, 5s).get().get<std::string>() != syn.ask(pool_actor, 0, 5s).get().get<std::string>());
  }
  Syndicate proc("backend-process", SyndicateConfig{.workers = 1, .backend = ensemble::Backend::process});
  CHECK(proc.status().backend == "async-hybrid-process");
  CHECK_THROWS_AS(Syndicate("bad-backend", SyndicateConfig{.backend = static_cast<ensemble::Backend>(9)}),
                  ensemble::UnsupportedBackendError);
}

namespace {
// The processing units the calling thread may run on.
std::set<int> affinity_now() {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  std::set<int> cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i) {
    if (CPU_ISSET(i, &set)) cpus.insert(i);
  }
  return cpus;
}

struct AffinityReporter : ensemble::Actor {
  std::string process(Message&) {
    std::string out;
    for (int cpu : affinity_now()) out += std::to_string(cpu) + ",";
    return out;
  }
};

std::size_t cpus_in(const std::string& list) {
  std::size_t n = 0;
  for (char c : list) n += c == ',' ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("pinning: a thread-mode actor on core 0, pool workers one processing unit each") {
  const std::size_t all = affinity_now().size();
  auto spec = ActorSpec::of<AffinityReporter>();
  spec.execution = Execution::thread;
  spec.core = 0;
  Syndicate syn("pinning", SyndicateConfig{.workers = 2, .pin_workers = true});
  const std::string pinned = syn.ask(syn.create_actor_from_spec(spec), 0, 5s).get().get<std::string>();
  // Core 0's processing units: the first usable processing unit and its
  // hyper-thread siblings (the kernel's list for it), as far as usable.
  const int first = *affinity_now().begin();
  std::ifstream siblings("/sys/devices/system/cpu/cpu" + std::to_string(first) + "/topology/thread_siblings_list");
  std::string list;
  if (siblings >> list) {
    std::set<int> expected;
    for (std::size_t at = 0; at < list.size();) {  // "0", "0,4" or "0-1"
      const std::size_t end = list.find(',', at);
      const std::string part = list.substr(at, end == std::string::npos ? std::string::npos : end - at);
      const std::size_t dash = part.find('-');
      const int lo = std::stoi(part.substr(0, dash));
      const int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
      for (int c = lo; c <= hi; ++c) {
        if (affinity_now().count(c) != 0) expected.insert(c);
      }
      at = end == std::string::npos ? list.size() : end + 1;
    }
    std::string expected_text;
    for (int c : expected) expected_text += std::to_string(c) + ",";
    CHECK(pinned == expected_text);
  } else {
    MESSAGE("no sysfs topology: only checking that the lane is pinned somewhere");
    CHECK(cpus_in(pinned) >= 1);
  }
  spec.core = -1;
  const std::string free_lane = syn.ask(syn.create_actor_from_spec(spec), 0, 5s).get().get<std::string>();
  CHECK(cpus_in(free_lane) == all);
  // A pool actor sees its worker's single processing unit.
  const std::string worker = syn.ask(syn.create_actor<AffinityReporter>(), 0, 5s).get().get<std::string>();
  CHECK(cpus_in(worker) == 1);
}

TEST_CASE("pinning to a core that does not exist, or pinning a pool actor, is refused at creation") {
  Syndicate syn("pinning-bad");
  auto spec = ActorSpec::of<WhereAmI>();
  spec.execution = Execution::thread;
  spec.core = 4096;
  try {
    syn.create_actor_from_spec(spec);
    FAIL("created");
  } catch (const ensemble::InvalidActorSpecError& e) {
    const std::string what = e.what();
    CHECK(what.rfind("ActorSpec::core = 4096 does not exist: this machine has ", 0) == 0);
    CHECK(what.find("(cores are numbered from 0)") != std::string::npos);
  }
  spec.core = -2;
  CHECK_THROWS_AS(syn.create_actor_from_spec(spec), ensemble::InvalidActorSpecError);
  spec.core = 0;
  spec.execution = Execution::inprocess;
  CHECK_THROWS_WITH_AS(syn.create_actor_from_spec(spec),
                       "ActorSpec::core pins a thread-mode actor's thread; this spec runs inprocess",
                       ensemble::InvalidActorSpecError);
  CHECK(syn.status().actor_count == 0);
}
