// The routing step's open place (runtime/actor/routing.hpp): a tell to a
// remote cell goes to the router the remote layer registers, and with none
// it fails clearly, with a dead letter.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "runtime/actor/routing.hpp"
#include "runtime/core/syndicate_core.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Syndicate;
using ensemble::runtime::CoreAccess;

namespace {

struct FakeRemote final : ensemble::runtime::RemoteCell {
  FakeRemote(ensemble::runtime::SyndicateCore* core, std::uint64_t id) noexcept : RemoteCell(core, id) {}
};

struct RecordingRouter final : ensemble::runtime::RemoteRouter {
  std::vector<std::string> routed;
  bool refuse = false;
  ensemble::DeliveryResult route(ensemble::runtime::RemoteCell& to, ensemble::Message& m) noexcept override {
    if (refuse) return {false, "peer unreachable"};
    routed.push_back(std::to_string(to.id()) + ":" + m.content().get<std::string>());
    return {};
  }
};

}  // namespace

TEST_CASE("routing: a tell to a remote cell goes to the registered router, else fails with a dead letter") {
  Syndicate syn("routing", {.workers = 1});
  auto& core = CoreAccess::of(syn);
  ActorAddress remote(new FakeRemote(&core, core.next_cell_id()), ActorAddress::Adopt{});

  // No transport: a clear failure and a dead letter, never a silent drop.
  ensemble::DeliveryResult r = syn.tell(remote, std::string("hello"));
  CHECK_FALSE(r.success);
  CHECK(r.reason == ensemble::reasons::no_remote_transport);
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]->reason == "remote transport is not enabled");

  RecordingRouter router;
  core.delivery().set_remote_router(&router);
  CHECK(syn.tell(remote, std::string("one")).success);
  CHECK(syn.tell(remote, std::string("two")).success);
  CHECK(router.routed == std::vector<std::string>{std::to_string(remote.id()) + ":one",
                                                   std::to_string(remote.id()) + ":two"});
  // What leaves the process is bytes: a type without a codec fails at the
  // tell, by name, with a dead letter, and never reaches the router.
  struct NoCodec {
    int x;
  };
  r = syn.tell(remote, NoCodec{1});
  CHECK_FALSE(r.success);
  CHECK(std::string(r.reason).find("NoCodec has no codec") != std::string::npos);
  CHECK(router.routed.size() == 2);
  CHECK(syn.dead_letters().back()->reason == std::string(r.reason));
  // The router's own refusal is the tell's answer, with a dead letter.
  router.refuse = true;
  r = syn.tell(remote, std::string("three"));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "peer unreachable");
  CHECK(syn.status().dead_letter_count == 3);
  core.delivery().set_remote_router(nullptr);
}
