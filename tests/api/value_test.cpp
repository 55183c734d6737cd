// ensemble/value.hpp and ensemble/identity.hpp through the shared library: a
// Value is built, walked and told like any payload; identities are spark's.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <ensemble/ensemble.hpp>

using namespace std::chrono_literals;
using namespace ensemble;

namespace {

// Sums the "n" fields of the maps in a Value array; answers the sum.
struct Summer : Actor {
  std::int64_t process(Message& m) {
    std::int64_t total = 0;
    for (const Value& item : m.get<Value>().get<ValueArray>()) {
      if (const Value* n = item.get<ValueMap>().find("n")) total += n->get<std::int64_t>();
    }
    return total;
  }
};

}  // namespace

TEST_CASE("a Value is built, walked and compared") {
  Value v(ValueMap{{"name", "ensemble"}, {"n", 3}, {"xs", ValueArray{1, 2.5, nullptr, true}}});
  CHECK(v.kind() == ValueKind::map);
  const ValueMap& m = v.get<ValueMap>();
  CHECK(m.size() == 3);
  CHECK(m.find("name")->get<std::string>() == "ensemble");
  CHECK(m.find("missing") == nullptr);
  CHECK(m.find("xs")->get<ValueArray>()[1].get<double>() == 2.5);
  CHECK(m.find("xs")->get<ValueArray>()[2].is_null());
  CHECK(v == Value(ValueMap{{"name", "ensemble"}, {"n", 3}, {"xs", ValueArray{1, 2.5, nullptr, true}}}));
  CHECK(v != Value(ValueMap{{"n", 3}, {"name", "ensemble"}, {"xs", ValueArray{1, 2.5, nullptr, true}}}));
  CHECK_THROWS_WITH_AS(m.find("n")->get<std::string>(), "value holds int, not text", BadPayloadAccess);
  // Set keeps a key's place; unsigned beyond int64 is a BigInt, one form per number.
  ValueMap copy = m;
  copy.set("name", "other");
  CHECK(copy.begin()->second == Value("other"));
  CHECK(Value(std::uint64_t{1} << 63).kind() == ValueKind::big_integer);
  CHECK(Value(std::uint64_t{5}).kind() == ValueKind::integer);
  CHECK(Value(ValueTuple{{1, 2}}) != Value(ValueArray{1, 2}));
}

TEST_CASE("duplicate keys are found in small and large maps") {
  for (int n : {3, 40}) {
    ValueMap m;
    for (int i = 0; i < n; ++i) m.append("k" + std::to_string(i), i);
    CHECK(m.duplicate_key() == nullptr);
    m.append("k1", 0);
    REQUIRE(m.duplicate_key() != nullptr);
    CHECK(*m.duplicate_key() == "k1");
  }
}

TEST_CASE("a Value is told and matched like any payload") {
  Syndicate syn;
  ActorAddress summer = syn.create_actor<Summer>();
  Value batch(ValueArray{ValueMap{{"n", 2}}, ValueMap{{"n", 40}}, ValueMap{{"other", 1}}});
  Payload answer = syn.ask(summer, batch, 5s).get();
  CHECK(answer.get<std::int64_t>() == 42);
}

TEST_CASE("identities: the syndicate's uuid5, actors' uuids derived on demand") {
  Syndicate named("spark-peer-server");
  CHECK(named.id().uuid() == "98482603-34d4-5c0f-9cc6-eb3b6b38d1e3");
  Syndicate unnamed;
  CHECK(unnamed.id().uuid().size() == 36);
  CHECK(unnamed.id() != Syndicate().id());

  ActorAddress a = named.create_actor<Summer>();
  ActorAddress b = named.create_actor<Summer>();
  const ActorId ia = a.actor_id();
  CHECK(ia.syndicate_id() == named.id());
  CHECK(ia.actor_id().size() == 36);
  CHECK(ia.actor_id()[14] == '4');                                // version 4 shape
  CHECK(std::string("89ab").find(ia.actor_id()[19]) != std::string::npos);  // RFC 4122 variant
  CHECK(a.actor_id() == ia);                                      // the same text every time
  CHECK(b.actor_id() != ia);
  CHECK(a.to_string().rfind("ActorAddr-Actor(98482603:", 0) == 0);
  CHECK(ActorAddress().actor_id().empty());
}
