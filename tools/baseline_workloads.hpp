// Baselines measured in the same run as ensemble and CAF: oneTBB task_group
// for the creation workloads (the floor a task scheduler sets for "make a
// unit of work and join it"), and a raw two-thread spin ping-pong for the
// cross-core message floor. Each has the name of the ensemble workload it is
// the baseline of.
#pragma once

#include <string>
#include <vector>

#include "tools/bench_workloads.hpp"

namespace ensemble_bench {

struct Baseline {
  std::string runtime;  // "tbb" or "floor"
  Workload workload;
};

std::vector<Baseline> baseline_workloads(bool quick, std::size_t workers);

}  // namespace ensemble_bench
