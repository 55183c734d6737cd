#include "tools/bench_workloads.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include <ensemble/ensemble.hpp>

#ifdef ENSEMBLE_BENCH_HAVE_TBB
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include <ensemble/tbb.hpp>
#endif

#include "bench/bench_actors.hpp"

namespace ensemble_bench {
namespace {

using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Syndicate;

// ---- ping-pong: two actors bounce a counter (Pong: bench/bench_actors.hpp;
// this Ping hands the last count back, to be checked). The promise is shared
// because ActorSpec::of copies its arguments into the factory.
struct CheckedPing : ensemble::Actor {
  ActorAddress pong;
  std::int64_t left;
  std::shared_ptr<std::promise<std::int64_t>> done;
  CheckedPing(std::int64_t rounds, std::shared_ptr<std::promise<std::int64_t>> d) : left(rounds), done(std::move(d)) {}
  void process(Message& m) {
    if (auto* start = m.get_if<ActorAddress>()) {
      pong = *start;
      tell(std::int64_t{0}, pong);
      return;
    }
    std::int64_t v = m.get<std::int64_t>() + 1;
    if (--left == 0) {
      done->set_value(v);
      return;
    }
    tell(v, pong);
  }
};
// Execution::inprocess: the pool; Execution::thread: two actors with a
// thread each, so every message wakes the other actor's thread.
std::uint64_t ping_pong(std::int64_t rounds, std::size_t workers,
                        ensemble::Execution execution = ensemble::Execution::inprocess) {
  Syndicate syn("ping-pong", {.workers = workers});
  auto done = std::make_shared<std::promise<std::int64_t>>();
  auto result = done->get_future();
  ActorAddress ping, pong;
  if (execution == ensemble::Execution::inprocess) {
    // As before the thread row existed: Pong in its cell's block.
    ping = syn.start_actor(std::make_unique<CheckedPing>(rounds, done));
    pong = syn.create_actor<Pong>();
  } else {
    auto ping_spec = ensemble::ActorSpec::of<CheckedPing>(rounds, done);
    ping_spec.execution = execution;
    auto pong_spec = ensemble::ActorSpec::of<Pong>();
    pong_spec.execution = execution;
    ping = syn.create_actor_from_spec(ping_spec);
    pong = syn.create_actor_from_spec(pong_spec);
  }
  syn.tell(ping, pong);
  check(result.get() == rounds, "ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

// ---- ping-pong across a process boundary: a pool actor and a process-mode
// actor whose reply (the number + 1) is the pong.
struct ProcessPong : ensemble::Actor {
  std::int64_t process(Message& m) { return m.get<std::int64_t>() + 1; }
};
const bool process_pong_registered = ensemble::register_actor<ProcessPong>("ensemble_bench.ProcessPong");

struct ProcessPing : ensemble::Actor {
  std::int64_t left;
  std::shared_ptr<std::promise<std::int64_t>> done;
  ActorAddress pong;
  ProcessPing(std::int64_t rounds, std::shared_ptr<std::promise<std::int64_t>> d) : left(rounds), done(std::move(d)) {}
  void process(Message& m) {
    if (auto* start = m.get_if<ActorAddress>()) {
      pong = *start;
      tell(std::int64_t{0}, pong);
      return;
    }
    const std::int64_t v = m.get<std::int64_t>();  // what we sent, + 1
    if (--left == 0) {
      done->set_value(v);
      return;
    }
    tell(v, pong);
  }
};
std::uint64_t process_ping_pong(std::int64_t rounds, std::size_t workers) {
  Syndicate syn("process-ping-pong", {.workers = workers});
  auto done = std::make_shared<std::promise<std::int64_t>>();
  auto result = done->get_future();
  auto spec = ensemble::ActorSpec::of<ProcessPong>();
  spec.execution = ensemble::Execution::process;
  spec.stateless = true;
  const ActorAddress pong = syn.create_actor_from_spec(spec);
  const ActorAddress ping = syn.start_actor(std::make_unique<ProcessPing>(rounds, done));
  syn.tell(ping, pong);
  check(result.get() == rounds, "process ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

}  // namespace

#ifdef ENSEMBLE_BENCH_HAVE_TBB
// ---- parallel_for in handlers: actors whose handlers each run a
// tbb::parallel_reduce. On the arena executor the actors and the reductions
// share one arena's threads; the baseline (baseline_workloads.cpp) runs the
// same actors on the pool, whose handlers' reductions then go to oneTBB's own
// threads: two pools on the same cores.
namespace {
struct Reducer : ensemble::Actor {
  std::int64_t n = 0;
  std::shared_ptr<ParallelForDone> done;
  void process(Message& m) {
    if (auto* d = m.get_if<std::shared_ptr<ParallelForDone>>()) {
      done = *d;
      return;
    }
    n = m.get<std::int64_t>();
    const std::int64_t sum = tbb::parallel_reduce(
        tbb::blocked_range<std::int64_t>(0, n, 256), std::int64_t{0},
        [](const tbb::blocked_range<std::int64_t>& r, std::int64_t acc) {
          for (std::int64_t i = r.begin(); i != r.end(); ++i) acc += (i * i) % 7;
          return acc;
        },
        [](std::int64_t a, std::int64_t b) { return a + b; });
    done->add(sum);
  }
};
}  // namespace

std::uint64_t parallel_for_in_handlers(const ParallelForSizes& s, std::size_t workers, bool on_arena) {
  // No slot reserved for an outside thread: nobody calls arena.execute, the
  // actors' tasks are enqueued, and a reserved slot would leave one of the
  // `workers` cores idle (measured: half the rate, docs/executors.md).
  tbb::task_arena arena(static_cast<int>(workers), 0);
  // oneTBB's market has one worker per core less than the machine by default
  // (it counts on the calling thread): an arena with no outside thread would
  // get `workers - 1` threads. Both variants get the same limit.
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, workers + 1);
  Syndicate syn("parallel-for", {.workers = workers});
  if (on_arena) ensemble::attach_tbb_arena(syn, arena);
  auto done = std::make_shared<ParallelForDone>(s.actors * s.messages);
  auto result = done->promise.get_future();
  std::vector<ActorAddress> actors;
  for (int i = 0; i < s.actors; ++i) {
    auto spec = ensemble::ActorSpec::of<Reducer>();
    spec.execution = on_arena ? ensemble::Execution::tbb_arena : ensemble::Execution::inprocess;
    actors.push_back(syn.create_actor_from_spec(spec));
    syn.tell(actors.back(), done);
  }
  for (int m = 0; m < s.messages; ++m) {
    for (const auto& a : actors) syn.tell(a, s.elements);
  }
  check(result.get() == ParallelForDone::expected(s), "parallel_for sums");
  return static_cast<std::uint64_t>(s.actors * s.messages);
}
#endif

namespace {

// ---- thread ring: a token passed around a ring of actors
struct RingNode : ensemble::Actor {
  ActorAddress next;
  std::promise<void>* done = nullptr;
  void process(Message& m) {
    if (auto* n = m.get_if<ActorAddress>()) {
      next = *n;
      return;
    }
    std::int64_t hops = m.get<std::int64_t>();
    if (hops == 0) {
      done->set_value();
      return;
    }
    tell(hops - 1, next);
  }
};
std::uint64_t thread_ring(int actors, std::int64_t hops, std::size_t workers) {
  std::promise<void> done;  // declared first: it outlives the workers that set it
  Syndicate syn("ring", {.workers = workers});
  std::vector<ActorAddress> ring;
  for (int i = 0; i < actors; ++i) {
    auto node = std::make_unique<RingNode>();
    node->done = &done;
    ring.push_back(syn.start_actor(std::move(node)));
  }
  for (int i = 0; i < actors; ++i) syn.tell(ring[static_cast<std::size_t>(i)], ring[static_cast<std::size_t>((i + 1) % actors)]);
  syn.tell(ring[0], hops);
  done.get_future().wait();
  return static_cast<std::uint64_t>(hops) + 1;
}

// ---- counting: one producer thread per worker telling one counting actor
struct Counter : ensemble::Actor {
  std::int64_t seen = 0, expected;
  std::promise<std::int64_t> done;
  explicit Counter(std::int64_t e) : expected(e) {}
  void process(Message& m) {
    seen += m.get<std::int64_t>();
    if (--expected == 0) done.set_value(seen);
  }
};
std::uint64_t counting(std::int64_t per_producer, std::size_t producers, std::size_t workers) {
  Syndicate syn("counting", {.workers = workers});
  const auto total = per_producer * static_cast<std::int64_t>(producers);
  auto owner = std::make_unique<Counter>(total);
  auto result = owner->done.get_future();
  auto counter = syn.start_actor(std::move(owner));
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      for (std::int64_t i = 0; i < per_producer; ++i) syn.tell(counter, std::int64_t{1});
    });
  }
  for (auto& t : threads) t.join();
  check(result.get() == total, "counting sum");
  return static_cast<std::uint64_t>(total);
}

// ---- counting (Savina): a producer actor tells a counter n increments, then
// asks for the total
struct GetTotal {};
struct CountTarget : ensemble::Actor {
  std::int64_t sum = 0;
  void process(Message& m) {
    if (m.is<GetTotal>()) {
      tell(sum, m.sender());
      return;
    }
    sum += m.get<std::int64_t>();
  }
};
struct CountProducer : ensemble::Actor {
  ActorAddress target;
  std::int64_t n = 0;
  std::promise<std::int64_t> done;
  void process(Message& m) {
    if (m.is<GetTotal>()) {  // the start signal
      for (std::int64_t i = 0; i < n; ++i) tell(std::int64_t{1}, target);
      tell(GetTotal{}, target);
      return;
    }
    done.set_value(m.get<std::int64_t>());
  }
};
std::uint64_t savina_counting(std::int64_t n, std::size_t workers) {
  Syndicate syn("savina-counting", {.workers = workers});
  auto producer = std::make_unique<CountProducer>();
  producer->target = syn.create_actor<CountTarget>();
  producer->n = n;
  auto result = producer->done.get_future();
  syn.tell(syn.start_actor(std::move(producer)), GetTotal{});
  check(result.get() == n, "counting total");
  return static_cast<std::uint64_t>(n) + 1;
}

// ---- ask: an actor asks another from a Task handler, in a loop
// (Asker and Echo: bench/bench_actors.hpp, shared with bench/actor-count)
std::uint64_t ask_loop(std::int64_t n, std::size_t workers) {
  Syndicate syn("ask", {.workers = workers});
  auto owner = std::make_unique<Asker>();
  owner->echo = syn.create_actor<Echo>();
  auto result = owner->done.get_future();
  auto asker = syn.start_actor(std::move(owner));
  syn.tell(asker, n);
  check(result.get() == n * (n - 1) / 2, "ask sum");
  return static_cast<std::uint64_t>(n);
}

// ---- skynet: a 10-ary tree of actors down to `leaves` leaves, summing up
struct Skynet : ensemble::Actor {
  std::int64_t sum = 0;
  int pending = 0;
  ActorAddress reply_to;
  std::promise<std::int64_t>* root_done = nullptr;
  void process(Message& m) {
    if (auto* job = m.get_if<std::pair<std::int64_t, std::int64_t>>()) {  // (first leaf, size)
      reply_to = m.sender();
      auto [first, size] = *job;
      if (size == 1) {
        finish(first);
        return;
      }
      pending = 10;
      const std::int64_t step = size / 10;
      for (int i = 0; i < 10; ++i) tell(std::pair{first + i * step, step}, create_actor<Skynet>());
      return;
    }
    sum += m.get<std::int64_t>();
    if (--pending == 0) finish(sum);
  }
  // The tree stays up until the syndicate goes (its shutdown is part of the
  // measured time): a node that stopped itself would send its parent a
  // ChildActorExited that could arrive after the parent is gone.
  void finish(std::int64_t value) {
    if (root_done != nullptr) {
      root_done->set_value(value);
    } else {
      tell(value, reply_to);
    }
  }
};
std::uint64_t skynet(std::int64_t leaves, std::size_t workers) {
  std::promise<std::int64_t> done;  // declared first: it outlives the workers that set it
  Syndicate syn("skynet", {.workers = workers});
  auto root = std::make_unique<Skynet>();
  root->root_done = &done;
  auto addr = syn.start_actor(std::move(root));
  syn.tell(addr, std::pair<std::int64_t, std::int64_t>{0, leaves});
  check(done.get_future().get() == leaves * (leaves - 1) / 2, "skynet sum");
  std::int64_t actors = 0;
  for (std::int64_t level = leaves; level >= 1; level /= 10) actors += leaves / level;
  return static_cast<std::uint64_t>(actors);
}

// ---- creation: idle actors created from a plain thread (Idle:
// bench/bench_actors.hpp)
std::uint64_t create_idle(std::int64_t n, std::size_t workers) {
  Syndicate syn("create", {.workers = workers});
  std::vector<ActorAddress> actors;
  actors.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) actors.push_back(syn.create_actor<Idle>());
  check(syn.status().actor_count == static_cast<std::size_t>(n), "actor count");
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::vector<Workload> workloads(bool quick, std::size_t workers) {
  const core::Sizes s = core::sizes(quick);
  std::vector<Workload> out = core::named(s, workers,
                     {[=] { return ping_pong(s.ping_pong, 1); }, [=] { return ping_pong(s.ping_pong, workers); },
                      [=] { return thread_ring(s.ring_actors, s.ring_hops, workers); },
                      [=] { return savina_counting(s.counting, workers); },
                      [=] { return counting(s.n_to_1_each, workers, workers); },
                      [=] { return ask_loop(s.asks, workers); }, [=] { return skynet(s.skynet_leaves, workers); },
                      [=] { return create_idle(s.idle_actors, workers); },
                      [=] { return ping_pong(s.thread_ping_pong, workers, ensemble::Execution::thread); }});
#ifdef ENSEMBLE_BENCH_HAVE_TBB
  const ParallelForSizes pf = parallel_for_sizes(quick);
  out.push_back({"parallel_for in handlers", parallel_for_parameters(pf, workers), "msg",
                 [=] { return parallel_for_in_handlers(pf, workers, true); }});
#endif
  out.push_back({"ping-pong (process executor)", "round trips=" + std::to_string(s.process_ping_pong) + " processes=2",
                 "msg", [=] { return process_ping_pong(s.process_ping_pong, workers); }});
  return out;
}

}  // namespace ensemble_bench
