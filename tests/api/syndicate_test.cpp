// spark's test_syndicate scenarios (seed-semantics.md D1-D7) in C++ form.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Syndicate;

namespace {

struct EchoActor : ensemble::Actor {
  std::string process(Message& m) { return "echo:" + m.get<std::string>(); }
};

}  // namespace

TEST_CASE("D1 tell then receive, and ask, through an echo actor") {
  Syndicate syn("test");
  ActorAddress echo = syn.create_actor<EchoActor>();
  CHECK(syn.tell(echo, "hello").success);
  auto reply = syn.receive(2s);
  REQUIRE(reply.has_value());
  CHECK(reply->get<std::string>() == "echo:hello");
  ensemble::Payload answer = syn.ask(echo, "question", 2s);
  CHECK(answer.get<std::string>() == "echo:question");
}

TEST_CASE("listen() yields the system inbox's messages in order and ends at shutdown") {
  Syndicate syn("listen");
  ActorAddress echo = syn.create_actor<EchoActor>();
  for (int i = 0; i < 3; ++i) syn.tell(echo, std::to_string(i));
  std::vector<std::string> seen;
  std::thread closer;
  for (ensemble::Payload& p : syn.listen()) {
    seen.push_back(p.get<std::string>());
    if (seen.size() == 3) closer = std::thread([&] { syn.shutdown(); });
  }
  closer.join();
  CHECK(seen == std::vector<std::string>{"echo:0", "echo:1", "echo:2"});
  CHECK_FALSE(syn.receive(std::chrono::milliseconds(0)).has_value());
}

TEST_CASE("an Endpoint and a Listener outlive their syndicate: clear failures, safe destruction") {
  std::optional<ensemble::Endpoint> ep;
  std::optional<Syndicate::Listener> listener;
  std::optional<Syndicate> syn;
  syn.emplace("short-lived");
  ActorAddress echo = syn->create_actor<EchoActor>();
  ep.emplace(syn->endpoint());
  listener.emplace(syn->listen());
  CHECK(ep->ask(echo, std::string("hi"), 5s).get<std::string>() == "echo:hi");
  syn.reset();  // destroyed while the endpoint and the listener live on

  auto t0 = std::chrono::steady_clock::now();
  auto r = ep->tell(echo, std::string("late"));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "system is shut down");
  CHECK_FALSE(ep->receive(10s).has_value());  // closed: returns at once
  try {
    (void)ep->ask(echo, std::string("late"), 10s);
    FAIL("ask after the syndicate was destroyed returned");
  } catch (const ensemble::MessageDeliveryError& e) {
    CHECK(e.reason() == "system is shut down");
  }
  CHECK_THROWS_AS(ep->create_actor<EchoActor>(), ensemble::SyndicateError);
  CHECK((listener->begin() == Syndicate::Listener::End{}));  // nothing to iterate
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);  // nothing waited for its time-out
  echo = ActorAddress{};
  ep.reset();        // closes its inbox in the shut-down core (ASan: no use after free)
  listener.reset();  // the last owner frees the core
}

TEST_CASE("an Endpoint moved onto another closes the inbox it replaces") {
  Syndicate syn("endpoint-move");
  ActorAddress echo = syn.create_actor<EchoActor>();
  ensemble::Endpoint a = syn.endpoint();
  ensemble::Endpoint b = syn.endpoint();
  ActorAddress old_inbox = a.address();
  a = std::move(b);
  // The replaced inbox is closed: a reply addressed to it is a dead letter.
  ensemble::Message m(ensemble::Payload(std::string("to the old inbox")), old_inbox);
  REQUIRE(syn.tell(echo, std::move(m)).success);
  REQUIRE(ensemble_test::wait_until([&] { return syn.status().dead_letter_count == 1; }));
  CHECK(syn.dead_letters().at(0)->target == old_inbox);
  CHECK(a.ask(echo, std::string("x"), 5s).get<std::string>() == "echo:x");
}
