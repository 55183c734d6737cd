// The workloads ensemble-bench runs. Each builds a fresh syndicate, does a
// fixed amount of work, checks its result, and returns the count of work items
// done (messages, actors, ...), so the runner can report a rate. A failed check
// throws: the run must fail loudly, never report a number for wrong work.
#pragma once

#include <cstdint>
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

}  // namespace ensemble_bench
