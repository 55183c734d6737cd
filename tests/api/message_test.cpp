// Message headers (spark's metadata) and trace ids: what a handler reads, how
// they travel with the message (moves, dead letters), and what a message
// without them costs (nothing allocated).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>

#include <ensemble/ensemble.hpp>
#include <ensemble/value.hpp>


using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::Value;
using ensemble::ValueMap;

// Counts operator new calls on this thread, for the test that a message
// without extras allocates nothing (glibc's mallinfo misses blocks served from
// its per-thread cache). Replacing the global operator new applies to the
// library too.
namespace {
thread_local std::size_t news_on_this_thread = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++news_on_this_thread;
  if (void* p = std::malloc(n != 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Replies with what the message carried beside its content.
struct HeaderReader : ensemble::Actor {
  std::string process(Message& m) {
    std::string out = m.get<std::string>() + "|";
    for (const auto& [key, value] : m.headers()) {
      out += key + "=" + (value.is<std::string>() ? value.get<std::string>() : "?") + ";";
    }
    out += "|";
    out += m.trace_id();
    return out;
  }
};

}  // namespace

TEST_CASE("a message without headers has empty ones and an empty trace id") {
  const Message m(Payload(1));
  CHECK(m.headers().empty());
  CHECK(m.trace_id().empty());
  CHECK_FALSE(m.deadline().has_value());
}

TEST_CASE("headers, trace id and deadline are set, read and moved with the message") {
  Message m(Payload(std::string("x")));
  m.mutable_headers().set("tenant", Value("acme"));
  m.set_trace_id("3fb3b7d4-c1e2-4bc1-9bd6-f31595983d3e");
  const auto when = ensemble::Clock::now() + 60s;
  m.set_deadline(when);
  CHECK(m.headers().size() == 1);
  REQUIRE(m.headers().find("tenant") != nullptr);
  CHECK(m.headers().find("tenant")->get<std::string>() == "acme");

  Message moved(std::move(m));
  CHECK(moved.headers().find("tenant")->get<std::string>() == "acme");
  CHECK(moved.trace_id() == "3fb3b7d4-c1e2-4bc1-9bd6-f31595983d3e");
  CHECK(moved.deadline() == when);
  CHECK(m.headers().empty());  // NOLINT(bugprone-use-after-move): a moved-from message is empty, not shared
  CHECK(m.trace_id().empty());

  Message assigned(Payload(2));
  assigned.set_headers(ValueMap{{"old", Value(1)}});
  assigned = std::move(moved);
  CHECK(assigned.headers().find("old") == nullptr);
  CHECK(assigned.headers().find("tenant") != nullptr);
  CHECK(assigned.deadline() == when);
}

TEST_CASE("a handler reads the headers and trace id the sender attached") {
  Syndicate syn("headers");
  ActorAddress reader = syn.create_actor<HeaderReader>();
  Message m(Payload(std::string("hi")));
  m.set_headers(ValueMap{{"tenant", Value("acme")}, {"shard", Value("7")}});
  m.set_trace_id("t-1");
  REQUIRE(syn.tell(reader, std::move(m)).success);
  auto reply = syn.receive(5s);
  REQUIRE(reply.has_value());
  CHECK(reply->get<std::string>() == "hi|tenant=acme;shard=7;|t-1");

  // A plain tell carries none.
  REQUIRE(syn.tell(reader, std::string("plain")).success);
  reply = syn.receive(5s);
  REQUIRE(reply.has_value());
  CHECK(reply->get<std::string>() == "plain||");
}

TEST_CASE("a dead letter keeps the message's headers") {
  Syndicate syn("headers-dead");
  Message m(Payload(std::string("lost")));
  m.mutable_headers().set("why", Value("test"));
  m.set_trace_id("t-2");
  CHECK_FALSE(syn.tell(ActorAddress{}, std::move(m)).success);
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  REQUIRE(letters[0]->message.headers().find("why") != nullptr);
  CHECK(letters[0]->message.headers().find("why")->get<std::string>() == "test");
  CHECK(letters[0]->message.trace_id() == "t-2");
}

TEST_CASE("a message without headers allocates no extras block") {
  // Payload(int) is inline: building, moving and destroying the message must
  // not allocate. With an extras block allocated per message this fails.
  const std::size_t before = news_on_this_thread;
  {
    Message a(Payload(42));
    Message b(std::move(a));
    b.set_correlation_id(7);
  }
  CHECK(news_on_this_thread == before);
  Message c(Payload(42));
  c.set_trace_id("t");  // the first extra allocates the block (a short text fits the string itself)
  CHECK(news_on_this_thread == before + 1);
}
