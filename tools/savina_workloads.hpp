// Five micro-benchmarks of the Savina suite (Imam & Sarkar, AGERE 2014), at
// Savina's default sizes: fork-join throughput and creation, fibonacci,
// chameneos and big. savina_workloads() writes them against ensemble,
// caf_savina_workloads() against CAF 0.17; both sides use the same names,
// parameters, sizes, checks and item counts, so ensemble-bench can pair them.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tools/bench_workloads.hpp"

namespace ensemble_bench {

std::vector<Workload> savina_workloads(bool quick, std::size_t workers);
#ifdef ENSEMBLE_BENCH_HAVE_CAF
std::vector<Workload> caf_savina_workloads(bool quick, std::size_t workers);
#endif

// The small pieces both sides must compute identically.
namespace savina {

// Fork-join's per-message work (Savina's performComputation: sin(theta)^2).
inline double fork_join_work(std::int64_t v) {
  const double s = std::sin(37.2 + static_cast<double>(v % 1024) * 0.001);
  return s * s;
}

// Chameneos colours; two different colours meeting both become the third.
enum class Colour : std::uint8_t { blue = 0, red = 1, yellow = 2, faded = 3 };
inline Colour complement(Colour a, Colour b) {
  if (a == b) return a;
  return static_cast<Colour>(3 - static_cast<int>(a) - static_cast<int>(b));
}

// Big's neighbour choice: splitmix64 seeded with the actor's index, a uniform
// pick among the other actors.
inline std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline std::size_t pick_neighbour(std::uint64_t& state, std::size_t self, std::size_t actors) {
  std::size_t i = static_cast<std::size_t>(next_random(state) % (actors - 1));
  return i >= self ? i + 1 : i;
}

// fib(n) in closed form, and the actors a fib(n) tree uses (leaves at n <= 1).
inline std::int64_t fibonacci(int n) {
  std::int64_t a = 0, b = 1;
  for (int i = 0; i < n; ++i) {
    const std::int64_t t = a + b;
    a = b;
    b = t;
  }
  return a;
}
inline std::int64_t fibonacci_actors(int n) { return 2 * fibonacci(n + 1) - 1; }

// Sizes: Savina's defaults in full mode; ~10x smaller for --quick.
struct Sizes {
  int fj_actors = 60;
  std::int64_t fj_messages;  // per actor
  std::int64_t fj_created;
  int fib_n;
  int chameneos = 100;
  std::int64_t meetings;
  int big_actors = 120;
  std::int64_t big_pings;  // per actor
};
inline Sizes sizes(bool quick) {
  Sizes s{};
  s.fj_messages = quick ? 1'000 : 10'000;
  s.fj_created = quick ? 4'000 : 40'000;
  s.fib_n = quick ? 20 : 25;
  s.meetings = quick ? 20'000 : 200'000;
  s.big_pings = quick ? 2'000 : 20'000;
  return s;
}

// The workload list with its names, parameters and units, spelled once for
// both runtimes; each run function does the work at `s` and checks it.
using Run = std::function<std::uint64_t()>;
inline std::vector<Workload> named(const Sizes& s, Run fj_throughput, Run fj_creation, Run fib, Run chameneos,
                                   Run big) {
  auto n = [](std::int64_t v) { return std::to_string(v); };
  return {
      {"fork-join throughput", "actors=" + n(s.fj_actors) + " messages=" + n(s.fj_messages), "msg",
       std::move(fj_throughput)},
      {"fork-join creation", "actors=" + n(s.fj_created), "actor", std::move(fj_creation)},
      {"fibonacci", "n=" + n(s.fib_n), "actor", std::move(fib)},
      {"chameneos", "chameneos=" + n(s.chameneos) + " meetings=" + n(s.meetings), "meeting", std::move(chameneos)},
      {"big", "actors=" + n(s.big_actors) + " pings=" + n(s.big_pings), "ping", std::move(big)},
  };
}

}  // namespace savina
}  // namespace ensemble_bench
