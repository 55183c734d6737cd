// Two workloads from CAF's own benchmark suite, on both runtimes:
//
//  "mixed case"   actor-framework/benchmarks' mixed_case: rings of actors
//                 passing a token (the master of each ring decrements it once
//                 per lap) while a worker per ring factorizes a semiprime once
//                 per round; message passing and CPU-bound work on the same
//                 workers. Items: token hops.
//  "idle actors"  creates idle actors, keeps their addresses and measures the
//                 resident memory they add (last_bytes_per_actor()). Items:
//                 actors.
//
// mixed_workloads() is the ensemble side, caf_mixed_workloads() the CAF 0.17
// side (only with ENSEMBLE_BENCH_HAVE_CAF); same names, sizes, checks and item
// counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench_workloads.hpp"

namespace ensemble_bench {

std::vector<Workload> mixed_workloads(bool quick, std::size_t workers);
#ifdef ENSEMBLE_BENCH_HAVE_CAF
std::vector<Workload> caf_mixed_workloads(bool quick, std::size_t workers);
#endif

// Resident memory added per idle actor by the last run of either side's
// "idle actors" (bytes; the kept address or handle itself not counted); 0
// before any run. Not thread-safe: read it after run() returns, in the same
// process (the runner's forked child).
double last_bytes_per_actor();

namespace mixed_detail {
// Shared by both sides so that they measure alike.
void set_last_bytes_per_actor(double bytes);
// Resident set size of this process, from /proc/self/statm.
std::uint64_t resident_bytes();
// The mixed case's semiprime and its factors.
inline constexpr std::uint64_t factor1 = 86028157;
inline constexpr std::uint64_t factor2 = 329545133;
inline constexpr std::uint64_t task_n = factor1 * factor2;  // 28350160440309881
// The sizes, one place for both sides.
struct Sizes {
  int rings;            // rings, each with its master and worker
  int ring_size;        // actors per ring, the master included
  std::int64_t token;   // the token's start value: token + 1 laps per round
  int rounds;           // rounds per ring: a new ring and one factorization each
  std::int64_t idle;    // idle actors
};
Sizes sizes(bool quick);
// "rings=... actors=... token=... repetitions=..."
std::string mixed_parameters(const Sizes& s);
// Token hops of the whole mixed case: rings * rounds * (token + 1) * ring_size.
std::uint64_t mixed_hops(const Sizes& s);
// Trial division, as in the CAF benchmark: returns the prime factors in
// ascending order.
std::vector<std::uint64_t> factorize(std::uint64_t n);
}  // namespace mixed_detail

}  // namespace ensemble_bench
