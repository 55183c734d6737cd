// The task workloads that bench/task-bench times and bench/task-count counts
// instructions of, written once.
#pragma once

#include <array>
#include <cstdint>

#include <ensemble/ensemble.hpp>

namespace task_workloads {

namespace task = ensemble::task;
using ensemble::Task;

inline Task<std::int64_t> leaf(std::int64_t i) { co_return i; }

// n forks, each joined at once: the cost of one fork+join.
inline Task<std::int64_t> fork_join_each(std::int64_t n) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    auto f = co_await task::fork(leaf(i));
    sum += co_await f.join();
  }
  co_return sum;
}

// Skynet: each node forks ten children and sums them; `size` leaves.
inline Task<std::int64_t> skynet(std::int64_t first, std::int64_t size) {
  if (size == 1) co_return first;
  const std::int64_t step = size / 10;
  std::array<task::Fork<std::int64_t>, 10> kids;
  for (int i = 0; i < 10; ++i) kids[static_cast<std::size_t>(i)] = co_await task::fork(skynet(first + i * step, step));
  std::int64_t total = 0;
  for (auto& k : kids) total += co_await k.join();
  co_return total;
}

}  // namespace task_workloads
