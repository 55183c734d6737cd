// Status scenarios: spark's test_status D93-D97 in C++ form (seed-semantics.md
// C2 diagnostics, C3 intercepted StatusRequest and delivery check 4).
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
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

// Replies "handled" to everything that reaches process().
struct StatusProbeActor : ensemble::Actor {
  std::string process(Message&) { return "handled"; }
};

// "arm" schedules a wake-up 60 s ahead and replies "armed".
struct SleepyActor : ensemble::Actor {
  std::optional<std::string> process(Message& m) {
    if (m.is<ensemble::WakeupMessage>()) return std::nullopt;
    schedule_after(60s, std::string("much later"));
    return std::string("armed");
  }
};

}  // namespace

TEST_CASE("D93 StatusRequest told to the system inbox from an endpoint is answered with SystemStatus") {
  Syndicate syn("d93");
  syn.create_actor<StatusProbeActor>();
  auto ep = syn.endpoint();
  REQUIRE(ep.tell(syn.inbox_address(), ensemble::StatusRequest{}).success);
  auto reply = ep.receive_message(5s);
  REQUIRE(reply.has_value());
  REQUIRE(reply->is<ensemble::SystemStatus>());
  const auto& s = reply->get<ensemble::SystemStatus>();
  CHECK(s.name == "d93");
  CHECK(s.backend == "async-inprocess");
  CHECK(s.uptime >= std::chrono::nanoseconds::zero());
  CHECK(s.actor_count == 1);
  CHECK(s.workers >= 1);
  CHECK_FALSE(s.shutting_down);
  // Intercepted: the request itself never reaches receive().
  CHECK_FALSE(syn.receive(50ms).has_value());
}

TEST_CASE("D93 asking the system inbox StatusRequest gives SystemStatus") {
  Syndicate syn("d93-ask");
  Payload reply = syn.ask(syn.inbox_address(), ensemble::StatusRequest{}, 2s);
  REQUIRE(reply.is<ensemble::SystemStatus>());
  CHECK(reply.get<ensemble::SystemStatus>().name == "d93-ask");
  CHECK(reply.get<ensemble::SystemStatus>().actor_count == 0);
  CHECK_FALSE(syn.receive(50ms).has_value());
}

TEST_CASE("D93 syn.status() describes the syndicate") {
  Syndicate syn("d93-direct");
  auto s = syn.status();
  CHECK(s.name == "d93-direct");
  CHECK(s.backend == "async-inprocess");
  CHECK(s.uptime >= std::chrono::nanoseconds::zero());
  CHECK(s.workers >= 1);
  CHECK(s.actor_count == 0);
  CHECK(s.dead_letter_count == 0);
  CHECK(s.pending_wakeups == 0);
  CHECK_FALSE(s.shutting_down);
  syn.shutdown();
  CHECK(syn.status().shutting_down);
}

TEST_CASE("D94 asking an actor StatusRequest gives its ActorStatus, not a call to process") {
  Syndicate syn("d94");
  ActorAddress a = syn.create_actor<StatusProbeActor>();
  Payload reply = syn.ask(a, ensemble::StatusRequest{}, 5s);
  REQUIRE(reply.is<ensemble::ActorStatus>());
  const auto& st = reply.get<ensemble::ActorStatus>();
  CHECK(st.actor_class.find("StatusProbeActor") != std::string::npos);
  CHECK(st.actor_address == a.to_string());

  auto ep = syn.endpoint();
  REQUIRE(ep.tell(a, ensemble::StatusRequest{}).success);
  auto m = ep.receive_message(5s);
  REQUIRE(m.has_value());
  CHECK(m->is<ensemble::ActorStatus>());  // not "handled"
  CHECK(m->sender() == a);
  CHECK_FALSE(ep.receive(50ms).has_value());
}

TEST_CASE("D95 actor_count is 2 after creating 2 actors, and drops when one stops") {
  Syndicate syn("d95");
  CHECK(syn.status().actor_count == 0);
  ActorAddress a = syn.create_actor<StatusProbeActor>();
  syn.create_actor<StatusProbeActor>();
  CHECK(syn.status().actor_count == 2);
  REQUIRE(syn.stop(a));
  CHECK(wait_until([&] { return syn.status().actor_count == 1; }));
}

TEST_CASE("D96 dead_letter_count grows for an unknown or stopped target") {
  Syndicate syn("d96");
  CHECK(syn.status().dead_letter_count == 0);
  auto r = syn.tell(ActorAddress{}, std::string("to nobody"));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "target not found");
  CHECK(syn.status().dead_letter_count == 1);

  ActorAddress a = syn.create_actor<StatusProbeActor>();
  REQUIRE(syn.stop(a));
  REQUIRE(wait_until([&] { return syn.status().actor_count == 0; }));
  auto r2 = syn.tell(a, std::string("too late"));
  CHECK_FALSE(r2.success);
  CHECK(r2.reason == "target not found");
  CHECK(syn.status().dead_letter_count == 2);
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 2);
  CHECK(letters[0]->reason == "target not found");
  CHECK(letters[0]->message.content().get<std::string>() == "to nobody");
  CHECK(letters[1]->target == a);
  CHECK(letters[1]->message.content().get<std::string>() == "too late");
}

TEST_CASE("D97 a 60 s schedule_after shows in pending_wakeups until the actor stops") {
  Syndicate syn("d97");
  CHECK(syn.status().pending_wakeups == 0);
  ActorAddress a = syn.create_actor<SleepyActor>();
  CHECK(syn.ask(a, "arm", 5s).get().get<std::string>() == "armed");
  CHECK(syn.status().pending_wakeups == 1);
  CHECK(syn.ask(a, "arm", 5s).get().get<std::string>() == "armed");
  CHECK(syn.status().pending_wakeups == 2);
  REQUIRE(syn.stop(a));
  CHECK(wait_until([&] { return syn.status().pending_wakeups == 0; }));
}

TEST_CASE("D98 format_status renders system, actor, exit and unknown answers") {
  Syndicate syn("fmt", ensemble::SyndicateConfig{.workers = 2});
  ActorAddress a = syn.create_actor<StatusProbeActor>();
  ActorAddress b = syn.create_actor<StatusProbeActor>();

  ensemble::Payload system = syn.ask(syn.inbox_address(), ensemble::StatusRequest{}, 5s);
  const std::string s = ensemble::format_status(system);
  CHECK(s.rfind("Status of Syndicate 'fmt'\n", 0) == 0);
  CHECK(s.find("  Actors: 2\n") != std::string::npos);
  CHECK(s.find("  Workers: 2\n") != std::string::npos);
  CHECK(s.find("  Backend: async-inprocess\n") != std::string::npos);
  CHECK(s.find("[IN SHUTDOWN]") == std::string::npos);

  ensemble::Payload actor = syn.ask(a, ensemble::StatusRequest{}, 5s);
  const std::string as = ensemble::format_status(actor);
  CHECK(as == "Status of Actor " + a.to_string() + "\n  Class: " +
                  actor.get<ensemble::ActorStatus>().actor_class + "\n");
  CHECK(as.find("StatusProbeActor") != std::string::npos);

  ensemble::ChildActorExited exited{b, "done"};
  CHECK(ensemble::format_status(ensemble::Payload(exited)) == "EXITING: " + b.to_string() + ": done\n");
  CHECK(ensemble::format_status(ensemble::Payload(42)) == "Status Query Response: unknown (int)\n");

  syn.shutdown();
  ensemble::SystemStatus after = syn.status();
  const std::string down = ensemble::format_status(after);
  CHECK(down.rfind("Status of Syndicate 'fmt' [IN SHUTDOWN]\n", 0) == 0);
  CHECK(down.find("  Actors: 0\n") != std::string::npos);
}
