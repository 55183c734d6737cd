// diagnostics(): spark's RuntimeDiagnostics (seed-semantics.md C2) in C++
// form, and the queue count that token holders take on request.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::ActorDiagnostics;
using ensemble::Message;
using ensemble::RuntimeDiagnostics;
using ensemble::Syndicate;
using ensemble_test::wait_until;

namespace {

const ActorDiagnostics* find(const RuntimeDiagnostics& d, const ActorAddress& a) {
  for (const auto& x : d.actors) {
    if (x.actor_id == a.id()) return &x;
  }
  return nullptr;
}

// Lets a test hand out permits one at a time to handlers that block on them.
class Gate {
 public:
  void release(int n = 1) {
    {
      std::lock_guard lock(m_);
      permits_ += n;
    }
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock lock(m_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return permits_ > 0; });
    --permits_;
    --waiting_;
    ++passed_;
    cv_.notify_all();
  }
  // Waits until `n` handlers are blocked at the gate.
  bool wait_for_waiters(int n) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, 5s, [&] { return waiting_ >= n; });
  }
  int passed() {
    std::lock_guard lock(m_);
    return passed_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int permits_ = 0;
  int waiting_ = 0;
  int passed_ = 0;
};

// Every message waits at the gate.
struct GatedActor : ensemble::Actor {
  Gate* gate;
  explicit GatedActor(Gate* g) : gate(g) {}
  void process(Message&) { gate->pass(); }
};

struct Leaf : ensemble::Actor {
  void process(Message&) {}
};

// Makes two children on "spawn" and replies when done.
struct Parent : ensemble::Actor {
  std::vector<ActorAddress> kids;
  std::string process(Message&) {
    kids.push_back(create_actor<Leaf>());
    kids.push_back(create_actor<Leaf>());
    return std::to_string(kids[0].id()) + " " + std::to_string(kids[1].id());
  }
};

}  // namespace

TEST_CASE("diagnostics: every actor in creation order with its parent, children, class and state") {
  Syndicate syn("diag");
  ActorAddress first = syn.create_actor<Leaf>();
  ActorAddress parent = syn.create_actor<Parent>();
  std::string kids = syn.ask(parent, std::string("spawn"), 5s).get().get<std::string>();
  auto ep = syn.endpoint();
  // A dead letter: a tell to an actor that is gone.
  ActorAddress gone = syn.create_actor<Leaf>();
  REQUIRE(syn.stop(gone));
  REQUIRE(wait_until([&] { return syn.status().actor_count == 4; }));
  syn.tell(gone, std::string("late"));

  RuntimeDiagnostics d = syn.diagnostics(5s);
  CHECK_FALSE(d.syndicate_id.empty());
  CHECK(first.to_string().find("(" + d.syndicate_id + ":") != std::string::npos);
  CHECK(d.backend_type == syn.status().backend);
  CHECK(d.actor_count == 4);
  REQUIRE(d.actors.size() == 4);
  CHECK(d.external_inbox_count == 1);
  CHECK(d.dead_letter_count == 1);
  // Creation order: first, parent, then its two children.
  CHECK(d.actors[0].actor_id == first.id());
  CHECK(d.actors[1].actor_id == parent.id());
  CHECK(std::to_string(d.actors[2].actor_id) + " " + std::to_string(d.actors[3].actor_id) == kids);
  CHECK_FALSE(d.actors[0].parent_id.has_value());
  CHECK_FALSE(d.actors[1].parent_id.has_value());
  CHECK(d.actors[2].parent_id == parent.id());
  CHECK(d.actors[3].parent_id == parent.id());
  CHECK(d.actors[1].child_count == 2);
  CHECK(d.actors[0].child_count == 0);
  CHECK(d.actors[2].child_count == 0);
  CHECK(d.actors[0].actor_class.find("Leaf") != std::string::npos);
  CHECK(d.actors[1].actor_class.find("Parent") != std::string::npos);
  for (const auto& a : d.actors) {
    CHECK(a.running);
    CHECK_FALSE(a.stopped);
    CHECK_FALSE(a.scheduled);
    CHECK(a.mailbox_depth == std::size_t{0});
  }
  {
    auto ep2 = syn.endpoint();
    CHECK(syn.diagnostics().external_inbox_count == 2);
  }
  CHECK(syn.diagnostics().external_inbox_count == 1);
  syn.shutdown();
  RuntimeDiagnostics after = syn.diagnostics();
  CHECK(after.actors.empty());
  CHECK(after.actor_count == 0);
}

TEST_CASE("diagnostics: a busy actor counts its waiting messages at its next message boundary") {
  Syndicate syn("diag-busy", {.workers = 2});
  Gate gate;
  ActorAddress a = syn.create_actor<GatedActor>(&gate);
  for (int i = 0; i < 6; ++i) REQUIRE(syn.tell(a, i).success);
  REQUIRE(gate.wait_for_waiters(1));  // inside the first handler; five wait
  auto pending = std::async(std::launch::async, [&] { return syn.diagnostics(10s); });
  // White-box: the request has reached the actor (its flag is up) before the
  // handler is let go, so the count is taken right after the first message.
  REQUIRE(wait_until([&] { return a.cell()->has_flag(ensemble::detail::flag_count_queue); }));
  gate.release();
  RuntimeDiagnostics d = pending.get();
  const ActorDiagnostics* x = find(d, a);
  REQUIRE(x != nullptr);
  CHECK(x->scheduled);
  CHECK(x->mailbox_depth == std::size_t{5});
  gate.release(5);
  REQUIRE(wait_until([&] { return gate.passed() == 6; }));
}

TEST_CASE("diagnostics: an actor held inside one handler for the whole wait has no count") {
  Syndicate syn("diag-stuck", {.workers = 2});
  Gate gate;
  ActorAddress a = syn.create_actor<GatedActor>(&gate);
  REQUIRE(syn.tell(a, 1).success);
  REQUIRE(syn.tell(a, 2).success);
  REQUIRE(gate.wait_for_waiters(1));
  RuntimeDiagnostics d = syn.diagnostics(20ms);
  const ActorDiagnostics* x = find(d, a);
  REQUIRE(x != nullptr);
  CHECK(x->scheduled);
  CHECK_FALSE(x->mailbox_depth.has_value());
  // The request is withdrawn: nothing is left for the actor to answer.
  CHECK_FALSE(a.cell()->has_flag(ensemble::detail::flag_count_queue));
  gate.release(2);
  REQUIRE(wait_until([&] { return gate.passed() == 2; }));
  // Idle again: counted at once.
  REQUIRE(wait_until([&] {
    RuntimeDiagnostics now = syn.diagnostics(1s);
    const ActorDiagnostics* y = find(now, a);
    return y != nullptr && !y->scheduled && y->mailbox_depth == std::size_t{0};
  }));
}

namespace {
// A coroutine handler that waits for a reply that never comes while three
// more messages arrive: they are held back, and they are waiting mail.
struct Waiter : ensemble::Actor {
  ActorAddress silent;
  std::atomic<int>* entered;
  Waiter(ActorAddress s, std::atomic<int>* e) : silent(std::move(s)), entered(e) {}
  ensemble::Task<> process(Message& m) {
    if (m.get<int>() != 0) co_return;
    entered->fetch_add(1);
    try {
      co_await ask(std::string("never answered"), silent, 60s);
    } catch (const ensemble::ActorStopped&) {
    }
  }
};
struct Silent : ensemble::Actor {
  void process(Message&) {}
};
}  // namespace

TEST_CASE("diagnostics: mail held back behind a suspended coroutine handler is waiting mail") {
  Syndicate syn("diag-held", {.workers = 2});
  std::atomic<int> entered{0};
  ActorAddress silent = syn.create_actor<Silent>();
  ActorAddress w = syn.create_actor<Waiter>(silent, &entered);
  REQUIRE(syn.tell(w, 0).success);
  REQUIRE(wait_until([&] { return entered.load() == 1; }));
  for (int i = 1; i <= 3; ++i) REQUIRE(syn.tell(w, i).success);
  // Whether the actor has moved them behind the handler yet or not, three wait.
  RuntimeDiagnostics first = syn.diagnostics(5s);
  const ActorDiagnostics* x = find(first, w);
  REQUIRE(x != nullptr);
  CHECK(x->mailbox_depth == std::size_t{3});
  // Once they are all behind the handler the mailbox is idle and the prober
  // counts them itself: still three.
  RuntimeDiagnostics d;
  REQUIRE(wait_until([&] {
    d = syn.diagnostics(5s);
    x = find(d, w);
    return x != nullptr && !x->scheduled;
  }));
  CHECK(x->mailbox_depth == std::size_t{3});
}

namespace {
// Calls diagnostics() from its own handler and reports what it saw of itself.
struct SelfInspector : ensemble::Actor {
  std::string process(Message&) {
    RuntimeDiagnostics d = syndicate().diagnostics(10s);
    for (const auto& x : d.actors) {
      if (x.actor_id == address().id()) {
        return std::string(x.scheduled ? "scheduled" : "idle") + " " +
               (x.mailbox_depth ? std::to_string(*x.mailbox_depth) : std::string("uncounted"));
      }
    }
    return "missing";
  }
};
}  // namespace

TEST_CASE("diagnostics: from a handler it does not wait, and its own actor is uncounted") {
  Syndicate syn("diag-self", {.workers = 1});
  ActorAddress a = syn.create_actor<SelfInspector>();
  // With one worker, waiting would deadlock: the worker is the one that would
  // have to answer. The ask's 5 s would expire long before the 10 s wait.
  CHECK(syn.ask(a, 1, 5s).get().get<std::string>() == "scheduled uncounted");
  // Nothing left behind: the next call sees it idle and counted.
  const ActorDiagnostics* x = nullptr;
  RuntimeDiagnostics d;
  REQUIRE(wait_until([&] {
    d = syn.diagnostics(1s);
    x = find(d, a);
    return x != nullptr && !x->scheduled;
  }));
  CHECK(x->mailbox_depth == std::size_t{0});
  CHECK_FALSE(a.cell()->has_flag(ensemble::detail::flag_count_queue));
}

namespace {
struct Counter : ensemble::Actor {
  std::atomic<std::uint64_t>* handled;
  explicit Counter(std::atomic<std::uint64_t>* h) : handled(h) {}
  void process(Message&) { handled->fetch_add(1, std::memory_order_relaxed); }
};
}  // namespace

TEST_CASE("diagnostics: under a flood, no count exceeds what was sent, and all reach zero") {
  Syndicate syn("diag-flood", {.workers = 2});
  constexpr int actors = 8;
  const std::uint64_t per_actor = ensemble_test::scaled(20000);
  std::atomic<std::uint64_t> handled{0};
  std::vector<ActorAddress> to;
  for (int i = 0; i < actors; ++i) to.push_back(syn.create_actor<Counter>(&handled));
  std::atomic<bool> sending{true};
  std::thread producer([&] {
    for (std::uint64_t n = 0; n < per_actor; ++n) {
      for (auto& a : to) syn.tell(a, 1);
    }
    sending.store(false);
  });
  int probes = 0, too_deep = 0, missing = 0;
  while (sending.load() || probes < 5) {
    RuntimeDiagnostics d = syn.diagnostics(1s);
    ++probes;
    if (d.actors.size() != actors) ++missing;
    for (const auto& x : d.actors) {
      if (x.mailbox_depth && *x.mailbox_depth > per_actor) ++too_deep;
    }
  }
  producer.join();
  CHECK(missing == 0);
  CHECK(too_deep == 0);
  REQUIRE(wait_until([&] { return handled.load() == per_actor * actors; }, 60s));
  RuntimeDiagnostics d;
  REQUIRE(wait_until([&] {
    d = syn.diagnostics(1s);
    return std::all_of(d.actors.begin(), d.actors.end(), [](const ActorDiagnostics& x) {
      return !x.scheduled && x.mailbox_depth == std::size_t{0};
    });
  }));
  for (auto& a : to) CHECK_FALSE(a.cell()->has_flag(ensemble::detail::flag_count_queue));
  MESSAGE("probes during the flood: " << probes);
}
