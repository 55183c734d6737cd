// Driver for instruction counts of the task model (tools/count-task-instructions):
//   task-count forkjoin N   N forks, each joined at once
//   task-count skynet N     a skynet of N leaves (a power of ten)
// One worker, so the count is one strand's work; callgrind runs it with N and
// 2N and divides the difference, so start-up and shutdown cancel out.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>

#include <ensemble/ensemble.hpp>

namespace {
using ensemble::Task;
namespace task = ensemble::task;

Task<std::int64_t> leaf(std::int64_t i) { co_return i; }

Task<std::int64_t> fork_join_each(std::int64_t n) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    auto f = co_await task::fork(leaf(i));
    sum += co_await f.join();
  }
  co_return sum;
}

Task<std::int64_t> skynet(std::int64_t first, std::int64_t size) {
  if (size == 1) co_return first;
  const std::int64_t step = size / 10;
  std::array<task::Fork<std::int64_t>, 10> kids;
  for (int i = 0; i < 10; ++i) kids[static_cast<std::size_t>(i)] = co_await task::fork(skynet(first + i * step, step));
  std::int64_t total = 0;
  for (auto& k : kids) total += co_await k.join();
  co_return total;
}
}  // namespace

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
