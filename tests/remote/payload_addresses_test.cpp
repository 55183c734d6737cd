// ActorAddress inside payloads between syndicates (Codec<ActorAddress> with
// the native transport): an address of the sender's syndicate, of the
// receiver's and of a third crosses, can be told where it lands, and comes
// home equal to itself; outside a transport it cannot be encoded.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include <ensemble/codec_aggregates.hpp>
#include <ensemble/ensemble.hpp>

#include "tests/remote/support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble_test::remote_config;

namespace {

// What users write: a struct that names an actor.
struct Introduction {
  ActorAddress who;
  std::string note;
};
const bool introduction_registered = ensemble::register_type<Introduction>("tests.remote.Introduction");

// Given an Introduction: tells `who` the note, and answers with the address
// it read (and whether it is the address it read last time). "yourself":
// answers with its own address; "third": with the address it was made with;
// an int: answers it plus one.
struct Introducer : ensemble::Actor {
  ActorAddress third;
  ActorAddress last;
  explicit Introducer(ActorAddress t = {}) : third(std::move(t)) {}
  Payload process(Message& m) {
    if (m.is<int>()) return Payload(m.get<int>() + 1);
    if (m.is<std::string>()) {
      if (m.get<std::string>() == "yourself") return Payload(Introduction{address(), "me"});
      return Payload(Introduction{third, "third"});
    }
    const Introduction& in = m.get<Introduction>();
    tell(Payload(in.note), in.who);
    const bool same = in.who == last;
    last = in.who;
    return Payload(Introduction{in.who, same ? "same" : "new"});
  }
};

struct Echo : ensemble::Actor {
  Payload process(Message& m) { return Payload("echo:" + m.get<std::string>()); }
};

}  // namespace

TEST_CASE("an address of the asking syndicate crosses, is told over there, and comes home equal to itself") {
  Syndicate b("addresses-b", remote_config());
  Syndicate a("addresses-a", remote_config());
  b.publish("introducer", b.create_actor<Introducer>());
  a.connect(b.id(), "127.0.0.1", b.remote_address().port);
  const ActorAddress introducer = a.lookup(b.id(), "introducer");
  auto inbox = a.endpoint();  // neither the asker nor the sender: known only from the payload

  Payload first = a.ask(introducer, Payload(Introduction{inbox.address(), "hello"}), 10s).get();
  CHECK(inbox.receive(10s)->get<std::string>() == "hello");  // b told the address it read
  CHECK(first.get<Introduction>().who == inbox.address());    // home again: the same actor
  CHECK(first.get<Introduction>().note == "new");

  // b read the same stand-in both times (one id, one address over there).
  Payload second = a.ask(introducer, Payload(Introduction{inbox.address(), "again"}), 10s).get();
  CHECK(inbox.receive(10s)->get<std::string>() == "again");
  CHECK(second.get<Introduction>().note == "same");
  CHECK(second.get<Introduction>().who == inbox.address());

  // An empty address crosses as empty.
  Payload none = a.ask(introducer, Payload(Introduction{ActorAddress(), "nobody"}), 10s).get();
  CHECK_FALSE(none.get<Introduction>().who);
}

TEST_CASE("an address of the far syndicate comes back as one to tell, equal to remote_actor's") {
  Syndicate b("addresses-b", remote_config());
  Syndicate a("addresses-a", remote_config());
  const ActorAddress local = b.create_actor<Introducer>();
  b.publish("introducer", local);
  a.connect(b.id(), "127.0.0.1", b.remote_address().port);
  const ActorAddress introducer = a.lookup(b.id(), "introducer");

  const ActorAddress who = a.ask(introducer, Payload(std::string("yourself")), 10s).get().get<Introduction>().who;
  CHECK(who.actor_id() == local.actor_id());
  CHECK(who == introducer);  // interned: the lookup's address
  CHECK(who == a.remote_actor(local.actor_id()));
  CHECK(a.ask(who, Payload(41), 10s).get().get<int>() == 42);
}

TEST_CASE("an address of a third syndicate crosses as that syndicate's actor, reached by its own route") {
  Syndicate c("addresses-c", remote_config());
  Syndicate b("addresses-b", remote_config());
  Syndicate a("addresses-a", remote_config());
  const ActorAddress echo = c.create_actor<Echo>();
  c.publish("echo", echo);
  b.connect(c.id(), "127.0.0.1", c.remote_address().port);
  a.connect(c.id(), "127.0.0.1", c.remote_address().port);
  b.publish("introducer", b.create_actor<Introducer>(b.lookup(c.id(), "echo")));
  a.connect(b.id(), "127.0.0.1", b.remote_address().port);
  const ActorAddress introducer = a.lookup(b.id(), "introducer");

  const ActorAddress who = a.ask(introducer, Payload(std::string("third")), 10s).get().get<Introduction>().who;
  CHECK(who.actor_id() == echo.actor_id());
  CHECK(who == a.remote_actor(echo.actor_id()));
  CHECK(a.ask(who, Payload(std::string("hi")), 10s).get().get<std::string>() == "echo:hi");  // a to c, not through b
}

TEST_CASE("outside a transport an address cannot be encoded or decoded: CodecError, not a pointer on the wire") {
  Syndicate s("addresses-local", remote_config());
  const ActorAddress x = s.create_actor<Echo>();
  std::vector<std::uint8_t> out;
  ensemble::ByteWriter w(out);
  CHECK_THROWS_AS(ensemble::encode_payload(Payload(Introduction{x, "n"}), w), ensemble::CodecError);
  // The same payload between local actors is not encoded at all.
  auto inbox = s.endpoint();
  const ActorAddress introducer = s.create_actor<Introducer>();
  CHECK(s.ask(introducer, Payload(Introduction{inbox.address(), "local"}), 10s).get().get<Introduction>().who ==
        inbox.address());
  CHECK(inbox.receive(10s)->get<std::string>() == "local");
  // Nor is anything read as an address without a transport.
  std::vector<std::uint8_t> bytes;
  ensemble::ByteWriter wb(bytes);
  ensemble::Codec<std::string>::encode(wb, "x");
  ensemble::ByteReader r(bytes);
  CHECK_THROWS_AS(ensemble::Codec<ActorAddress>::decode(r), ensemble::CodecError);
}
