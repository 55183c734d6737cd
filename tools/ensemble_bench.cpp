// ensemble-bench: runs the throughput workloads and prints a table.
//
//   ensemble-bench [--quick] [--repetitions N] [--workers N] [--filter TEXT] [--json FILE]
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench_workloads.hpp"

namespace {

struct Result {
  std::string name, parameters, unit;
  std::vector<double> seconds;
  double median = 0;
  double rate = 0;
  long peak_rss_kib = 0;
};

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::string human_rate(double r) {
  char buf[32];
  if (r >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M/s", r / 1e6);
  } else if (r >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1f k/s", r / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f /s", r);
  }
  return buf;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ensemble-bench: throughput workloads of the ensemble actor runtime"};
  bool quick = false;
  int repetitions = 0;
  std::size_t workers = 0;
  std::string filter, json_path;
  app.add_flag("--quick", quick, "small sizes, for a smoke run");
  app.add_option("--repetitions", repetitions, "runs per workload (default 3, or 5 without --quick)")
      ->check(CLI::Range(1, 100));
  app.add_option("--workers", workers, "worker threads (default: one per core)")->check(CLI::Range(1, 1024));
  app.add_option("--filter", filter, "run only workloads whose name contains TEXT");
  app.add_option("--json", json_path, "also write every repetition's figures to FILE as JSON");
  CLI11_PARSE(app, argc, argv);
  if (repetitions == 0) repetitions = quick ? 3 : 5;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

  utsname un{};
  uname(&un);
  std::printf("ensemble-bench  cores=%u  workers=%zu  compiler=%s  build=%s  kernel=%s %s\n",
              std::thread::hardware_concurrency(), workers, __VERSION__,
#ifdef NDEBUG
              "release",
#else
              "debug",
#endif
              un.sysname, un.release);
  std::printf("%-24s %-34s %12s %14s %12s\n", "workload", "parameters", "median", "rate", "peak RSS");

  std::vector<Result> results;
  bool failed = false;
  for (auto& w : ensemble_bench::workloads(quick, workers)) {
    if (!filter.empty() && w.name.find(filter) == std::string::npos) continue;
    Result r{w.name, w.parameters, w.unit, {}, 0, 0, 0};
    std::uint64_t items = 0;
    try {
      for (int i = 0; i < repetitions; ++i) {
        if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\r  %s: run %d/%d ", w.name.c_str(), i + 1, repetitions);
        auto t0 = std::chrono::steady_clock::now();
        items = w.run();
        r.seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
    } catch (const std::exception& e) {
      if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\r");
      std::printf("%-24s FAILED: %s\n", w.name.c_str(), e.what());
      failed = true;
      continue;
    }
    if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\r%60s\r", "");
    auto sorted = r.seconds;
    std::sort(sorted.begin(), sorted.end());
    r.median = sorted[sorted.size() / 2];
    r.rate = static_cast<double>(items) / r.median;
    r.peak_rss_kib = peak_rss_kib();
    std::printf("%-24s %-34s %10.1f ms %10s %-3s %9.1f MiB\n", r.name.c_str(), r.parameters.c_str(),
                r.median * 1e3, human_rate(r.rate).c_str(), r.unit.c_str(), static_cast<double>(r.peak_rss_kib) / 1024.0);
    results.push_back(std::move(r));
  }

  if (!json_path.empty()) {
    std::ofstream out(json_path);
    if (!out) {
      std::fprintf(stderr, "ensemble-bench: cannot write %s\n", json_path.c_str());
      return 2;
    }
    out << "[\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      out << "  {\"name\": \"" << json_escape(r.name) << "\", \"runtime\": \"ensemble\", \"parameters\": \""
          << json_escape(r.parameters) << "\", \"seconds\": [";
      for (std::size_t k = 0; k < r.seconds.size(); ++k) out << (k ? ", " : "") << r.seconds[k];
      out << "], \"median_seconds\": " << r.median << ", \"rate\": " << r.rate << ", \"unit\": \"" << r.unit
          << "\", \"peak_rss_kib\": " << r.peak_rss_kib << "}" << (i + 1 < results.size() ? "," : "") << "\n";
    }
    out << "]\n";
  }
  return failed ? 1 : 0;
}
