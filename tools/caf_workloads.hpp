// The throughput suite's workloads written against CAF 0.17 (the C++ Actor
// Framework), for comparison with the ensemble side in bench_workloads.hpp.
// Same names, sizes, checks and item counts as workloads(); each run() builds
// its own caf::actor_system with the default work-stealing scheduler.
#pragma once

#include <cstddef>
#include <vector>

#include "tools/bench_workloads.hpp"

namespace ensemble_bench {

std::vector<Workload> caf_workloads(bool quick, std::size_t workers);

}  // namespace ensemble_bench
