// The workloads ensemble-bench runs. Each builds a fresh syndicate, does a
// fixed amount of work, checks its result, and returns the count of work items
// done (messages, actors, ...), so the runner can report a rate. A failed check
// throws: the run must fail loudly, never report a number for wrong work.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ensemble_bench {

struct Workload {
  std::string name;
  std::string parameters;  // human-readable, e.g. "rounds=1000000"
  std::string unit;        // what the rate counts, e.g. "msg"
  std::function<std::uint64_t()> run;
};

std::vector<Workload> workloads(bool quick, std::size_t workers);

// Every workload checks its result with this: a wrong result must fail the
// run loudly, never report a number.
inline void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("result check failed: " + what);
}

// The core workloads' sizes, names, parameters and units, spelled once for
// every runtime (workloads() here, caf_workloads() in caf_workloads.cpp).
namespace core {
struct Sizes {
  std::int64_t ping_pong, ring_hops, counting, n_to_1_each, asks, skynet_leaves, idle_actors;
  // Two actors on threads of their own: every message is a thread wake-up.
  std::int64_t thread_ping_pong;
  // A pool actor and a process-mode actor: every round trip crosses a
  // socketpair twice (ensemble only; its baseline is a raw socketpair).
  std::int64_t process_ping_pong;
  int ring_actors = 503;
};
inline Sizes sizes(bool quick) {
  return quick ? Sizes{200'000, 500'000, 100'000, 250'000, 100'000, 100'000, 100'000, 20'000, 20'000}
               : Sizes{2'000'000, 10'000'000, 1'000'000, 2'500'000, 1'000'000, 1'000'000, 1'000'000, 200'000, 100'000};
}
using Run = std::function<std::uint64_t()>;
struct Runs {
  Run ping_pong_colocated, ping_pong, thread_ring, counting, n_to_1, ask, skynet, create_idle;
  // ensemble: two Execution::thread actors; CAF: two `detached` actors.
  Run ping_pong_threads;
};
inline std::vector<Workload> named(const Sizes& s, std::size_t workers, Runs r) {
  auto n = [](auto v) { return std::to_string(v); };
  return {
      {"ping-pong (co-located)", "round trips=" + n(s.ping_pong) + " workers=1", "msg",
       std::move(r.ping_pong_colocated)},
      {"ping-pong", "round trips=" + n(s.ping_pong) + " workers=" + n(workers), "msg", std::move(r.ping_pong)},
      {"thread ring", "actors=" + n(s.ring_actors) + " hops=" + n(s.ring_hops), "msg", std::move(r.thread_ring)},
      {"counting", "messages=" + n(s.counting), "msg", std::move(r.counting)},
      {"N:1 mailbox", "producer threads=" + n(workers) + " each=" + n(s.n_to_1_each), "msg", std::move(r.n_to_1)},
      {"ask round trip", "asks=" + n(s.asks), "ask", std::move(r.ask)},
      {"skynet", "leaves=" + n(s.skynet_leaves), "actor", std::move(r.skynet)},
      {"create idle actors", "actors=" + n(s.idle_actors), "actor", std::move(r.create_idle)},
      {"ping-pong (thread executor)", "round trips=" + n(s.thread_ping_pong) + " threads=2", "msg",
       std::move(r.ping_pong_threads)},
  };
}
}  // namespace core

// "parallel_for in handlers": `actors` actors each handle `messages`
// messages, and each handler sums (i*i) % 7 over `elements` with
// tbb::parallel_reduce. on_arena: the actors run on the arena executor
// (Execution::tbb_arena) with the same arena as the reductions; otherwise on
// the pool, beside oneTBB's own threads (the baseline).
struct ParallelForSizes {
  int actors = 4;
  int messages;
  std::int64_t elements;
};
inline ParallelForSizes parallel_for_sizes(bool quick) {
  return quick ? ParallelForSizes{4, 250, 20'000} : ParallelForSizes{4, 2'000, 20'000};
}
inline std::string parallel_for_parameters(const ParallelForSizes& s, std::size_t workers) {
  return "actors=" + std::to_string(s.actors) + " msgs=" + std::to_string(s.messages) +
         " n=" + std::to_string(s.elements) + " threads=" + std::to_string(workers);
}
struct ParallelForDone {
  explicit ParallelForDone(std::int64_t m) : left(m) {}
  std::atomic<std::int64_t> left;
  std::atomic<std::int64_t> sum{0};
  std::promise<std::int64_t> promise;
  void add(std::int64_t s) {
    sum.fetch_add(s, std::memory_order_relaxed);
    // acq_rel: the last one sees every other handler's sum.
    if (left.fetch_sub(1, std::memory_order_acq_rel) == 1) promise.set_value(sum.load(std::memory_order_relaxed));
  }
  static std::int64_t expected(const ParallelForSizes& s) {
    std::int64_t one = 0;
    for (std::int64_t i = 0; i < s.elements; ++i) one += (i * i) % 7;
    return one * s.actors * s.messages;
  }
};
std::uint64_t parallel_for_in_handlers(const ParallelForSizes& s, std::size_t workers, bool on_arena);

}  // namespace ensemble_bench
