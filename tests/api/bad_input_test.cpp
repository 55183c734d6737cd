// Misuse and failure scenarios: spark's test_syndicate D5-D7 in C++ form, plus
// failing handlers and hooks, bad addresses, deadlines, payload access, specs
// and blocking calls from handlers (seed-semantics.md C2-C4).
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;

using ensemble_test::wait_until;

namespace {

struct EchoActor : ensemble::Actor {
  std::string process(Message& m) { return "echo:" + m.get<std::string>(); }
};

struct SilentActor : ensemble::Actor {
  void process(Message&) {}
};

struct HandlerBroke : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws on "boom", echoes anything else.
struct FragileActor : ensemble::Actor {
  std::string process(Message& m) {
    const std::string& s = m.get<std::string>();
    if (s == "boom") throw HandlerBroke("kaboom 42");
    return "ok:" + s;
  }
};

struct PreStartBroke : std::logic_error {
  using std::logic_error::logic_error;
};

struct FailingStartActor : ensemble::Actor {
  void pre_start() override { throw PreStartBroke("no start today"); }
  void process(Message&) {}
};

// Calls the blocking ask(...).get() from a plain handler and reports what happened.
struct BlockingAskActor : ensemble::Actor {
  explicit BlockingAskActor(ActorAddress target) : target_(std::move(target)) {}
  std::string process(Message&) {
    try {
      Payload p = ask(std::string("hello"), target_, 1s).get();
      return "no error: " + p.type_name();
    } catch (const ensemble::SyndicateError& e) {
      return std::string("SyndicateError: ") + e.what();
    } catch (const std::exception& e) {
      return std::string("other error: ") + e.what();
    }
  }
  ActorAddress target_;
};

}  // namespace

TEST_CASE("D5 a missing or stopped target gives a dead letter, and ask fails at once") {
  Syndicate syn("d5");
  Syndicate other("d5-other");
  ActorAddress foreign = other.create_actor<EchoActor>();
  ActorAddress stopped = syn.create_actor<EchoActor>();
  REQUIRE(syn.stop(stopped));
  REQUIRE(wait_until([&] { return syn.status().actor_count == 0; }));

  int letters = 0;
  for (const ActorAddress& target : {foreign, stopped}) {
    auto r = syn.tell(target, std::string("hello"));
    CHECK_FALSE(r.success);
    CHECK(r.reason == "target not found");
    ++letters;
    auto dead = syn.dead_letters();
    REQUIRE(dead.size() == static_cast<std::size_t>(letters));
    CHECK(dead.back()->reason == "target not found");
    CHECK(dead.back()->target == target);
    CHECK(dead.back()->message.content().get<std::string>() == "hello");

    auto t0 = std::chrono::steady_clock::now();
    try {
      (void)syn.ask(target, std::string("question"), 10s).get();
      FAIL("ask to a missing target returned");
    } catch (const ensemble::MessageDeliveryError& e) {
      CHECK(e.reason() == "target not found");
      CHECK(e.target() == target.to_string());
      CHECK(std::string(e.what()) ==
            "Failed to deliver message to " + target.to_string() + ": target not found");
    }
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // at once, not after 10 s
    ++letters;
  }
  CHECK(syn.status().dead_letter_count == 4);
  CHECK(other.status().dead_letter_count == 0);
}

TEST_CASE("D6 an endpoint gets its own replies; the system inbox gets none of them") {
  Syndicate syn("d6");
  ActorAddress echo = syn.create_actor<EchoActor>();
  auto ep = syn.endpoint();
  REQUIRE(ep.tell(echo, "told").success);
  auto told = ep.receive(5s);
  REQUIRE(told.has_value());
  CHECK(told->get<std::string>() == "echo:told");
  Payload asked = ep.ask(echo, "asked", 5s);
  CHECK(asked.get<std::string>() == "echo:asked");
  CHECK_FALSE(syn.receive(50ms).has_value());
  CHECK_FALSE(ep.receive(50ms).has_value());
}

TEST_CASE("D7 asking a silent actor times out with spark's message") {
  Syndicate syn("d7");
  ActorAddress silent = syn.create_actor<SilentActor>();
  auto t0 = std::chrono::steady_clock::now();
  try {
    (void)syn.ask(silent, std::string("anyone?"), 200ms).get();
    FAIL("ask to a silent actor returned");
  } catch (const ensemble::ActorTimeout& e) {
    CHECK(std::string(e.what()) == "ask timed out after 0.2 seconds");
    CHECK(e.timeout() == std::chrono::nanoseconds(200ms));
  }
  CHECK(std::chrono::steady_clock::now() - t0 >= 200ms);

  auto ep = syn.endpoint();
  CHECK_THROWS_WITH_AS(ep.ask(silent, "anyone?", 200ms), "ask timed out after 0.2 seconds",
                       ensemble::ActorTimeout);
}

TEST_CASE("zero and negative ask time-outs are rejected with InvalidArgument") {
  Syndicate syn("bad-timeout");
  ActorAddress echo = syn.create_actor<EchoActor>();
  CHECK_THROWS_AS((void)syn.ask(echo, "x", 0s).get(), ensemble::InvalidArgument);
  CHECK_THROWS_AS((void)syn.ask(echo, "x", -1s).get(), ensemble::InvalidArgument);
  auto ep = syn.endpoint();
  CHECK_THROWS_AS(ep.ask(echo, "x", 0s), ensemble::InvalidArgument);
  CHECK_THROWS_AS(ep.ask(echo, "x", -5ms), ensemble::InvalidArgument);
  // Nothing was sent.
  CHECK_FALSE(syn.receive(50ms).has_value());
  CHECK_FALSE(ep.receive(50ms).has_value());
  CHECK(syn.status().dead_letter_count == 0);
}

TEST_CASE("a handler that throws gives a dead letter and stops its actor") {
  Syndicate syn("handler-throws");
  ActorAddress a = syn.create_actor<FragileActor>();
  CHECK(syn.ask(a, "fine", 5s).get().get<std::string>() == "ok:fine");
  REQUIRE(syn.tell(a, "boom").success);
  REQUIRE(wait_until([&] { return syn.status().actor_count == 0; }));
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  const std::string& reason = letters[0]->reason;
  CHECK(reason.rfind("handler failed: ", 0) == 0);
  CHECK(reason.find("kaboom 42") != std::string::npos);
  CHECK(letters[0]->target == a);
  CHECK(letters[0]->message.content().get<std::string>() == "boom");

  auto r = syn.tell(a, "after");
  CHECK_FALSE(r.success);
  CHECK(r.reason == "target not found");
  CHECK_FALSE(syn.receive(50ms).has_value());  // no reply was sent for "boom"
}

TEST_CASE("a pre_start that throws makes create_actor rethrow it; no actor is added") {
  Syndicate syn("pre-start-throws");
  syn.create_actor<EchoActor>();
  REQUIRE(syn.status().actor_count == 1);
  CHECK_THROWS_WITH_AS(syn.create_actor<FailingStartActor>(), "no start today", PreStartBroke);
  CHECK(syn.status().actor_count == 1);
  CHECK_THROWS_AS(syn.create_actor_from_spec(ensemble::ActorSpec::of<FailingStartActor>()),
                  PreStartBroke);
  CHECK(syn.status().actor_count == 1);
  CHECK_FALSE(syn.receive(50ms).has_value());
}

TEST_CASE("stopping an actor twice: the second stop returns false") {
  Syndicate syn("stop-twice");
  ActorAddress a = syn.create_actor<EchoActor>();
  CHECK(syn.stop(a));
  CHECK_FALSE(syn.stop(a));
  REQUIRE(wait_until([&] { return syn.status().actor_count == 0; }));
  CHECK_FALSE(syn.stop(a));
  CHECK_FALSE(syn.stop(ActorAddress{}));
  CHECK(syn.status().dead_letter_count == 0);
}

TEST_CASE("telling an empty address fails with target not found") {
  Syndicate syn("empty-address");
  auto r = syn.tell(ActorAddress{}, 1);
  CHECK_FALSE(r.success);
  CHECK(r.reason == "target not found");
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]->reason == "target not found");
  CHECK_FALSE(letters[0]->target);
  CHECK_THROWS_AS((void)syn.ask(ActorAddress{}, 1, 5s).get(), ensemble::MessageDeliveryError);
}

TEST_CASE("a message past its deadline is a dead letter message expired") {
  Syndicate syn("expired");
  ActorAddress echo = syn.create_actor<EchoActor>();
  Message m(Payload(std::string("stale")));
  m.set_deadline(ensemble::Clock::now() - 1s);
  auto r = syn.tell(echo, std::move(m));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "message expired");
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]->reason == "message expired");
  CHECK(letters[0]->message.content().get<std::string>() == "stale");
  CHECK_FALSE(syn.receive(50ms).has_value());  // the echo never saw it

  Message fresh(Payload(std::string("fresh")));
  fresh.set_deadline(ensemble::Clock::now() + 60s);
  CHECK(syn.tell(echo, std::move(fresh)).success);
  auto reply = syn.receive(5s);
  REQUIRE(reply.has_value());
  CHECK(reply->get<std::string>() == "echo:fresh");
}

TEST_CASE("get<int>() on a string payload throws BadPayloadAccess") {
  Payload p(std::string("text"));
  CHECK_THROWS_AS(p.get<int>(), ensemble::BadPayloadAccess);
  CHECK(p.get_if<int>() == nullptr);
  CHECK(p.get<std::string>() == "text");
  Message m(Payload(std::string("text")));
  CHECK_THROWS_AS(m.get<int>(), ensemble::BadPayloadAccess);
  Payload empty;
  CHECK_THROWS_AS(empty.get<int>(), ensemble::BadPayloadAccess);
}

TEST_CASE("ActorSpec with execution process, a bad mode or no factory is rejected with InvalidActorSpecError") {
  Syndicate syn("bad-spec");
  // EchoActor is not registered for worker processes (tests/process covers
  // the registered case).
  for (bool stateless : {false, true}) {
    CAPTURE(stateless);
    auto spec = ensemble::ActorSpec::of<EchoActor>();
    spec.execution = ensemble::Execution::process;
    spec.stateless = stateless;
    try {
      syn.create_actor_from_spec(spec);
      FAIL("created");
    } catch (const ensemble::InvalidActorSpecError& e) {
      if (stateless) {
        CHECK(std::string(e.what()).find("EchoActor is not registered for worker processes; register it with "
                                         "ensemble::register_actor<A>") != std::string::npos);
      } else {
        CHECK(std::string(e.what()) == "execution=process requires stateless=true");
      }
    }
  }
  auto bad_mode = ensemble::ActorSpec::of<EchoActor>();
  bad_mode.execution = static_cast<ensemble::Execution>(17);
  CHECK_THROWS_WITH_AS(syn.create_actor_from_spec(bad_mode),
                       "ActorSpec::execution = 17 is not an execution mode (inprocess, thread, process, system, tbb_arena)",
                       ensemble::InvalidActorSpecError);
  CHECK_THROWS_AS(syn.create_actor_from_spec(ensemble::ActorSpec{}),
                  ensemble::InvalidActorSpecError);
  CHECK(syn.status().actor_count == 0);
  auto ok = ensemble::ActorSpec::of<EchoActor>();
  ok.execution = ensemble::Execution::system;
  ActorAddress a = syn.create_actor_from_spec(ok);
  CHECK(syn.ask(a, "spec", 5s).get().get<std::string>() == "echo:spec");
}

TEST_CASE("a blocking ask(...).get() inside a plain handler throws SyndicateError") {
  Syndicate syn("blocking-in-handler");
  ActorAddress echo = syn.create_actor<EchoActor>();
  ActorAddress a = syn.create_actor<BlockingAskActor>(echo);
  Payload r = syn.ask(a, "go", 5s);
  CHECK(r.get<std::string>().rfind("SyndicateError: ", 0) == 0);
  CHECK(syn.status().actor_count == 2);  // the handler caught it: nobody stopped
  CHECK(syn.status().dead_letter_count == 0);
}

TEST_CASE("an ask after shutdown fails with MessageDeliveryError 'system is shut down', time-out or not") {
  // spark raises MessageDeliveryError("system is shut down") for an ask after
  // shutdown; a finite time-out once made it ActorStopped instead, because
  // the reply slot's timer was refused before the tell had its say.
  Syndicate syn("ask-after-shutdown");
  ActorAddress echo = syn.create_actor<EchoActor>();
  syn.shutdown();
  for (auto timeout : {std::chrono::nanoseconds(5s), std::chrono::nanoseconds(1ms), ensemble::no_timeout}) {
    CAPTURE(timeout.count());
    try {
      (void)syn.ask(echo, std::string("late"), timeout).get();
      FAIL("an ask after shutdown returned");
    } catch (const ensemble::MessageDeliveryError& e) {
      CHECK(e.reason() == "system is shut down");
      CHECK(e.target() == echo.to_string());
    }
  }
  auto ep_error = [&]() -> std::string {
    auto ep = syn.endpoint();
    try {
      (void)ep.ask(echo, std::string("late"), 5s);
    } catch (const ensemble::MessageDeliveryError& e) {
      return e.reason();
    } catch (const std::exception& e) {
      return std::string("other: ") + e.what();
    }
    return "answered";
  };
  CHECK(ep_error() == "system is shut down");
}
