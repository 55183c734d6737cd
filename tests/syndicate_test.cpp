// spark's test_syndicate scenarios (seed-semantics.md D1-D7) in C++ form.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include <ensemble/ensemble.hpp>

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
