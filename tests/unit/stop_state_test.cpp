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

// Creates an Idle child on "spawn" and answers its address; relays the
// reason of every ChildActorExited to the syndicate's inbox.
struct Parent : ensemble::Actor {
  Payload process(Message& m) {
    if (auto* exited = m.get_if<ensemble::ChildActorExited>()) {
      tell(exited->reason, syndicate().inbox_address());
      return {};
    }
    return create_actor<Idle>();
  }
};

const ensemble::runtime::SideState* side_of_stopped(const ActorAddress& a) {
  auto* cell = static_cast<ensemble::runtime::ActorCell*>(a.cell());
  REQUIRE(cell->has_flag(ensemble::detail::flag_stopped));
  return cell->side_.load(std::memory_order_acquire);
}
}  // namespace

TEST_CASE("stop state: stop() of an idle child allocates no side state; the parent hears 'actor stopped'") {
  Syndicate syn("stop-state");
  ActorAddress parent = syn.create_actor<Parent>();
  Payload answer = syn.ask(parent, std::string("spawn"), 5s);
  ActorAddress child = answer.get<ActorAddress>();
  REQUIRE(syn.stop(child));
  auto reason = syn.receive(5s);  // told after the child has STOPPED
  REQUIRE(reason.has_value());
  CHECK(reason->get<std::string>() == ensemble::reasons::actor_stopped);
  CHECK(side_of_stopped(child) == nullptr);
  CHECK_FALSE(syn.stop(child));  // the claim holds: a second stop is refused
}

TEST_CASE("stop state: another reason is kept in the side state and reaches the parent") {
  Syndicate syn("stop-state");
  ActorAddress parent = syn.create_actor<Parent>();
  Payload answer = syn.ask(parent, std::string("spawn"), 5s);
  ActorAddress child = answer.get<ActorAddress>();
  REQUIRE(syn.tell(child, ensemble::ActorExitRequest{"done here"}).success);
  auto reason = syn.receive(5s);
  REQUIRE(reason.has_value());
  CHECK(reason->get<std::string>() == "done here");
  CHECK(side_of_stopped(child) != nullptr);
}

TEST_CASE("stop state: the shutdown stops idle actors without a side state") {
  Syndicate syn("stop-state");
  ActorAddress a = syn.create_actor<Idle>();
  ActorAddress b = syn.create_actor<Idle>();
  syn.shutdown();
  CHECK(side_of_stopped(a) == nullptr);
  CHECK(side_of_stopped(b) == nullptr);
}
