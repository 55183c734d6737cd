// Core runtime benchmarks (Google Benchmark). Each reports a rate and, where a
// per-message cost matters, ns per message. Wall-clock figures on this 2-core
// VM are noisy: compare against the raw MPSC baseline in the same run, and use
// tools/count-instructions for the instruction budget.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "bench/bench_actors.hpp"
#include "runtime/actor/mailbox.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Syndicate;

namespace {

// Shared with tell-count, actor-count and tools/ensemble-bench.
using ensemble_bench::Echo;
using ensemble_bench::Idle;
using ensemble_bench::Ping;
using ensemble_bench::Pong;

// ---------------------------------------------------------------- baseline
// The floor a tell is measured against: a raw intrusive MPSC push + pop with
// no scheduling, allocation or dispatch (the same Mailbox the actors use).
void BM_Baseline_MailboxPushPop(benchmark::State& state) {
  struct Node : ensemble::runtime::MailboxNode {};
  ensemble::runtime::Mailbox box;
  box.try_acquire_idle();
  Node n;
  for (auto _ : state) {
    box.push(&n);
    benchmark::DoNotOptimize(box.pop());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Baseline_MailboxPushPop);

// ---------------------------------------------------------------- ping-pong
// Two actors bounce a counter `rounds` times; with one worker they are
// co-located, so each message is a local tell: envelope from the pool, push
// that finds the mailbox idle, LIFO slot, pop, dispatch. (Ping and Pong:
// bench/bench_actors.hpp.)

void run_ping_pong(benchmark::State& state, std::size_t workers) {
  const std::int64_t rounds = state.range(0);
  Syndicate syn("bench", {.workers = workers});
  auto ping_owner = std::make_unique<Ping>();
  Ping* ping = ping_owner.get();
  ActorAddress ping_addr = syn.start_actor(std::move(ping_owner));
  ActorAddress pong_addr = syn.create_actor<Pong>();
  for (auto _ : state) {
    std::promise<void> done;
    ping->done = &done;
    ping->left = rounds;
    syn.tell(ping_addr, pong_addr);
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * rounds * 2);  // messages
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * rounds), benchmark::Counter::kIsRate);
}
void BM_PingPong_OneWorker(benchmark::State& state) { run_ping_pong(state, 1); }
void BM_PingPong_TwoWorkers(benchmark::State& state) { run_ping_pong(state, 2); }
BENCHMARK(BM_PingPong_OneWorker)->Arg(200000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PingPong_TwoWorkers)->Arg(200000)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- self tell
// An actor that tells itself: the mailbox is never idle while it runs, so each
// tell is a push to an already-scheduled actor (no scheduling at all).
struct SelfLoop : ensemble::Actor {
  std::int64_t left = 0;
  std::promise<void>* done = nullptr;
  void process(Message& m) {
    if (--left == 0) {
      done->set_value();
      return;
    }
    tell(m.get<std::int64_t>(), address());
  }
};
void BM_TellToScheduledActor(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Syndicate syn("bench", {.workers = 1});
  auto owner = std::make_unique<SelfLoop>();
  SelfLoop* self = owner.get();
  ActorAddress addr = syn.start_actor(std::move(owner));
  for (auto _ : state) {
    std::promise<void> done;
    self->done = &done;
    self->left = n;
    syn.tell(addr, std::int64_t{1});
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_TellToScheduledActor)->Arg(500000)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- N:1
// One counting actor, one producer thread per core, each telling `per` messages.
struct Counter : ensemble::Actor {
  std::int64_t expected = 0;
  std::int64_t seen = 0;
  std::promise<void>* done = nullptr;
  void process(Message&) {
    if (++seen == expected) done->set_value();
  }
};
void BM_NTo1_Counting(benchmark::State& state) {
  const std::int64_t per = state.range(0);
  const unsigned producers = std::max(2u, std::thread::hardware_concurrency());
  Syndicate syn("bench");
  auto owner = std::make_unique<Counter>();
  Counter* counter = owner.get();
  ActorAddress addr = syn.start_actor(std::move(owner));
  for (auto _ : state) {
    std::promise<void> done;
    counter->done = &done;
    counter->seen = 0;
    counter->expected = per * producers;
    std::vector<std::thread> threads;
    for (unsigned p = 0; p < producers; ++p) {
      threads.emplace_back([&] {
        for (std::int64_t i = 0; i < per; ++i) syn.tell(addr, i);
      });
    }
    for (auto& t : threads) t.join();
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * per * producers);
}
BENCHMARK(BM_NTo1_Counting)->Arg(250000)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- budget
// Messages per activation: 64 actors, each with a full mailbox of `per`
// messages queued before the workers see them, drained with the given budget.
// A small budget re-queues the actor after every few messages; a large one lets
// one busy actor hold its worker longer (fairness). Settles the default.
struct Drain : ensemble::Actor {
  std::atomic<std::int64_t>* left = nullptr;
  std::promise<void>* done = nullptr;
  void process(Message&) {
    if (left->fetch_sub(1, std::memory_order_relaxed) == 1) done->set_value();
  }
};
void BM_MessagesPerActivation(benchmark::State& state) {
  const std::size_t budget = static_cast<std::size_t>(state.range(0));
  const std::int64_t actors = 64, per = 4000;
  Syndicate syn("bench", {.workers = 2, .messages_per_activation = budget});
  std::atomic<std::int64_t> left{0};
  std::vector<Drain*> raw;
  std::vector<ActorAddress> addrs;
  for (std::int64_t i = 0; i < actors; ++i) {
    auto d = std::make_unique<Drain>();
    d->left = &left;
    raw.push_back(d.get());
    addrs.push_back(syn.start_actor(std::move(d)));
  }
  for (auto _ : state) {
    std::promise<void> done;
    for (Drain* d : raw) d->done = &done;
    left.store(actors * per);
    for (std::int64_t k = 0; k < per; ++k) {
      for (auto& a : addrs) syn.tell(a, k);
    }
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * actors * per);
}
BENCHMARK(BM_MessagesPerActivation)->Arg(1)->Arg(8)->Arg(64)->Arg(512)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- ask
// (Echo: bench/bench_actors.hpp.)
// A plain thread asks and blocks: a cross-thread round trip with a futex wake.
void BM_Ask_FromThread(benchmark::State& state) {
  Syndicate syn("bench", {.workers = 1});
  ActorAddress echo = syn.create_actor<Echo>();
  std::int64_t i = 0;
  for (auto _ : state) {
    ensemble::Payload r = syn.ask(echo, i++, 5s);
    benchmark::DoNotOptimize(r.get<std::int64_t>());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ask_FromThread)->UseRealTime();

// An actor asks another from a Task handler, `n` times in a loop. Not
// bench_actors.hpp's Asker: this one checks each reply and is re-armed per
// iteration.
struct Asker : ensemble::Actor {
  ActorAddress echo;
  std::promise<void>* done = nullptr;
  ensemble::Task<> process(Message& m) {
    const std::int64_t n = m.get<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
      ensemble::Payload r = co_await ask(i, echo);
      if (r.get<std::int64_t>() != i) std::abort();
    }
    done->set_value();
  }
};
void BM_Ask_ActorToActor(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  Syndicate syn("bench", {.workers = 1});
  auto owner = std::make_unique<Asker>();
  Asker* asker = owner.get();
  asker->echo = syn.create_actor<Echo>();
  ActorAddress addr = syn.start_actor(std::move(owner));
  for (auto _ : state) {
    std::promise<void> done;
    asker->done = &done;
    syn.tell(addr, n);
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Ask_ActorToActor)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- creation
// (Idle: bench/bench_actors.hpp.)
long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}
void BM_CreateIdleActors(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  // Resident memory only grows the first time: later runs reuse what the
  // allocator kept from the first. So the figure is taken once per process.
  static double bytes_per_actor = 0;
  static bool measured = false;
  for (auto _ : state) {
    state.PauseTiming();
    auto syn = std::make_unique<Syndicate>("bench");
    std::vector<ActorAddress> actors;
    actors.reserve(static_cast<std::size_t>(n));
    long before = resident_bytes();
    state.ResumeTiming();
    for (std::int64_t i = 0; i < n; ++i) actors.push_back(syn->create_actor<Idle>());
    state.PauseTiming();
    long after = resident_bytes();
    if (!measured) {
      measured = true;
      // The address vector is the benchmark's, not the runtime's: take it out.
      bytes_per_actor = static_cast<double>(after - before) / static_cast<double>(n) -
                        static_cast<double>(sizeof(ActorAddress));
    }
    actors.clear();
    syn.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["bytes/actor"] = bytes_per_actor;
}
BENCHMARK(BM_CreateIdleActors)->Arg(1000000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- idle pool
// CPU burnt by a parked pool (process CPU time over wall time), and the time
// from a tell to a parked pool until the handler runs.
struct Stamp : ensemble::Actor {
  std::promise<std::chrono::steady_clock::time_point>* seen = nullptr;
  void process(Message&) { seen->set_value(std::chrono::steady_clock::now()); }
};
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
void BM_IdlePool(benchmark::State& state) {
  Syndicate syn("bench");
  auto owner = std::make_unique<Stamp>();
  Stamp* stamp = owner.get();
  ActorAddress addr = syn.start_actor(std::move(owner));
  double idle_fraction = 0;
  std::vector<double> wake_us;
  for (auto _ : state) {
    std::this_thread::sleep_for(50ms);  // let every worker park
    double cpu0 = process_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(1s);
    double cpu1 = process_cpu_seconds();
    auto t1 = std::chrono::steady_clock::now();
    idle_fraction = (cpu1 - cpu0) / std::chrono::duration<double>(t1 - t0).count();
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(20ms);
      std::promise<std::chrono::steady_clock::time_point> seen;
      stamp->seen = &seen;
      auto sent = std::chrono::steady_clock::now();
      syn.tell(addr, 1);
      auto got = seen.get_future().get();
      wake_us.push_back(std::chrono::duration<double, std::micro>(got - sent).count());
    }
  }
  std::sort(wake_us.begin(), wake_us.end());
  state.counters["idle_core_%"] = idle_fraction * 100.0;
  state.counters["wake_p50_us"] = wake_us[wake_us.size() / 2];
  state.counters["wake_max_us"] = wake_us.back();
}
BENCHMARK(BM_IdlePool)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// The floor under the wake-up figure above: a thread asleep on a raw futex,
// woken by another, on this machine. The pool's wake-up adds the queue
// hand-off and the worker's search to this.
void BM_Baseline_FutexWake(benchmark::State& state) {
  std::atomic<std::uint32_t> word{0};
  std::vector<double> wake_us;
  for (auto _ : state) {
    std::promise<std::chrono::steady_clock::time_point> seen;
    word.store(0);
    std::thread sleeper([&] {
      while (word.load(std::memory_order_acquire) == 0) word.wait(0, std::memory_order_acquire);
      seen.set_value(std::chrono::steady_clock::now());
    });
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(20ms);
      if (i < 19) continue;
      auto sent = std::chrono::steady_clock::now();
      word.store(1, std::memory_order_release);
      word.notify_one();
      wake_us.push_back(std::chrono::duration<double, std::micro>(seen.get_future().get() - sent).count());
    }
    sleeper.join();
  }
  std::sort(wake_us.begin(), wake_us.end());
  state.counters["wake_p50_us"] = wake_us[wake_us.size() / 2];
  state.counters["wake_max_us"] = wake_us.back();
}
BENCHMARK(BM_Baseline_FutexWake)->Iterations(20)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
