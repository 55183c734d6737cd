// The workloads ensemble-bench runs. Each builds a fresh syndicate, does a
// fixed amount of work, checks its result, and returns the count of work items
// done (messages, actors, ...), so the runner can report a rate. A failed check
// throws: the run must fail loudly, never report a number for wrong work.
#pragma once

#include <cstdint>
#include <functional>
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

}  // namespace ensemble_bench
