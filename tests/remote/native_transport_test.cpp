// The native transport between two syndicates (in one process here, on
// 127.0.0.1; tests/remote/two_process_test.cpp runs them apart): tell and
// ask both ways, publish and lookup, per-sender FIFO, refusals from the far
// side, a peer that goes down, a wrong secret, bad bytes on the listener, the
// send queue's bound, and the configuration's errors.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "remote/native/transport.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "tests/remote/support.hpp"
#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::ActorId;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::SyndicateId;
using ensemble_test::BlackHoleProxy;
using ensemble_test::RawClient;
using ensemble_test::remote_config;
using ensemble_test::wait_until;

namespace {

ensemble::remote::native::Transport::Counters counters(Syndicate& s) {
  return ensemble::remote::native::transport_of(ensemble::runtime::CoreAccess::of(s))->counters();
}

// Answers "echo:<text>"; "tell-back:<text>" also tells the sender first.
struct Echo : ensemble::Actor {
  Payload process(Message& m) {
    if (m.is<int>()) return Payload(m.get<int>() + 1);
    const std::string& s = m.get<std::string>();
    if (s.rfind("tell-back:", 0) == 0) tell(Payload(std::string("told ") + s.substr(10)), m.sender());
    return Payload(std::string("echo:") + s);
  }
};

// Counts ints per sender and checks that each sender's arrive in order.
struct Counter : ensemble::Actor {
  int expected = 0;
  int out_of_order = 0;
  Payload process(Message& m) {
    if (m.is<std::string>()) return Payload(std::to_string(expected) + "/" + std::to_string(out_of_order));
    if (m.get<int>() != expected) ++out_of_order;
    expected = m.get<int>() + 1;
    return Payload();
  }
};

// A pair: `b` publishes an Echo as "echo"; `a` knows where b listens.
struct Pair {
  Syndicate b;
  Syndicate a;
  ActorAddress echo;
  explicit Pair(SyndicateConfig ca = remote_config(), SyndicateConfig cb = remote_config())
      : b("remote-b", cb), a("remote-a", ca) {
    echo = b.create_actor<Echo>();
    b.publish("echo", echo);
    a.connect(b.id(), "127.0.0.1", b.remote_address().port);
  }
};

}  // namespace

TEST_CASE("without remote.enabled every remote call is spark's UnsupportedBackendError") {
  Syndicate s("remote-off");
  CHECK_THROWS_WITH_AS(s.remote_address(), "remote transport is not enabled", ensemble::UnsupportedBackendError);
  CHECK_THROWS_AS(s.connect(SyndicateId::from_name("x"), "127.0.0.1", 1), ensemble::UnsupportedBackendError);
  CHECK_THROWS_AS(s.lookup(SyndicateId::from_name("x"), "echo"), ensemble::UnsupportedBackendError);
  CHECK_THROWS_AS(s.publish("echo", s.inbox_address()), ensemble::UnsupportedBackendError);
}

TEST_CASE("the configuration is checked at construction: a secret is required") {
  SyndicateConfig c = remote_config("");
  CHECK_THROWS_AS(Syndicate("remote-no-secret", c), ensemble::InvalidArgument);
  c = remote_config();
  c.remote.host = "not an address";
  CHECK_THROWS_AS(Syndicate("remote-bad-host", c), ensemble::InvalidArgument);
}

TEST_CASE("port 0 picks a free port, and remote_address says which") {
  Syndicate s("remote-port", remote_config());
  const ensemble::RemoteEndpoint where = s.remote_address();
  CHECK(where.host == "127.0.0.1");
  CHECK(where.port != 0);
  RawClient c(where.port);  // something listens there
}

TEST_CASE("lookup, then ask and tell across: the reply finds its way back") {
  Pair p;
  const ActorAddress echo = p.a.lookup(p.b.id(), "echo");
  CHECK(echo.actor_id() == p.echo.actor_id());
  CHECK(echo.to_string() == p.echo.to_string());  // the far actor's text, not a local number
  CHECK(p.a.ask(echo, Payload(std::string("hi")), 10s).get().get<std::string>() == "echo:hi");
  CHECK(p.a.ask(echo, Payload(41), 10s).get().get<int>() == 42);
  // A tell from an endpoint: the far actor tells back, then replies.
  auto ep = p.a.endpoint();
  REQUIRE(ep.tell(echo, Payload(std::string("tell-back:x"))).success);
  CHECK(ep.receive(10s)->get<std::string>() == "told x");
  CHECK(ep.receive(10s)->get<std::string>() == "echo:tell-back:x");
}

TEST_CASE("the connection is used both ways: the side that was connected to asks back without connect()") {
  Pair p;
  const ActorAddress echo = p.a.lookup(p.b.id(), "echo");
  auto a_echo = p.a.create_actor<Echo>();
  p.a.publish("a-echo", a_echo);
  // b never called connect(): the connection a opened carries b's lookup.
  const ActorAddress back = p.b.lookup(p.a.id(), "a-echo");
  CHECK(p.b.ask(back, Payload(std::string("from b")), 10s).get().get<std::string>() == "echo:from b");
  CHECK(p.a.ask(echo, Payload(std::string("from a")), 10s).get().get<std::string>() == "echo:from a");
}

TEST_CASE("both sides connect and send at once: one connection stands, and nothing is lost") {
  for (int round = 0; round < 10; ++round) {
    Syndicate b("remote-b", remote_config());
    Syndicate a("remote-a", remote_config());
    const ActorAddress a_echo = a.create_actor<Echo>();
    const ActorAddress b_echo = b.create_actor<Echo>();
    a.publish("echo", a_echo);
    b.publish("echo", b_echo);
    a.connect(b.id(), "127.0.0.1", b.remote_address().port);
    b.connect(a.id(), "127.0.0.1", a.remote_address().port);
    const ActorAddress to_b = a.remote_actor(b_echo.actor_id());
    const ActorAddress to_a = b.remote_actor(a_echo.actor_id());
    std::string from_b;
    std::thread other([&] {
      try {
        from_b = b.ask(to_a, Payload(std::string("b")), 20s).get().get<std::string>();
      } catch (const std::exception& e) {
        from_b = e.what();
      }
    });
    CHECK(a.ask(to_b, Payload(std::string("a")), 20s).get().get<std::string>() == "echo:a");
    other.join();
    CHECK(from_b == "echo:b");
  }
}

TEST_CASE("one id, one address: remote_actor and lookup give equal addresses") {
  Pair p;
  const ActorId id = p.echo.actor_id();
  const ActorAddress x = p.a.remote_actor(id);
  const ActorAddress y = p.a.remote_actor(id);
  CHECK(x == y);
  CHECK(p.a.lookup(p.b.id(), "echo") == x);
  CHECK(x.actor_id() == id);
  // An id of this syndicate gives back the local actor once it was published.
  CHECK(p.b.remote_actor(id) == p.echo);
}

TEST_CASE("per-sender FIFO across the connection, nothing lost") {
  Pair p;
  auto counter = p.b.create_actor<Counter>();
  p.b.publish("counter", counter);
  const ActorAddress far = p.a.lookup(p.b.id(), "counter");
  const int n = static_cast<int>(ensemble_test::scaled(100000));
  auto ep = p.a.endpoint();
  for (int i = 0; i < n; ++i) {
    ensemble::DeliveryResult r = ep.tell(far, Payload(i));
    if (!r.success) {
      // The queue's bound is 65536 by default: wait for it to drain.
      REQUIRE(std::string(r.reason) == "remote send queue full");
      std::this_thread::sleep_for(1ms);
      --i;
    }
  }
  const std::string want = std::to_string(n) + "/0";
  CHECK(wait_until([&] { return p.a.ask(far, Payload(std::string("?")), 10s).get().get<std::string>() == want; }, 60s));
}

TEST_CASE("an ask to an actor that is not there fails at once with the far side's reason") {
  Pair p;
  const ActorId echo_id = p.echo.actor_id();
  // The same syndicate, a number nobody has.
  std::string missing = echo_id.actor_id();
  missing.back() = missing.back() == 'f' ? 'e' : 'f';
  const ActorAddress nobody = p.a.remote_actor(ActorId(echo_id.syndicate_id(), missing));
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(p.a.ask(nobody, Payload(std::string("hello?")), 30s).get().get<std::string>(),
                    doctest::Contains("target not found"));
  CHECK(std::chrono::steady_clock::now() - started < 20s);  // refused, not timed out
  CHECK(counters(p.a).refusals_received == 1);
  // The far side kept it as a dead letter.
  CHECK(wait_until([&] { return p.b.status().dead_letter_count == 1; }));
}

TEST_CASE("a tell to a syndicate nobody connected is spark's 'remote route not found'") {
  Syndicate a("remote-lonely", remote_config());
  const ActorAddress far = a.remote_actor(ActorId(SyndicateId::from_name("nowhere"), "some-actor"));
  const ensemble::DeliveryResult r = a.tell(far, Payload(1));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "remote route not found");
  CHECK(a.status().dead_letter_count == 1);
}

TEST_CASE("a wrong secret is refused by the handshake, and the listener goes on") {
  Syndicate b("remote-b", remote_config("right"));
  auto echo = b.create_actor<Echo>();
  b.publish("echo", echo);
  {
    Syndicate wrong("remote-a", remote_config("wrong"));
    wrong.connect(b.id(), "127.0.0.1", b.remote_address().port);
    CHECK_THROWS_WITH_AS(wrong.lookup(b.id(), "echo", 10s), doctest::Contains("remote peer down"),
                         ensemble::MessageDeliveryError);
  }
  CHECK(wait_until([&] { return counters(b).connections_refused >= 1; }));
  Syndicate right("remote-a", remote_config("right"));
  right.connect(b.id(), "127.0.0.1", b.remote_address().port);
  CHECK(right.ask(right.lookup(b.id(), "echo", 10s), Payload(std::string("ok")), 10s).get().get<std::string>() == "echo:ok");
}

TEST_CASE("bad bytes on the listener: each connection is closed, the listener goes on") {
  Pair p;
  const std::uint16_t port = p.b.remote_address().port;
  SUBCASE("garbage") {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\n\r\n");
    CHECK(c.read_to_close().has_value());
  }
  SUBCASE("an oversized length after the preamble, refused before any allocation") {
    RawClient c(port);
    c.send(std::string("ENSN\xff\xff\xff\xffH", 9));
    CHECK(c.read_to_close().has_value());
  }
  SUBCASE("a frame of another kind before the hello") {
    RawClient c(port);
    c.send(std::string("ENSN\x00\x00\x00\x01M", 9));
    CHECK(c.read_to_close().has_value());
  }
  SUBCASE("a slow client that never says hello is closed after the handshake time-out") {
    SyndicateConfig cb = remote_config();
    cb.remote.handshake_timeout = 300ms;
    Syndicate b("remote-slow", cb);
    RawClient c(b.remote_address().port);
    c.send("EN");
    CHECK(c.read_to_close().has_value());
  }
  CHECK(p.a.ask(p.a.lookup(p.b.id(), "echo", 10s), Payload(std::string("still")), 10s).get().get<std::string>() ==
        "echo:still");
}

TEST_CASE("a peer that goes down: a waiting ask fails at once, later tells are dead letters 'remote peer down'") {
  std::optional<Syndicate> b;
  b.emplace("remote-b", remote_config());
  struct Silent : ensemble::Actor {
    void process(Message&) {}  // never answers
  };
  auto silent = b->create_actor<Silent>();
  b->publish("silent", silent);
  Syndicate a("remote-a", remote_config());
  a.connect(b->id(), "127.0.0.1", b->remote_address().port);
  const ActorAddress far = a.lookup(b->id(), "silent", 10s);
  auto pending = a.ask(far, Payload(1), 60s);
  std::thread killer([&] {
    std::this_thread::sleep_for(100ms);
    b.reset();  // shuts b down: its connection closes
  });
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(pending.get().get<int>(), doctest::Contains("remote peer down"));
  CHECK(std::chrono::steady_clock::now() - started < 30s);
  killer.join();
  const ensemble::DeliveryResult r = a.tell(far, Payload(2));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "remote peer down");
}

TEST_CASE("a black-holed peer (a proxy that stops forwarding) is declared down by the heartbeats") {
  Syndicate b("remote-b", remote_config("s3cret", 300ms));
  struct Silent : ensemble::Actor {
    void process(Message&) {}
  };
  b.publish("silent", b.create_actor<Silent>());
  BlackHoleProxy proxy(b.remote_address().port);
  Syndicate a("remote-a", remote_config("s3cret", 300ms));
  a.connect(b.id(), "127.0.0.1", proxy.port);
  const ActorAddress silent = a.lookup(b.id(), "silent", 10s);
  auto pending = a.ask(silent, Payload(1), 60s);
  const auto went_silent = std::chrono::steady_clock::now();
  proxy.forwarding = false;
  CHECK_THROWS_WITH(pending.get(), doctest::Contains("remote peer down"));
  // Heard nothing for down_after (300 ms): declared down well before the ask's 60 s.
  CHECK(std::chrono::steady_clock::now() - went_silent < 20s);
  const ensemble::DeliveryResult r = a.tell(silent, Payload(2));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "remote peer down");
  CHECK(counters(a).peers_down >= 1);
}

TEST_CASE("the send queue is bounded: beyond it, 'remote send queue full'") {
  // A listener that never answers the handshake: the connection stays in
  // its handshake and the messages wait.
  std::uint16_t port = 0;
  const int listener = ensemble_test::listen_on_loopback(port);
  {
    SyndicateConfig c = remote_config();
    c.remote.send_queue_limit = 4;
    Syndicate a("remote-queue", c);
    const SyndicateId mute = SyndicateId::from_name("mute");
    a.connect(mute, "127.0.0.1", port);
    const ActorAddress far = a.remote_actor(ActorId(mute, "someone"));
    for (int i = 0; i < 4; ++i) CHECK(a.tell(far, Payload(i)).success);
    const ensemble::DeliveryResult r = a.tell(far, Payload(4));
    CHECK_FALSE(r.success);
    CHECK(r.reason == "remote send queue full");
  }
  ::close(listener);
}
