// spark's TCP protocol on the transport (RemoteProtocol::spark): one envelope
// per connection, byte-compatible with spark's CBOR codec (wire/spark, whose
// own tests pin the bytes against spark's captured frames). The spark peer
// here is the test itself, with raw sockets and the codec.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/codec_aggregates.hpp>
#include <ensemble/ensemble.hpp>

#include "remote/native/transport.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "tests/remote/support.hpp"
#include "tests/test_support.hpp"
#include "wire/spark/spark_codec.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::ActorId;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::SyndicateId;
using ensemble::Value;
using ensemble::wire::WireEnvelope;
using ensemble_test::wait_until;

namespace {

SyndicateConfig spark_config(bool spark_compatible = true) {
  SyndicateConfig c;
  c.workers = 2;
  c.remote.enabled = true;
  c.remote.secret = "unused by spark's protocol";
  c.remote.spark_compatible = spark_compatible;
  return c;
}

std::uint64_t spark_received(Syndicate& s) {
  return ensemble::remote::native::transport_of(ensemble::runtime::CoreAccess::of(s))->counters().spark_received;
}

// A spark syndicate's listener: accepts connections, each one frame.
struct FakeSparkPeer {
  int listener = -1;
  std::uint16_t port = 0;
  FakeSparkPeer() {
    listener = ensemble_test::listen_on_loopback(port, 16);
    timeval tv{20, 0};
    ::setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~FakeSparkPeer() { ::close(listener); }
  // The next connection's bytes, to its close.
  std::vector<std::uint8_t> next_frame() const {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(fd >= 0);
    std::vector<std::uint8_t> got;
    std::uint8_t buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.insert(got.end(), buf, buf + n);
    }
    ::close(fd);
    return got;
  }
};

// Sends raw bytes on one connection to `port`, then closes; whether the peer
// closed its side (read end) afterwards.
bool send_and_close(std::uint16_t port, const std::vector<std::uint8_t>& bytes) {
  const int fd = ensemble_test::connect_to_loopback(port);
  REQUIRE(fd >= 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  ::shutdown(fd, SHUT_WR);
  char c;
  const ssize_t n = ::recv(fd, &c, 1, 0);
  ::close(fd);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

// Crosses to ensemble peers (a registered codec), but has no spark form.
struct Point {
  std::int64_t x;
  std::int64_t y;
};
const bool point_registered = ensemble::register_type<Point>("tests.remote.spark.Point");

struct Echo : ensemble::Actor {
  Payload process(Message& m) { return Payload("echo:" + m.get<std::string>()); }
};

}  // namespace

TEST_CASE("spark: an ask goes out as spark's CBOR envelope on a connection of its own; the reply comes back on another") {
  FakeSparkPeer spark;
  Syndicate s("ensemble-side", spark_config());
  const SyndicateId spark_id = SyndicateId::from_name("spark-peer-server");
  s.connect(spark_id, "127.0.0.1", spark.port, ensemble::RemoteProtocol::spark);
  const ActorId py_actor(spark_id, "0b7c5f2e-8d2a-4c55-9d8e-3f1a2b4c5d6e");
  const ActorAddress far = s.remote_actor(py_actor);
  std::string answer;
  std::thread asker([&] {
    try {
      answer = s.ask(far, Payload(std::string("ping")), 20s).get().get<std::string>();
    } catch (const std::exception& e) {
      answer = std::string("error: ") + e.what();
    }
  });
  const WireEnvelope request = ensemble::wire::decode_spark_frame(spark.next_frame());
  CHECK(request.target == py_actor);
  CHECK(request.payload == Value("ping"));
  REQUIRE(request.sender.has_value());
  CHECK(request.sender->syndicate_id() == s.id());
  // The spark actor answers its sender, as spark's auto-reply does.
  WireEnvelope reply;
  reply.target = *request.sender;
  reply.payload = Value("pong");
  reply.message_id = "5d1c9f6e-1111-4222-8333-444455556666";
  reply.sender = py_actor;
  reply.correlation_id = request.message_id;
  CHECK(send_and_close(s.remote_address().port, ensemble::wire::encode_spark_frame(reply)));
  asker.join();
  CHECK(answer == "pong");
}

TEST_CASE("spark: a spark peer tells and asks a published ensemble actor; the answer goes back by the route table") {
  FakeSparkPeer spark;
  Syndicate s("ensemble-side", spark_config());
  const ActorAddress echo = s.create_actor<Echo>();
  s.publish("echo", echo);  // exported: spark may name it by its id
  const SyndicateId spark_id = SyndicateId::from_name("spark-peer-server");
  s.connect(spark_id, "127.0.0.1", spark.port, ensemble::RemoteProtocol::spark);
  const ActorId py_asker(spark_id, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
  WireEnvelope ask;
  ask.target = echo.actor_id();
  ask.payload = Value("hello");
  ask.message_id = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9";
  ask.sender = py_asker;
  CHECK(send_and_close(s.remote_address().port, ensemble::wire::encode_spark_frame(ask)));
  const WireEnvelope answer = ensemble::wire::decode_spark_frame(spark.next_frame());
  CHECK(answer.target == py_asker);
  CHECK(answer.payload == Value("echo:hello"));
  CHECK(answer.sender == echo.actor_id());
}

TEST_CASE("spark: frames are refused while spark_compatible is off, and over the listener's bound") {
  const SyndicateId spark_id = SyndicateId::from_name("spark-peer-server");
  WireEnvelope e;
  e.payload = Value("x");
  e.message_id = "m";
  e.sender = ActorId(spark_id, "someone");
  SUBCASE("off") {
    Syndicate s("ensemble-side", spark_config(false));
    e.target = ActorId(s.id(), "anyone");
    CHECK(send_and_close(s.remote_address().port, ensemble::wire::encode_spark_frame(e)));
    CHECK(spark_received(s) == 0);
    CHECK(s.status().dead_letter_count == 0);
  }
  SUBCASE("on: a frame for an actor that is not there is a dead letter") {
    Syndicate s("ensemble-side", spark_config(true));
    e.target = ActorId(s.id(), "anyone");
    CHECK(send_and_close(s.remote_address().port, ensemble::wire::encode_spark_frame(e)));
    CHECK(wait_until([&] { return s.status().dead_letter_count == 1; }));
    CHECK(spark_received(s) == 1);
  }
  SUBCASE("a length of 2 MiB is refused before the body comes") {
    Syndicate s("ensemble-side", spark_config(true));
    CHECK(send_and_close(s.remote_address().port, {0x00, 0x20, 0x00, 0x00, 'S', 'P', 'C', 'B'}));
    CHECK(spark_received(s) == 0);
  }
}

TEST_CASE("spark: a payload with no spark form is a dead letter naming its type; lookup is refused") {
  FakeSparkPeer spark;
  Syndicate s("ensemble-side", spark_config());
  const SyndicateId spark_id = SyndicateId::from_name("spark-peer-server");
  s.connect(spark_id, "127.0.0.1", spark.port, ensemble::RemoteProtocol::spark);
  const ActorAddress far = s.remote_actor(ActorId(spark_id, "someone"));
  REQUIRE(point_registered);
  s.tell(far, Payload(Point{1, 2}));  // has a native codec, but no spark form
  REQUIRE(wait_until([&] { return s.status().dead_letter_count == 1; }));
  const auto letters = s.dead_letters();
  REQUIRE(letters.size() == 1);
  INFO(letters[0]->reason);
  CHECK(letters[0]->reason.find("cannot cross to a spark peer") != std::string::npos);
  CHECK_THROWS_AS(s.lookup(spark_id, "echo"), ensemble::InvalidArgument);
}
