// The task model's costs beside oneTBB's task_group doing the same work in the
// same run (issue 3): fork+join per task, a skynet of 10^6 leaves, all() over
// 10^5 tasks. Items are tasks, so items_per_second compares per-task cost.
//
//   build-release/bench/task-bench --benchmark_min_time=0.5 --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true   (one command line)
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "bench/task_workloads.hpp"

#ifdef ENSEMBLE_BENCH_HAVE_TBB
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#endif

namespace {

using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::Task;
namespace task = ensemble::task;

constexpr std::size_t workers = 2;

void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(what);
}

// --- fork + join, one task at a time ---------------------------------------

using task_workloads::fork_join_each;
using task_workloads::leaf;
using task_workloads::skynet;

Task<std::int64_t> fork_all_then_join(std::int64_t n) {
  std::vector<task::Fork<std::int64_t>> forks;
  forks.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) forks.push_back(co_await task::fork(leaf(i)));
  std::int64_t sum = 0;
  for (auto& f : forks) sum += co_await f.join();
  co_return sum;
}

void BM_Task_ForkJoinEach(benchmark::State& state) {
  Syndicate syn("bench", SyndicateConfig{.workers = workers});
  const std::int64_t n = state.range(0);
  for (auto _ : state) check(task::run(syn, fork_join_each(n)) == n * (n - 1) / 2, "sum");
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Task_ForkJoinEach)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Task_ForkAllThenJoin(benchmark::State& state) {
  Syndicate syn("bench", SyndicateConfig{.workers = workers});
  const std::int64_t n = state.range(0);
  for (auto _ : state) check(task::run(syn, fork_all_then_join(n)) == n * (n - 1) / 2, "sum");
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Task_ForkAllThenJoin)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

// --- skynet: 10^6 leaves, each node forks 10 children and sums them -----------

// The same tree with its ten top subtrees as parallel forks (a strand each).
Task<std::int64_t> skynet_parallel_top(std::int64_t size) {
  const std::int64_t step = size / 10;
  std::array<task::Fork<std::int64_t>, 10> kids;
  for (int i = 0; i < 10; ++i) {
    kids[static_cast<std::size_t>(i)] = co_await task::fork(skynet(i * step, step), {.parallel = true});
  }
  std::int64_t total = 0;
  for (auto& k : kids) total += co_await k.join();
  co_return total;
}

std::int64_t skynet_nodes(std::int64_t leaves) {
  std::int64_t nodes = 0;
  for (std::int64_t level = leaves; level >= 1; level /= 10) nodes += leaves / level;
  return nodes;
}

void BM_Task_Skynet(benchmark::State& state) {
  Syndicate syn("bench", SyndicateConfig{.workers = workers});
  const std::int64_t n = state.range(0);
  for (auto _ : state) check(task::run(syn, skynet(0, n)) == n * (n - 1) / 2, "skynet sum");
  state.SetItemsProcessed(state.iterations() * skynet_nodes(n));
}
BENCHMARK(BM_Task_Skynet)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Task_SkynetParallelTop(benchmark::State& state) {
  Syndicate syn("bench", SyndicateConfig{.workers = workers});
  const std::int64_t n = state.range(0);
  for (auto _ : state) check(task::run(syn, skynet_parallel_top(n)) == n * (n - 1) / 2, "skynet sum");
  state.SetItemsProcessed(state.iterations() * skynet_nodes(n));
}
BENCHMARK(BM_Task_SkynetParallelTop)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

// --- all() over 10^5 tasks ----------------------------------------------------

Task<std::int64_t> all_of(std::int64_t n) {
  std::vector<Task<std::int64_t>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) tasks.push_back(leaf(i));
  std::vector<std::int64_t> values = co_await task::all(std::move(tasks));
  std::int64_t sum = 0;
  for (std::int64_t v : values) sum += v;
  co_return sum;
}

void BM_Task_All(benchmark::State& state) {
  Syndicate syn("bench", SyndicateConfig{.workers = workers});
  const std::int64_t n = state.range(0);
  for (auto _ : state) check(task::run(syn, all_of(n)) == n * (n - 1) / 2, "all sum");
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Task_All)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

#ifdef ENSEMBLE_BENCH_HAVE_TBB
// --- the same work on oneTBB ---------------------------------------------------

void BM_TBB_ForkJoinEach(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(workers));
  const std::int64_t n = state.range(0);
  for (auto _ : state) {
    std::int64_t sum = 0;
    arena.execute([&] {
      tbb::task_group g;
      for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t v = 0;
        g.run([&v, i] { v = i; });
        g.wait();
        sum += v;
      }
    });
    check(sum == n * (n - 1) / 2, "sum");
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_TBB_ForkJoinEach)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_TBB_ForkAllThenJoin(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(workers));
  const std::int64_t n = state.range(0);
  std::vector<std::int64_t> values(static_cast<std::size_t>(n));
  for (auto _ : state) {
    arena.execute([&] {
      tbb::task_group g;
      for (std::int64_t i = 0; i < n; ++i) g.run([&values, i] { values[static_cast<std::size_t>(i)] = i; });
      g.wait();
    });
    std::int64_t sum = 0;
    for (std::int64_t v : values) sum += v;
    check(sum == n * (n - 1) / 2, "sum");
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_TBB_ForkAllThenJoin)->Arg(100000)->Unit(benchmark::kMillisecond);
// all() has the same shape in oneTBB: run every task, wait for the group.
BENCHMARK(BM_TBB_ForkAllThenJoin)->Name("BM_TBB_All")->Arg(100000)->Unit(benchmark::kMillisecond);

std::int64_t tbb_skynet(std::int64_t first, std::int64_t size) {
  if (size == 1) return first;
  std::int64_t sums[10];
  tbb::task_group g;
  const std::int64_t step = size / 10;
  for (int i = 0; i < 10; ++i) g.run([&sums, i, first, step] { sums[i] = tbb_skynet(first + i * step, step); });
  g.wait();
  std::int64_t total = 0;
  for (std::int64_t s : sums) total += s;
  return total;
}

void BM_TBB_Skynet(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(workers));
  const std::int64_t n = state.range(0);
  for (auto _ : state) {
    std::int64_t sum = 0;
    arena.execute([&] { sum = tbb_skynet(0, n); });
    check(sum == n * (n - 1) / 2, "skynet sum");
  }
  state.SetItemsProcessed(state.iterations() * skynet_nodes(n));
}
BENCHMARK(BM_TBB_Skynet)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
