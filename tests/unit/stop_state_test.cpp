// Where a stop keeps its state (runtime/actor/lifecycle.cpp): in the actor's
// flags, so that stopping an actor that never needed a side state allocates
// none; only a reason other than "actor stopped" is kept in one.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <ensemble/ensemble.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/side_state.hpp"

using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using namespace std::chrono_literals;

namespace {
struct Idle : ensemble::Actor {
  void process(Message&) {}
};

// Has a side state from its first message on (a pending wake-up), but no
// reason to keep when it is stopped.
struct Sleeper : ensemble::Actor {
  Payload process(Message& m) {
    if (m.get_if<ensemble::WakeupMessage>() == nullptr) schedule_after(std::chrono::hours(1));
    return std::string("asleep");
  }
};

// "spawn": an Idle child; "spawn-sleeper": a Sleeper; "spawn-parent": a
// Parent; answers the child's address. Relays the reason of every
// ChildActorExited to the syndicate's inbox.
struct Parent : ensemble::Actor {
  Payload process(Message& m) {
    if (auto* exited = m.get_if<ensemble::ChildActorExited>()) {
      tell(exited->reason, syndicate().inbox_address());
      return {};
    }
    const std::string& what = m.get<std::string>();
    if (what == "spawn-sleeper") return create_actor<Sleeper>();
    if (what == "spawn-parent") return create_actor<Parent>();
    return create_actor<Idle>();
  }
};

ActorAddress spawn(Syndicate& syn, const ActorAddress& parent, const char* what) {
  Payload answer = syn.ask(parent, std::string(what), 5s);
  return answer.get<ActorAddress>();
}

std::string next_reason(Syndicate& syn) {
  auto reason = syn.receive(5s);
  REQUIRE(reason.has_value());
  return reason->get<std::string>();
}

const ensemble::runtime::SideState* side_of_stopped(const ActorAddress& a) {
  auto* cell = static_cast<ensemble::runtime::ActorCell*>(a.cell());
  REQUIRE(cell->has_flag(ensemble::detail::flag_stopped));
  return cell->side_.load(std::memory_order_acquire);
}
}  // namespace

TEST_CASE("stop state: stop() of an idle child allocates no side state; the parent hears 'actor stopped'") {
  Syndicate syn("stop-state");
  ActorAddress parent = syn.create_actor<Parent>();
  ActorAddress child = spawn(syn, parent, "spawn");
  REQUIRE(syn.stop(child));
  CHECK(next_reason(syn) == ensemble::reasons::actor_stopped);  // told after the child has STOPPED
  CHECK(side_of_stopped(child) == nullptr);
  CHECK_FALSE(syn.stop(child));  // the claim holds: a second stop is refused
}

TEST_CASE("stop state: another reason is kept in the side state and reaches the parent") {
  Syndicate syn("stop-state");
  ActorAddress parent = syn.create_actor<Parent>();
  ActorAddress child = spawn(syn, parent, "spawn");
  REQUIRE(syn.tell(child, ensemble::ActorExitRequest{"done here"}).success);
  CHECK(next_reason(syn) == "done here");
  CHECK(side_of_stopped(child) != nullptr);
  CHECK_FALSE(syn.stop(child));  // the first claim won
}

TEST_CASE("stop state: the shutdown stops idle actors without a side state") {
  Syndicate syn("stop-state");
  ActorAddress a = syn.create_actor<Idle>();
  ActorAddress b = syn.create_actor<Idle>();
  syn.shutdown();
  CHECK(side_of_stopped(a) == nullptr);
  CHECK(side_of_stopped(b) == nullptr);
}

TEST_CASE("stop state: an actor with a side state but no reason kept reports 'actor stopped'") {
  Syndicate syn("stop-state");
  ActorAddress parent = syn.create_actor<Parent>();
  ActorAddress child = spawn(syn, parent, "spawn-sleeper");
  Payload asleep = syn.ask(child, std::string("sleep"), 5s);  // it now has a pending wake-up
  REQUIRE(asleep.get<std::string>() == "asleep");
  REQUIRE(syn.stop(child));
  CHECK(next_reason(syn) == ensemble::reasons::actor_stopped);
  CHECK(side_of_stopped(child) != nullptr);
}

TEST_CASE("stop state: the first claim's reason holds; a later request changes nothing") {
  Syndicate syn("stop-state");
  ActorAddress parent = syn.create_actor<Parent>();
  ActorAddress child = spawn(syn, parent, "spawn");
  REQUIRE(syn.stop(child));
  // Bounces off the stopping actor: its reason never replaces the first.
  (void)syn.tell(child, ensemble::ActorExitRequest{"too late"});
  CHECK(next_reason(syn) == ensemble::reasons::actor_stopped);
  CHECK(side_of_stopped(child) == nullptr);
}

TEST_CASE("stop state: children stopped with their parent allocate no side state") {
  Syndicate syn("stop-state");
  ActorAddress top = syn.create_actor<Parent>();
  ActorAddress middle = spawn(syn, top, "spawn-parent");
  ActorAddress leaf = spawn(syn, middle, "spawn");
  REQUIRE(syn.stop(middle));
  CHECK(next_reason(syn) == ensemble::reasons::actor_stopped);  // the middle one, after its child
  CHECK(side_of_stopped(leaf) == nullptr);
  CHECK(side_of_stopped(middle) != nullptr);  // it waited for a child
}
