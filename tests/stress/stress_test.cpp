// Guarantees under load: nothing lost, nothing duplicated, per-sender FIFO,
// no lost wake-up when workers park and unpark, orderly shutdown in flight.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Syndicate;

using ensemble_test::wait_until;

namespace {

struct Tagged {
  std::uint32_t sender;
  std::uint32_t seq;
};

// Counts every message, checks each sender's sequence increases by exactly one
// (FIFO and no loss/duplication per sender), and that the handler is never
// entered twice at once.
struct CheckingCounter : ensemble::Actor {
  explicit CheckingCounter(std::size_t senders) : next(senders, 0) {}
  std::vector<std::uint32_t> next;  // touched only by the handler
  std::atomic<int> inside{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> order_errors{0};
  std::atomic<std::uint64_t> overlaps{0};

  void process(Message& m) {
    if (inside.fetch_add(1, std::memory_order_relaxed) != 0) overlaps.fetch_add(1);
    const Tagged& t = m.get<Tagged>();
    if (t.seq != next[t.sender]) order_errors.fetch_add(1);
    next[t.sender] = t.seq + 1;
    received.fetch_add(1, std::memory_order_release);
    inside.fetch_sub(1, std::memory_order_relaxed);
  }
};

// An actor that forwards to the counter, so the stress also covers
// worker-to-worker tells (LIFO slot, stealing), not only external submits.
struct Relay : ensemble::Actor {
  explicit Relay(ActorAddress to) : target(std::move(to)) {}
  ActorAddress target;
  void process(Message& m) { tell(std::move(m.content()), target); }
};

// Passes a counter round a ring of its own for as long as `run` holds, so a
// worker is never idle: a conversation that lives in the LIFO slot.
struct Bouncer : ensemble::Actor {
  ActorAddress next;
  std::atomic<bool>* run = nullptr;
  std::atomic<std::int64_t>* hops = nullptr;  // the ring's latest hop count
  void process(Message& m) {
    if (auto* peer = m.get_if<ActorAddress>()) {
      next = *peer;
      return;
    }
    std::int64_t hop = m.get<std::int64_t>();
    hops->store(hop, std::memory_order_relaxed);  // relaxed: a progress gauge
    if (run->load(std::memory_order_relaxed)) tell(hop + 1, next);
  }
};

struct Flag : ensemble::Actor {
  std::atomic<bool>* seen = nullptr;
  void process(Message&) { seen->store(true); }
};

}  // namespace

TEST_CASE("stress: 10^7 messages from several threads, nothing lost or duplicated, FIFO per sender") {
  const std::uint64_t total = ensemble_test::scaled(10'000'000);
  const std::uint32_t senders = 4;
  const std::uint64_t per_sender = total / senders;
  Syndicate syn("stress", {.workers = 2});
  auto* counter_raw = new CheckingCounter(senders);
  ActorAddress counter = syn.start_actor(std::unique_ptr<CheckingCounter>(counter_raw));
  std::atomic<std::uint64_t> rejected{0};
  std::vector<std::thread> threads;
  for (std::uint32_t s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (std::uint32_t i = 0; i < per_sender; ++i) {
        if (!syn.tell(counter, Tagged{s, i}).success) rejected.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(rejected.load() == 0);
  CHECK(wait_until([&] { return counter_raw->received.load(std::memory_order_acquire) == per_sender * senders; }, 120s));
  CHECK(counter_raw->received.load() == per_sender * senders);
  CHECK(counter_raw->order_errors.load() == 0);
  CHECK(counter_raw->overlaps.load() == 0);
  CHECK(syn.status().dead_letter_count == 0);
}

TEST_CASE("stress: relayed through actors on the workers, per-relay FIFO holds") {
  const std::uint32_t relays = 8;
  const std::uint64_t per_relay = ensemble_test::scaled(250'000);
  Syndicate syn("relay", {.workers = 2});
  auto* counter_raw = new CheckingCounter(relays);
  ActorAddress counter = syn.start_actor(std::unique_ptr<CheckingCounter>(counter_raw));
  std::vector<ActorAddress> hops;
  for (std::uint32_t r = 0; r < relays; ++r) hops.push_back(syn.create_actor<Relay>(counter));
  std::thread feeder([&] {
    for (std::uint32_t i = 0; i < per_relay; ++i) {
      for (std::uint32_t r = 0; r < relays; ++r) syn.tell(hops[r], Tagged{r, i});
    }
  });
  feeder.join();
  CHECK(wait_until([&] { return counter_raw->received.load(std::memory_order_acquire) == per_relay * relays; }, 120s));
  CHECK(counter_raw->order_errors.load() == 0);
  CHECK(counter_raw->overlaps.load() == 0);
}

TEST_CASE("no lost wake-up: workers park between every message and still get each one") {
  // Each round the external thread tells once and waits for the reply, so the
  // pool goes idle (workers park) between rounds. A lost wake-up shows up as a
  // round that never completes.
  struct Echo : ensemble::Actor {
    int process(Message& m) { return m.get<int>() + 1; }
  };
  Syndicate syn("park", {.workers = 2});
  ActorAddress echo = syn.create_actor<Echo>();
  const int rounds = static_cast<int>(ensemble_test::scaled(20'000));
  for (int i = 0; i < rounds; ++i) {
    syn.tell(echo, i);
    auto reply = syn.receive(10s);
    REQUIRE(reply.has_value());
    REQUIRE(reply->get<int>() == i + 1);
    if (i % 1000 == 0) std::this_thread::sleep_for(2ms);  // let every worker really park
  }
}

TEST_CASE("shutdown with messages in flight neither hangs nor loses a message silently") {
  struct Slow : ensemble::Actor {
    std::atomic<std::uint64_t>* handled;
    explicit Slow(std::atomic<std::uint64_t>* h) : handled(h) {}
    void process(Message&) {
      handled->fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  };
  std::atomic<std::uint64_t> handled{0};
  const std::uint64_t sent = 20'000;
  std::uint64_t accepted = 0;
  std::uint64_t dead = 0;
  auto finished = std::async(std::launch::async, [&] {
    Syndicate syn("inflight", {.workers = 2});
    std::vector<ActorAddress> actors;
    for (int i = 0; i < 4; ++i) actors.push_back(syn.create_actor<Slow>(&handled));
    for (std::uint64_t i = 0; i < sent; ++i) {
      if (syn.tell(actors[i % actors.size()], i).success) ++accepted;
    }
    syn.shutdown();
    dead = syn.status().dead_letter_count;
  });
  REQUIRE(finished.wait_for(60s) == std::future_status::ready);
  finished.get();
  CHECK(accepted == sent);
  // Every accepted message was either handled or became a dead letter.
  CHECK(handled.load() + dead == sent);
}

// A worker busy with a conversation still serves the injection queue: tells
// from plain threads, timer firings and cross-thread wakes all arrive there.
// It once did not: the slot's actor ran again before the injector's turn came
// round, so this probe waited for ever.
TEST_CASE("a conversation on every worker does not starve tells from plain threads") {
  for (std::size_t workers : {std::size_t{1}, std::size_t{2}}) {
    for (int ring : {1, 2, 5}) {  // 1: an actor that tells itself, never idle
      CAPTURE(workers);
      CAPTURE(ring);
      std::vector<std::atomic<std::int64_t>> hops(workers);  // outlives the syndicate's actors
      Syndicate syn("busy", {.workers = workers});
      std::atomic<bool> run{true};
      std::atomic<bool> seen{false};
      auto flag_owner = std::make_unique<Flag>();
      flag_owner->seen = &seen;
      ActorAddress flag = syn.start_actor(std::move(flag_owner));
      for (std::size_t w = 0; w < workers; ++w) {
        std::vector<ActorAddress> members;
        for (int i = 0; i < ring; ++i) {
          auto b = std::make_unique<Bouncer>();
          b->run = &run;
          b->hops = &hops[w];
          members.push_back(syn.start_actor(std::move(b)));
        }
        for (int i = 0; i < ring; ++i) syn.tell(members[i], members[(i + 1) % ring]);
        syn.tell(members[0], std::int64_t{0});
      }
      // Every ring is spinning (well past one scheduling budget) before the
      // probe is sent; they spin until `run` is cleared below.
      constexpr std::int64_t spinning = 1000;
      REQUIRE(wait_until([&] {
        for (auto& h : hops) {
          if (h.load(std::memory_order_relaxed) < spinning) return false;
        }
        return true;
      }));
      std::vector<std::int64_t> at_probe;
      for (auto& h : hops) at_probe.push_back(h.load(std::memory_order_relaxed));
      syn.tell(flag, 1);
      CHECK(wait_until([&] { return seen.load(); }));
      // The rings run on (the probe took its turn beside them, it did not
      // stop them); an OS that preempted a worker may delay that, so wait.
      for (std::size_t w = 0; w < workers; ++w) {
        CHECK(wait_until([&] { return hops[w].load(std::memory_order_relaxed) > at_probe[w]; }));
      }
      run = false;
    }
  }
}
