// spark's global syndicate (ensemble/global.hpp): made on first use, the same
// one while it lives, a SyndicateError for another configuration, a new one
// after shutdown, and the single-argument tell and ask to its inbox.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::Message;
using ensemble::Syndicate;

namespace {
struct Greeter : ensemble::Actor {
  std::string process(Message& m) { return "run:" + m.get<std::string>(); }
};
}  // namespace

TEST_CASE("the global syndicate is made on first use and is the same one until it is shut down") {
  ensemble::shutdown_global_syndicate();
  CHECK(ensemble::existing_global_syndicate() == nullptr);  // asking does not make one
  // An explicit syndicate is not the global one.
  Syndicate own("not-global");
  own.create_actor<Greeter>();
  CHECK(ensemble::existing_global_syndicate() == nullptr);

  Syndicate& g = ensemble::global_syndicate("spark-global");
  CHECK(ensemble::existing_global_syndicate() == &g);
  CHECK(&ensemble::global_syndicate("spark-global") == &g);
  CHECK(&ensemble::global_syndicate() == &g);  // no arguments: whatever exists
  CHECK(g.name() == "spark-global");
  auto greeter = g.create_actor<Greeter>();
  CHECK(g.ask(greeter, std::string("Spark"), 5s).get().get<std::string>() == "run:Spark");

  CHECK_THROWS_AS(ensemble::global_syndicate("another-name"), ensemble::SyndicateError);
  CHECK_THROWS_AS(ensemble::global_syndicate("spark-global", ensemble::SyndicateConfig{.workers = 1}),
                  ensemble::SyndicateError);

  const std::string first_id = g.id().uuid();
  ensemble::shutdown_global_syndicate();
  CHECK(g.is_shut_down());
  CHECK(ensemble::existing_global_syndicate() == nullptr);
  // The stale one stays usable as an object: its tells fail, nothing crashes.
  CHECK(g.tell(greeter, std::string("late")).reason == "system is shut down");

  // The next one is new, with a new id (an unnamed syndicate's id is random).
  Syndicate& next = ensemble::global_syndicate();
  CHECK(&next != &g);
  CHECK(next.id().uuid() != first_id);
  ensemble::shutdown_global_syndicate();
}

TEST_CASE("a global syndicate shut down by hand is replaced on next use") {
  Syndicate& g = ensemble::global_syndicate();
  g.shutdown();
  CHECK(ensemble::existing_global_syndicate() == nullptr);
  Syndicate& next = ensemble::global_syndicate();
  CHECK(&next != &g);
  CHECK_FALSE(next.is_shut_down());
  ensemble::shutdown_global_syndicate();
}

TEST_CASE("tell and ask without a target go to the global syndicate's inbox") {
  REQUIRE(ensemble::tell(std::string("to the global inbox")).success);
  Syndicate& g = ensemble::global_syndicate();
  auto got = g.receive(5s);
  REQUIRE(got.has_value());
  CHECK(got->get<std::string>() == "to the global inbox");

  // Nobody answers an ask to the inbox, so it times out; its message is
  // still received (spark's test 19).
  auto pending = ensemble::ask(std::string("question"), 100ms);
  CHECK_THROWS_AS(pending.get(), ensemble::ActorTimeout);
  auto question = g.receive(5s);
  REQUIRE(question.has_value());
  CHECK(question->get<std::string>() == "question");
  ensemble::shutdown_global_syndicate();
}

namespace {
// A void handler (nothing to reply) that records what it saw.
struct Recorder : ensemble::Actor {
  std::shared_ptr<std::atomic<int>> seen;
  explicit Recorder(std::shared_ptr<std::atomic<int>> s) : seen(std::move(s)) {}
  void process(Message& m) { seen->fetch_add(m.get<int>()); }
};
// Answers a "later" request only when the next message comes: it keeps the
// sender.
struct Deferrer : ensemble::Actor {
  ensemble::ActorAddress waiting;
  void process(Message& m) {
    if (m.get<std::string>() == "later") {
      waiting = m.sender();
      return;
    }
    tell(std::string("answered by ") + m.get<std::string>(), waiting);
    waiting = {};
  }
};
}  // namespace

TEST_CASE("run (spark's actor.run): the reply, or an empty one from a void handler, after the handler is done") {
  Syndicate syn("run");
  auto seen = std::make_shared<std::atomic<int>>(0);
  auto recorder = syn.create_actor<Recorder>(seen);
  const ensemble::Payload nothing = ensemble::run(recorder, 5, 10s);
  CHECK_FALSE(nothing.has_value());
  CHECK(seen->load() == 5);  // returned after the handler ran, not before
  CHECK(ensemble::run(recorder, 6, 10s).has_value() == false);
  CHECK(seen->load() == 11);

  auto greeter = syn.create_actor<Greeter>();
  CHECK(ensemble::run(greeter, std::string("x"), 10s).get<std::string>() == "run:x");

  // A handler that keeps the sender is waited for.
  auto deferrer = syn.create_actor<Deferrer>();
  auto answer = std::async(std::launch::async, [&] { return ensemble::run(deferrer, std::string("later"), 10s); });
  CHECK(answer.wait_for(100ms) == std::future_status::timeout);  // not answered by the first handler's end
  syn.tell(deferrer, std::string("the second message"));
  CHECK(answer.get().get<std::string>() == "answered by the second message");

  // Failures: a stopped actor, a shut-down syndicate (spark: a stopped global one).
  syn.stop(recorder);
  REQUIRE(ensemble_test::wait_until([&] { return !syn.tell(recorder, 0).success; }));
  CHECK_THROWS_AS(ensemble::run(recorder, 1, 10s), ensemble::MessageDeliveryError);
  syn.shutdown();
  CHECK_THROWS_WITH_AS(ensemble::run(greeter, std::string("x"), 10s), doctest::Contains("shut down"),
                       ensemble::SyndicateError);
}
