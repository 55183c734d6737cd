// spark's test_syndicate scenarios (seed-semantics.md D1-D7) in C++ form.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

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
