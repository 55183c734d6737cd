// Remote messaging over TCP loopback, on both runtimes:
//
//  "remote ping-pong (TCP loopback)"  an actor of one syndicate and an actor
//                 of another bounce a counter: every message crosses a TCP
//                 connection (ensemble's native protocol; CAF's io module,
//                 publish / remote_actor). Items: messages. The floor: two
//                 processes bouncing 8 bytes over a TCP loopback socket with
//                 blocking reads and writes (baseline_workloads.cpp).
//  "remote tells (TCP loopback)"  one actor tells small ints to an actor of
//                 the other side, which counts them; done when the last
//                 arrives. Items: messages.
// Both sides of each run live in this process (two syndicates, two CAF actor
// systems), so the figures include both ends' work on the same cores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tools/bench_workloads.hpp"

namespace ensemble_bench {

struct RemoteSizes {
  std::int64_t ping_pong;
  std::int64_t tells;
};
inline RemoteSizes remote_sizes(bool quick) { return quick ? RemoteSizes{5'000, 100'000} : RemoteSizes{50'000, 2'000'000}; }

std::vector<Workload> remote_workloads(bool quick, std::size_t workers);
#ifdef ENSEMBLE_BENCH_HAVE_CAF_IO
std::vector<Workload> caf_remote_workloads(bool quick, std::size_t workers);
#endif

inline constexpr char remote_ping_pong_name[] = "remote ping-pong (TCP loopback)";
inline constexpr char remote_tells_name[] = "remote tells (TCP loopback)";

}  // namespace ensemble_bench
