// Actor scenarios: spark's test_actor D28-D35 in C++ form, auto-reply rules,
// Message::match, senders, and the one-at-a-time and per-sender FIFO
// guarantees (seed-semantics.md C3; DESIGN.md invariants 1 and 2).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;

namespace {

struct NoopActor : ensemble::Actor {
  void process(Message&) {}
};

// Exposes every protected helper, so a test can call them before the start.
struct HelperActor : ensemble::Actor {
  void process(Message&) {}
  ensemble::DeliveryResult call_tell(const ActorAddress& to) { return tell(1, to); }
  void call_ask(const ActorAddress& to) { (void)ask(1, to, 1s); }
  ActorAddress call_create_actor() { return create_actor<NoopActor>(); }
  ActorAddress call_create_actor_from_spec() {
    return create_actor_from_spec(ensemble::ActorSpec::of<NoopActor>());
  }
  void call_schedule_after() { schedule_after(1s, std::string("wake")); }
  void call_stop() { stop(); }
  void call_syndicate_shutdown() { syndicate_shutdown(); }
  Syndicate& call_syndicate() { return syndicate(); }
};

// Replies with its child's address on "spawn", with its parent's on "parent?".
struct FamilyActor : ensemble::Actor {
  Payload process(Message& m) {
    const std::string& what = m.get<std::string>();
    if (what == "spawn") return create_actor<FamilyActor>();
    if (what == "parent?") return parent();
    if (what == "self?") return address();
    return {};
  }
};

struct StringReplyActor : ensemble::Actor {
  std::string process(Message& m) { return "re:" + m.get<std::string>(); }
};

struct OptionalReplyActor : ensemble::Actor {
  std::optional<int> process(Message& m) {
    if (m.get<std::string>() == "none") return std::nullopt;
    return 7;
  }
};

struct PayloadReplyActor : ensemble::Actor {
  Payload process(Message& m) {
    if (m.get<std::string>() == "none") return Payload{};
    return Payload(std::string("pong"));
  }
};

// Answers an ask twice: an explicit tell to the sender, then the auto-reply.
struct TwiceReplyActor : ensemble::Actor {
  std::string process(Message& m) {
    tell(std::string("first"), m.sender());
    return "second";
  }
};

// Answers after the asker's time-out has passed.
struct SlowReplyActor : ensemble::Actor {
  std::string process(Message&) {
    std::this_thread::sleep_for(150ms);
    return "too late";
  }
};

// Reports the sender of every message to the system inbox.
struct SenderProbeActor : ensemble::Actor {
  void process(Message& m) { tell(m.sender(), syndicate().inbox_address()); }
};

// Tells "hi" to `target_` for every message it gets.
struct ForwardingActor : ensemble::Actor {
  explicit ForwardingActor(ActorAddress target) : target_(std::move(target)) {}
  void process(Message&) { tell(std::string("hi"), target_); }
  ActorAddress target_;
};

// Uses Message::match inside a handler.
struct MatchingActor : ensemble::Actor {
  std::string process(Message& m) {
    std::string out = "none";
    bool matched = m.match([&](const std::string& s) { out = "string:" + s; },
                           [&](int n) { out = "int:" + std::to_string(n); });
    return matched ? out : "unmatched:" + m.content().type_name();
  }
};

struct CountRequest {};

// Counts messages with a plain counter; flags any overlapping entry.
struct SerialCheckActor : ensemble::Actor {
  std::optional<std::uint64_t> process(Message& m) {
    if (in_handler_.exchange(true, std::memory_order_acq_rel)) overlaps_.fetch_add(1);
    std::optional<std::uint64_t> reply;
    if (m.is<CountRequest>()) {
      reply = count_;
    } else {
      ++count_;  // a plain counter: TSan and the final total catch overlap
    }
    in_handler_.store(false, std::memory_order_release);
    return reply;
  }
  std::uint64_t count_ = 0;
  std::atomic<bool> in_handler_{false};
  std::atomic<int> overlaps_{0};
};

struct Sequenced {
  int sender;
  int seq;
};

struct FifoReport {
  int violations = 0;
  std::map<int, int> received;
};

// Checks that each sender's sequence numbers arrive increasing.
struct FifoCheckActor : ensemble::Actor {
  std::optional<FifoReport> process(Message& m) {
    if (auto* s = m.get_if<Sequenced>()) {
      auto [it, fresh] = last_.try_emplace(s->sender, -1);
      if (s->seq <= it->second) ++report_.violations;
      it->second = s->seq;
      ++report_.received[s->sender];
      return std::nullopt;
    }
    return report_;
  }
  std::map<int, int> last_;
  FifoReport report_;
};

}  // namespace

TEST_CASE("D28/D30 helpers of an actor that is not started throw ActorNotStartedError") {
  Syndicate syn("d30");
  ActorAddress other = syn.create_actor<NoopActor>();
  auto actor = std::make_unique<HelperActor>();
  CHECK_FALSE(actor->started());
  CHECK_FALSE(actor->address());
  CHECK(actor->address().id() == 0);
  CHECK_FALSE(actor->parent());
  CHECK_THROWS_AS(actor->call_tell(other), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_ask(other), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_create_actor(), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_create_actor_from_spec(), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_schedule_after(), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_stop(), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_syndicate_shutdown(), ensemble::ActorNotStartedError);
  CHECK_THROWS_AS(actor->call_syndicate(), ensemble::ActorNotStartedError);
  CHECK_FALSE(syn.is_shut_down());
  CHECK(syn.status().actor_count == 1);
  CHECK(syn.status().pending_wakeups == 0);
  CHECK(syn.status().dead_letter_count == 0);
}

TEST_CASE("D31/D32 starting exposes the address; a second start throws ActorAlreadyStartedError") {
  Syndicate syn("d32");
  auto owned = std::make_unique<HelperActor>();
  HelperActor* actor = owned.get();
  ActorAddress addr = syn.start_actor(std::move(owned));
  REQUIRE(addr);
  CHECK(addr.id() != 0);
  CHECK(actor->started());
  CHECK(actor->address() == addr);
  CHECK_FALSE(actor->parent());  // made by the syndicate itself
  CHECK(&actor->call_syndicate() == &syn);
  CHECK(syn.status().actor_count == 1);

  // The instance belongs to the syndicate now: the failed start must not free it.
  CHECK_THROWS_AS(syn.start_actor(std::unique_ptr<HelperActor>(actor)),
                  ensemble::ActorAlreadyStartedError);
  CHECK(syn.status().actor_count == 1);
  CHECK(actor->address() == addr);
  CHECK(actor->call_tell(addr).success);  // still alive and usable
}

TEST_CASE("D31 a child's parent() is its creator; addresses are distinct and stable") {
  Syndicate syn("d31");
  ActorAddress parent = syn.create_actor<FamilyActor>();
  ActorAddress child = syn.ask(parent, "spawn", 5s).get().get<ActorAddress>();
  REQUIRE(child);
  CHECK(child != parent);
  CHECK(child.id() != parent.id());
  CHECK(syn.ask(child, "parent?", 5s).get().get<ActorAddress>() == parent);
  CHECK_FALSE(syn.ask(parent, "parent?", 5s).get().get<ActorAddress>());
  CHECK(syn.ask(child, "self?", 5s).get().get<ActorAddress>() == child);
  CHECK(child.to_string() != parent.to_string());
  CHECK(child.to_string().rfind("ActorAddr-Actor(", 0) == 0);
}

TEST_CASE("auto-reply: a std::string is told back to the sender") {
  Syndicate syn("reply-string");
  auto ep = syn.endpoint();
  ActorAddress a = syn.create_actor<StringReplyActor>();
  REQUIRE(ep.tell(a, "x").success);
  auto m = ep.receive_message(5s);
  REQUIRE(m.has_value());
  CHECK(m->get<std::string>() == "re:x");
  CHECK(m->sender() == a);
  CHECK_FALSE(ep.receive(50ms).has_value());
}

TEST_CASE("auto-reply: an empty std::optional sends nothing, a full one sends its value") {
  Syndicate syn("reply-optional");
  auto ep = syn.endpoint();
  ActorAddress a = syn.create_actor<OptionalReplyActor>();
  REQUIRE(ep.tell(a, "none").success);
  REQUIRE(ep.tell(a, "some").success);
  // Per-sender FIFO: were "none" answered, its reply would come first.
  auto r = ep.receive(5s);
  REQUIRE(r.has_value());
  REQUIRE(r->is<int>());
  CHECK(r->get<int>() == 7);
  CHECK_FALSE(ep.receive(50ms).has_value());
  CHECK(syn.status().dead_letter_count == 0);
}

TEST_CASE("auto-reply: an empty Payload sends nothing, a full one is sent") {
  Syndicate syn("reply-payload");
  auto ep = syn.endpoint();
  ActorAddress a = syn.create_actor<PayloadReplyActor>();
  REQUIRE(ep.tell(a, "none").success);
  REQUIRE(ep.tell(a, "ping").success);
  auto r = ep.receive(5s);
  REQUIRE(r.has_value());
  CHECK(r->get<std::string>() == "pong");
  CHECK_FALSE(ep.receive(50ms).has_value());
}

TEST_CASE("Message::match calls the handler for the stored type only") {
  Message m(Payload(42));
  int got_int = 0;
  bool got_string = false;
  CHECK(m.match([&](const std::string&) { got_string = true; }, [&](int n) { got_int = n; }));
  CHECK(got_int == 42);
  CHECK_FALSE(got_string);
  CHECK_FALSE(m.match([&](double) { got_string = true; }));
  CHECK_FALSE(got_string);

  Message s(Payload("text"));
  std::string seen;
  CHECK(s.match([&](int) { seen = "int"; }, [&](std::string& v) { seen = v; }));
  CHECK(seen == "text");
  CHECK_FALSE(s.match([&](const char*) { seen = "pointer"; }));

  Syndicate syn("match");
  ActorAddress a = syn.create_actor<MatchingActor>();
  CHECK(syn.ask(a, "word", 5s).get().get<std::string>() == "string:word");
  CHECK(syn.ask(a, 5, 5s).get().get<std::string>() == "int:5");
  CHECK(syn.ask(a, 2.5, 5s).get().get<std::string>() == "unmatched:double");
}

TEST_CASE("D34 the sender is the telling actor, the system inbox or the endpoint") {
  Syndicate syn("senders");
  ActorAddress probe = syn.create_actor<SenderProbeActor>();
  ActorAddress forwarder = syn.create_actor<ForwardingActor>(probe);

  REQUIRE(syn.tell(forwarder, "go").success);
  auto from_actor = syn.receive(5s);
  REQUIRE(from_actor.has_value());
  CHECK(from_actor->get<ActorAddress>() == forwarder);

  REQUIRE(syn.tell(probe, "direct").success);
  auto from_syn = syn.receive(5s);
  REQUIRE(from_syn.has_value());
  CHECK(from_syn->get<ActorAddress>() == syn.inbox_address());

  auto ep = syn.endpoint();
  REQUIRE(ep.tell(probe, "via endpoint").success);
  auto from_ep = syn.receive(5s);
  REQUIRE(from_ep.has_value());
  CHECK(from_ep->get<ActorAddress>() == ep.address());

  REQUIRE(syn.tell(probe, Message(Payload(std::string("hand-made")))).success);
  auto from_message = syn.receive(5s);  // a Message without sender gets the system inbox
  REQUIRE(from_message.has_value());
  CHECK(from_message->get<ActorAddress>() == syn.inbox_address());
}

TEST_CASE("an actor handles one message at a time while 4 threads tell it 100k messages") {
  constexpr int threads = 4;
  constexpr int per_thread = 25000;
  Syndicate syn("serial");
  auto owned = std::make_unique<SerialCheckActor>();
  SerialCheckActor* actor = owned.get();
  ActorAddress a = syn.start_actor(std::move(owned));
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        if (!syn.tell(a, i).success) refused.fetch_add(1);
      }
    });
  }
  for (auto& s : senders) s.join();
  CHECK(refused.load() == 0);
  // Queued after every tell above, so it sees their total.
  Payload total = syn.ask(a, CountRequest{}, 30s);
  CHECK(total.get<std::uint64_t>() == std::uint64_t{threads} * per_thread);
  CHECK(actor->overlaps_.load() == 0);
}

TEST_CASE("messages from each of several external threads arrive in the order sent") {
  constexpr int threads = 4;
  constexpr int per_thread = 20000;
  Syndicate syn("fifo");
  ActorAddress a = syn.create_actor<FifoCheckActor>();
  std::vector<std::thread> senders;
  std::atomic<int> refused{0};
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if (!syn.tell(a, Sequenced{t, i}).success) refused.fetch_add(1);
      }
    });
  }
  for (auto& s : senders) s.join();
  CHECK(refused.load() == 0);
  FifoReport report = syn.ask(a, std::string("report"), 30s).get().get<FifoReport>();
  CHECK(report.violations == 0);
  REQUIRE(report.received.size() == threads);
  for (int t = 0; t < threads; ++t) CHECK(report.received[t] == per_thread);
}

TEST_CASE("ask: the first reply wins; a second one is a dead letter 'target not found'") {
  Syndicate syn("reply-twice");
  ActorAddress a = syn.create_actor<TwiceReplyActor>();
  CHECK(syn.ask(a, "q", 5s).get().get<std::string>() == "first");
  // The auto-reply comes after the explicit tell, in the same handler.
  REQUIRE(ensemble_test::wait_until([&] { return syn.status().dead_letter_count == 1; }));
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]->reason == "target not found");
  CHECK(letters[0]->message.content().get<std::string>() == "second");
  CHECK(letters[0]->message.sender() == a);
}

TEST_CASE("ask: a reply after the time-out is a dead letter, the asker got ActorTimeout") {
  Syndicate syn("reply-late");
  ActorAddress a = syn.create_actor<SlowReplyActor>();
  CHECK_THROWS_AS(syn.ask(a, "q", 20ms).get(), ensemble::ActorTimeout);
  REQUIRE(ensemble_test::wait_until([&] { return syn.status().dead_letter_count == 1; }));
  auto letters = syn.dead_letters();
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]->reason == "target not found");
  CHECK(letters[0]->message.content().get<std::string>() == "too late");
}

namespace {
// spark's test 33: the helpers act for the actor. One handler tells twice,
// asks with its own arguments, creates a child and schedules a wake-up; a
// recorder sees what each did.
struct Recorder : ensemble::Actor {
  std::shared_ptr<std::vector<std::string>> seen;
  explicit Recorder(std::shared_ptr<std::vector<std::string>> s) : seen(std::move(s)) {}
  std::optional<std::string> process(Message& m) {
    if (m.is<std::string>()) {
      seen->push_back(m.get<std::string>());
      if (m.get<std::string>() == "question") return std::string("answer");
    }
    return std::nullopt;
  }
};
struct Child33 : ensemble::Actor {
  void process(Message&) {}
};
struct Delegating : ensemble::Actor {
  ActorAddress recorder;
  ActorAddress child;
  explicit Delegating(ActorAddress r) : recorder(std::move(r)) {}
  ensemble::Task<std::string> process(Message& m) {
    if (auto* w = m.get_if<ensemble::WakeupMessage>()) {
      // The wake-up: no sender, the delay and payload it was scheduled with.
      tell("wake " + ensemble::format_seconds(w->delay) + " " + w->payload.get<std::string>() +
               (m.sender() ? " with sender" : " without sender"),
           syndicate().inbox_address());
      co_return std::string();
    }
    tell(std::string("one"), recorder);
    tell(std::string("two"), recorder);
    ensemble::Payload reply = co_await ask(std::string("question"), recorder, 5s);
    child = create_actor<Child33>();
    schedule_after(50ms, std::string("wake"));
    co_return reply.get<std::string>() + " parent-of-child:" +
        (child ? std::to_string(child.id()) : std::string("none"));
  }
};
}  // namespace

TEST_CASE("33 the helpers act for the actor: tell order, ask arguments, child, wake-up") {
  Syndicate syn("helpers");
  auto seen = std::make_shared<std::vector<std::string>>();
  ActorAddress recorder = syn.create_actor<Recorder>(seen);
  ActorAddress actor = syn.create_actor<Delegating>(recorder);
  std::string reply = syn.ask(actor, std::string("go"), 5s).get().get<std::string>();
  // The ask reached the recorder after both tells, in order, and its answer
  // came back to the asking actor.
  CHECK(*seen == std::vector<std::string>{"one", "two", "question"});
  CHECK(reply.rfind("answer parent-of-child:", 0) == 0);
  // The child lives in the same syndicate, as the actor's child.
  CHECK(syn.status().actor_count == 3);
  // The wake-up arrives with its delay and payload, and no sender.
  auto wake = syn.receive(5s);
  REQUIRE(wake.has_value());
  CHECK(wake->get<std::string>() == "wake 0.05 wake without sender");
  // Stopping the actor stops its child: it was created as the actor's child.
  REQUIRE(syn.stop(actor));
  REQUIRE(ensemble_test::wait_until([&] { return syn.status().actor_count == 1; }));
}
