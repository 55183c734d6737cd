// Driver for instruction counts of the task model (tools/count-task-instructions):
//   task-count forkjoin N   N forks, each joined at once
//   task-count skynet N     a skynet of N leaves (a power of ten)
// One worker, so the count is one strand's work; callgrind runs it with N and
// 2N and divides the difference, so start-up and shutdown cancel out.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>

#include <ensemble/ensemble.hpp>

#include "bench/task_workloads.hpp"

using task_workloads::fork_join_each;
using task_workloads::skynet;
namespace task = ensemble::task;

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "forkjoin") != 0 && std::strcmp(argv[1], "skynet") != 0)) {
    std::fprintf(stderr, "usage: task-count forkjoin|skynet N\n");
    return 2;
  }
  const std::int64_t n = std::atoll(argv[2]);
  ensemble::Syndicate syn("task-count", ensemble::SyndicateConfig{.workers = 1});
  const bool sky = std::strcmp(argv[1], "skynet") == 0;
  const std::int64_t sum = task::run(syn, sky ? skynet(0, n) : fork_join_each(n));
  if (sum != n * (n - 1) / 2) {
    std::fprintf(stderr, "wrong sum %lld\n", static_cast<long long>(sum));
    return 1;
  }
  return 0;
}
