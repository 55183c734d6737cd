// What every CAF workload shares: a fresh actor system per run with CAF's
// default scheduler policy (work stealing) and `workers` threads, and a check
// that CAF really runs that many (an ignored config key would fail loudly).
#pragma once

#include <cstddef>

#include <caf/all.hpp>

#include "tools/bench_workloads.hpp"

namespace ensemble_bench {

struct system_config : caf::actor_system_config {
  explicit system_config(std::size_t workers) { set("scheduler.max-threads", workers); }
};

inline void check_workers(caf::actor_system& sys, std::size_t workers) {
  check(sys.scheduler().num_workers() == workers, "CAF scheduler worker count");
}

}  // namespace ensemble_bench
