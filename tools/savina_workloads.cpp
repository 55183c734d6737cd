// Savina's micro-benchmarks on ensemble: Actor subclasses with process(), the
// syndicate's tell/receive from the main thread, promises for the results.
// Each run() builds its own syndicate; its shutdown (the destructor) is part of
// the measured time, as the actor system's is on the CAF side.
#include "tools/savina_workloads.hpp"

#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <ensemble/ensemble.hpp>

namespace ensemble_bench {
namespace {

using ensemble::ActorAddress;
using ensemble::ChildActorExited;
using ensemble::Message;
using ensemble::Syndicate;
using savina::Colour;

struct Start {};

// ---- fork-join throughput: the main thread tells every actor in turn; each
// does a little arithmetic per message and, after its last one, reports to
// the sender (the system inbox) and stops.
struct FjResult {
  std::int64_t count;
  std::int64_t sum;
  double work;
};
struct FjWorker : ensemble::Actor {
  std::int64_t expected;
  FjResult seen{0, 0, 0.0};
  explicit FjWorker(std::int64_t messages) : expected(messages) {}
  void process(Message& m) {
    const auto v = m.get<std::int64_t>();
    seen.work += savina::fork_join_work(v);
    seen.sum += v;
    if (++seen.count == expected) {
      tell(seen, m.sender());
      stop();
    }
  }
};
std::uint64_t fork_join_throughput(int actors, std::int64_t messages, std::size_t workers) {
  Syndicate syn("fj-throughput", {.workers = workers});
  std::vector<ActorAddress> fj;
  for (int i = 0; i < actors; ++i) fj.push_back(syn.create_actor<FjWorker>(messages));
  for (std::int64_t v = 0; v < messages; ++v) {
    for (const auto& a : fj) syn.tell(a, v);
  }
  for (int i = 0; i < actors; ++i) {
    auto reply = syn.receive();
    check(reply.has_value(), "fork-join throughput report");
    const auto& r = reply->get<FjResult>();
    check(r.count == messages && r.sum == messages * (messages - 1) / 2 && r.work > 0.0,
          "fork-join throughput counts");
  }
  return static_cast<std::uint64_t>(actors) * static_cast<std::uint64_t>(messages);
}

// ---- fork-join creation: the main thread creates an actor and tells it one
// message; the actor does the arithmetic, tells the counter and stops.
struct FjCounter : ensemble::Actor {
  std::int64_t left;
  std::int64_t sum = 0;
  std::promise<std::int64_t> done;
  explicit FjCounter(std::int64_t n) : left(n) {}
  void process(Message& m) {
    sum += m.get<std::int64_t>();
    if (--left == 0) {
      done.set_value(sum);
      stop();
    }
  }
};
struct FjOnce : ensemble::Actor {
  ActorAddress counter;
  explicit FjOnce(ActorAddress c) : counter(std::move(c)) {}
  void process(Message& m) {
    const auto v = m.get<std::int64_t>();
    if (savina::fork_join_work(v) > 0.0) tell(v, counter);
    stop();
  }
};
std::uint64_t fork_join_creation(std::int64_t n, std::size_t workers) {
  Syndicate syn("fj-creation", {.workers = workers});
  auto owner = std::make_unique<FjCounter>(n);
  auto result = owner->done.get_future();
  auto counter = syn.start_actor(std::move(owner));
  for (std::int64_t i = 0; i < n; ++i) syn.tell(syn.create_actor<FjOnce>(counter), i);
  check(result.get() == n * (n - 1) / 2, "fork-join creation replies");
  return static_cast<std::uint64_t>(n);
}

// ---- fibonacci: an actor for fib(n) creates children for n-1 and n-2, adds
// their answers and answers its parent; n <= 1 answers at once. An actor stops
// once it has answered and, if it has children, once both have stopped (the
// ChildActorExited of each): a parent stopping earlier would turn its
// children's exit notices into dead letters.
struct Fib : ensemble::Actor {
  ActorAddress reply_to;
  std::int64_t sum = 0;
  int pending = -1;  // answers awaited; -1 before the request
  int exited = 0;    // children stopped
  std::promise<std::int64_t>* root_done = nullptr;
  void process(Message& m) {
    if (m.is<ChildActorExited>()) {
      if (++exited == 2 && pending == 0) stop();
      return;
    }
    if (pending < 0) {  // the request: n
      reply_to = m.sender();
      const auto n = m.get<int>();
      if (n <= 1) {
        pending = 0;
        answer(n);
        stop();
        return;
      }
      pending = 2;
      tell(n - 1, create_actor<Fib>());
      tell(n - 2, create_actor<Fib>());
      return;
    }
    sum += m.get<std::int64_t>();
    if (--pending == 0) {
      answer(sum);
      if (exited == 2) stop();
    }
  }
  void answer(std::int64_t value) {
    if (root_done != nullptr) {
      root_done->set_value(value);
    } else {
      tell(value, reply_to);
    }
  }
};
std::uint64_t fibonacci(int n, std::size_t workers) {
  std::promise<std::int64_t> done;  // outlives the syndicate, which the root writes it from
  Syndicate syn("fibonacci", {.workers = workers});
  auto root = std::make_unique<Fib>();
  root->root_done = &done;
  syn.tell(syn.start_actor(std::move(root)), n);
  check(done.get_future().get() == savina::fibonacci(n), "fibonacci value");
  return static_cast<std::uint64_t>(savina::fibonacci_actors(n));
}

// ---- chameneos: a mall pairs the chameneos that come to it; the second of a
// pair is forwarded to the first, which takes the complement colour and tells
// the second to change too. After the last meeting the mall tells every
// newcomer to fade; a faded chameneo reports its meetings, and the mall stops
// (its children, the chameneos, with it) once all have.
struct Meet {
  Colour colour;
  ActorAddress from;
};
struct Change {
  Colour colour;
};
struct Fade {};
struct MeetingCount {
  std::int64_t meetings;
};
struct Chameneo : ensemble::Actor {
  ActorAddress mall;
  Colour colour;
  std::int64_t meetings = 0;
  Chameneo(ActorAddress m, Colour c) : mall(std::move(m)), colour(c) {}
  void go_to_mall() { tell(Meet{colour, address()}, mall); }
  void process(Message& m) {
    if (auto* other = m.get_if<Meet>()) {
      colour = savina::complement(colour, other->colour);
      ++meetings;
      tell(Change{colour}, other->from);
      go_to_mall();
    } else if (auto* change = m.get_if<Change>()) {
      colour = change->colour;
      ++meetings;
      go_to_mall();
    } else if (m.is<Fade>()) {
      colour = Colour::faded;
      tell(MeetingCount{meetings}, mall);
    } else if (m.is<Start>()) {
      go_to_mall();
    }
  }
};
struct Mall : ensemble::Actor {
  int chameneos;
  std::int64_t left;
  int faded = 0;
  std::int64_t total = 0;
  ActorAddress waiting;
  std::promise<std::int64_t> done;
  Mall(int c, std::int64_t meetings) : chameneos(c), left(meetings) {}
  void process(Message& m) {
    if (auto* meet = m.get_if<Meet>()) {
      if (left == 0) {
        tell(Fade{}, meet->from);
      } else if (!waiting) {
        waiting = meet->from;
      } else {
        --left;
        tell(std::move(*meet), waiting);
        waiting = ActorAddress();
      }
    } else if (auto* count = m.get_if<MeetingCount>()) {
      total += count->meetings;
      if (++faded == chameneos) {
        done.set_value(total);
        stop();
      }
    } else if (m.is<Start>()) {
      for (int i = 0; i < chameneos; ++i) {
        tell(Start{}, create_actor<Chameneo>(address(), static_cast<Colour>(i % 3)));
      }
    }
  }
};
std::uint64_t chameneos(int n, std::int64_t meetings, std::size_t workers) {
  Syndicate syn("chameneos", {.workers = workers});
  auto owner = std::make_unique<Mall>(n, meetings);
  auto result = owner->done.get_future();
  syn.tell(syn.start_actor(std::move(owner)), Start{});
  check(result.get() == 2 * meetings, "chameneos meetings");
  return static_cast<std::uint64_t>(meetings);
}

// ---- big: every actor pings a random other actor and, on its pong, the next
// one, until it has sent its pings; it answers every ping it gets with a pong.
// The sink that created them stops (and they with it) when all are done.
struct BigPing {};
struct BigPong {};
struct Peers {
  std::shared_ptr<const std::vector<ActorAddress>> all;
};
struct BigDone {
  std::int64_t pongs;
};
struct BigActor : ensemble::Actor {
  std::size_t index;
  std::int64_t left;
  std::int64_t pongs = 0;
  std::uint64_t rng;
  std::shared_ptr<const std::vector<ActorAddress>> peers;
  BigActor(std::size_t i, std::int64_t pings) : index(i), left(pings), rng(i) {}
  void ping() {
    --left;
    tell(BigPing{}, (*peers)[savina::pick_neighbour(rng, index, peers->size())]);
  }
  void process(Message& m) {
    if (m.is<BigPing>()) {
      tell(BigPong{}, m.sender());
    } else if (m.is<BigPong>()) {
      ++pongs;
      if (left == 0) {
        tell(BigDone{pongs}, parent());
      } else {
        ping();
      }
    } else if (auto* p = m.get_if<Peers>()) {
      peers = std::move(p->all);
      ping();
    }
  }
};
struct BigSink : ensemble::Actor {
  int actors;
  std::int64_t pings;
  int finished = 0;
  std::int64_t pongs = 0;
  std::promise<std::int64_t> done;
  BigSink(int a, std::int64_t p) : actors(a), pings(p) {}
  void process(Message& m) {
    if (auto* d = m.get_if<BigDone>()) {
      pongs += d->pongs;
      if (++finished == actors) {
        done.set_value(pongs);
        stop();
      }
    } else if (m.is<Start>()) {
      auto all = std::make_shared<std::vector<ActorAddress>>();
      for (int i = 0; i < actors; ++i) all->push_back(create_actor<BigActor>(static_cast<std::size_t>(i), pings));
      for (const auto& a : *all) tell(Peers{all}, a);
    }
  }
};
std::uint64_t big(int actors, std::int64_t pings, std::size_t workers) {
  Syndicate syn("big", {.workers = workers});
  auto owner = std::make_unique<BigSink>(actors, pings);
  auto result = owner->done.get_future();
  syn.tell(syn.start_actor(std::move(owner)), Start{});
  check(result.get() == static_cast<std::int64_t>(actors) * pings, "big pongs");
  return static_cast<std::uint64_t>(actors) * static_cast<std::uint64_t>(pings);
}

}  // namespace

std::vector<Workload> savina_workloads(bool quick, std::size_t workers) {
  const savina::Sizes s = savina::sizes(quick);
  return savina::named(
      s, [=] { return fork_join_throughput(s.fj_actors, s.fj_messages, workers); },
      [=] { return fork_join_creation(s.fj_created, workers); }, [=] { return fibonacci(s.fib_n, workers); },
      [=] { return chameneos(s.chameneos, s.meetings, workers); },
      [=] { return big(s.big_actors, s.big_pings, workers); });
}

}  // namespace ensemble_bench
