// An actor's uuid is derived from its number and the syndicate
// incarnation's salt; the core reads the number back without a table, and
// refuses a uuid of another incarnation or a malformed one.
#include <doctest/doctest.h>

#include <string>

#include <ensemble/ensemble.hpp>

#include "runtime/core/syndicate_core.hpp"

using ensemble::Syndicate;
using ensemble::runtime::CoreAccess;

namespace {
struct Idle : ensemble::Actor {
  void process(ensemble::Message&) {}
};
}  // namespace

TEST_CASE("an actor's uuid reads back to its number, and only in its own incarnation") {
  Syndicate a("same-name", {.workers = 1});
  Syndicate b("same-name", {.workers = 1});  // same syndicate id, another incarnation
  auto& core = CoreAccess::of(a);
  ensemble::ActorAddress x = a.create_actor<Idle>();
  const std::string uuid = x.actor_id().actor_id();
  CHECK(core.actor_number_of(uuid) == x.id());
  CHECK(CoreAccess::of(b).actor_number_of(uuid) == 0);
  // The largest number the layout holds (62 bits) round-trips too.
  const std::uint64_t big = (std::uint64_t{1} << 62) - 1;
  CHECK(core.actor_number_of(core.actor_uuid(big)) == big);
  std::string bad = uuid;
  bad[30] = 'G';
  CHECK(core.actor_number_of(bad) == 0);
  bad = uuid;
  bad[19] = '7';  // not the RFC 4122 variant
  CHECK(core.actor_number_of(bad) == 0);
  CHECK(core.actor_number_of(uuid.substr(0, 35)) == 0);
}
