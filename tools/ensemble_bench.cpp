// ensemble-bench: runs the throughput workloads on ensemble (and on CAF, when
// built with it) and prints them side by side.
//
//   ensemble-bench [--quick] [--repetitions N] [--workers N] [--filter TEXT]
//                  [--json FILE] [--svg FILE]
//
// Each workload runs, for each runtime, in a child process forked from this
// single-threaded runner: the peak resident memory of a row is that row's own,
// and a runtime's threads never outlive its row.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/process.hpp>

#include "tools/baseline_workloads.hpp"
#include "tools/remote_workloads.hpp"
#include "tools/bench_svg.hpp"
#include "tools/bench_workloads.hpp"
#include "tools/mixed_workloads.hpp"
#include "tools/savina_workloads.hpp"
#ifdef ENSEMBLE_BENCH_HAVE_CAF
#include "tools/caf_workloads.hpp"
#endif

namespace {

using ensemble_bench::Workload;

struct Measurement {
  std::vector<double> seconds;
  std::uint64_t items = 0;
  double median = 0;
  double rate = 0;
  long peak_rss_kib = 0;
  double bytes_per_actor = 0;  // resident growth per idle actor ("idle actors" only)
  std::string error;           // non-empty when the run failed its check or crashed
};

struct Row {
  std::string name, parameters, unit;
  Measurement ensemble;
  std::optional<Measurement> caf;
  std::string baseline_runtime;  // "tbb" or "floor", when the workload has one
  std::optional<Measurement> baseline;
};

// Other runtime's time over ensemble's, or nothing when either failed.
std::optional<double> ratio(const Measurement& ours, const std::optional<Measurement>& theirs) {
  if (!theirs || !theirs->error.empty() || !ours.error.empty() || ours.median <= 0) return std::nullopt;
  return theirs->median / ours.median;
}

std::string ratio_text(std::optional<double> r) {
  if (!r) return "-";
  return ensemble_bench::format_ratio(*r);  // 0.041x, not 0.0x
}

// Runs `w` `repetitions` times in a forked child; the child reports through a
// pipe: "ok <items> <maxrss_kib> <bytes_per_actor> <s1> <s2> ..." or "error <text>".
Measurement measure(const Workload& w, int repetitions) {
  Measurement m;
  int fds[2];
  if (pipe(fds) != 0) {
    m.error = std::string("pipe: ") + std::strerror(errno);
    return m;
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    m.error = std::string("fork: ") + std::strerror(errno);
    return m;
  }
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      std::uint64_t items = 0;
      std::string times;
      for (int i = 0; i < repetitions; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        items = w.run();
        times += " " + std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      rusage u{};
      getrusage(RUSAGE_SELF, &u);
      out = "ok " + std::to_string(items) + " " + std::to_string(u.ru_maxrss) + " " +
            std::to_string(ensemble_bench::last_bytes_per_actor()) + times;
    } catch (const std::exception& e) {
      out = std::string("error ") + e.what();
    }
    ssize_t written = write(fds[1], out.data(), out.size());
    _exit(written == static_cast<ssize_t>(out.size()) ? 0 : 3);
  }
  close(fds[1]);
  std::string in;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) in.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (in.rfind("ok ", 0) == 0) {
    std::istringstream s(in.substr(3));
    s >> m.items >> m.peak_rss_kib >> m.bytes_per_actor;
    for (double t; s >> t;) m.seconds.push_back(t);
    auto sorted = m.seconds;
    std::sort(sorted.begin(), sorted.end());
    m.median = sorted.empty() ? 0 : sorted[sorted.size() / 2];
    m.rate = m.median > 0 ? static_cast<double>(m.items) / m.median : 0;
    if (m.seconds.size() != static_cast<std::size_t>(repetitions)) m.error = "incomplete report from the child";
  } else if (in.rfind("error ", 0) == 0) {
    m.error = in.substr(6);
  } else if (WIFSIGNALED(status)) {
    m.error = std::string("crashed: ") + strsignal(WTERMSIG(status));
  } else {
    m.error = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return m;
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

std::string cell(const Measurement& m) {
  if (!m.error.empty()) return "FAILED";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%8.1f ms %11s %6.1f MiB", m.median * 1e3, human_rate(m.rate).c_str(),
                static_cast<double>(m.peak_rss_kib) / 1024.0);
  return buf;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void write_record(std::ostream& out, const Row& r, const char* runtime, const Measurement& m, bool last) {
  out << "  {\"name\": \"" << json_escape(r.name) << "\", \"runtime\": \"" << runtime
      << "\", \"parameters\": \"" << json_escape(r.parameters) << "\", \"unit\": \"" << r.unit
      << "\", \"seconds\": [";
  for (std::size_t k = 0; k < m.seconds.size(); ++k) out << (k ? ", " : "") << m.seconds[k];
  out << "], \"median_seconds\": " << m.median << ", \"rate\": " << m.rate
      << ", \"peak_rss_kib\": " << m.peak_rss_kib;
  if (m.bytes_per_actor > 0) out << ", \"bytes_per_actor\": " << m.bytes_per_actor;
  if (!m.error.empty()) out << ", \"error\": \"" << json_escape(m.error) << "\"";
  out << "}" << (last ? "" : ",") << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // The process-executor row's workers are this binary, started again.
  ensemble::serve_worker_if_spawned();
  CLI::App app{"ensemble-bench: throughput workloads of the ensemble actor runtime"};
  bool quick = false;
  int repetitions = 0;
  std::size_t workers = 0;
  std::string filter, json_path, svg_path;
  app.add_flag("--quick", quick, "small sizes, for a smoke run");
  app.add_option("--repetitions", repetitions, "runs per workload (default 3, or 5 without --quick)")
      ->check(CLI::Range(1, 100));
  app.add_option("--workers", workers, "worker threads (default: one per core)")->check(CLI::Range(1, 1024));
  app.add_option("--filter", filter, "run only workloads whose name contains TEXT");
  app.add_option("--json", json_path, "also write every repetition's figures to FILE as JSON");
  app.add_option("--svg", svg_path, "also draw the ratios as a bar chart in FILE (SVG)");
  CLI11_PARSE(app, argc, argv);
  if (repetitions == 0) repetitions = quick ? 3 : 5;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

  std::ofstream json, svg;
  for (auto [path, stream] : {std::pair{&json_path, &json}, std::pair{&svg_path, &svg}}) {
    if (path->empty()) continue;
    stream->open(*path);
    if (!*stream) {
      std::fprintf(stderr, "ensemble-bench: cannot write %s\n", path->c_str());
      return 2;
    }
  }

  std::vector<Workload> ours = ensemble_bench::workloads(quick, workers);
  for (auto& w : ensemble_bench::savina_workloads(quick, workers)) ours.push_back(std::move(w));
  for (auto& w : ensemble_bench::mixed_workloads(quick, workers)) ours.push_back(std::move(w));
  for (auto& w : ensemble_bench::remote_workloads(quick, workers)) ours.push_back(std::move(w));
  std::vector<Workload> theirs;
#ifdef ENSEMBLE_BENCH_HAVE_CAF
  theirs = ensemble_bench::caf_workloads(quick, workers);
  for (auto& w : ensemble_bench::caf_savina_workloads(quick, workers)) theirs.push_back(std::move(w));
  for (auto& w : ensemble_bench::caf_mixed_workloads(quick, workers)) theirs.push_back(std::move(w));
#endif
#ifdef ENSEMBLE_BENCH_HAVE_CAF_IO
  for (auto& w : ensemble_bench::caf_remote_workloads(quick, workers)) theirs.push_back(std::move(w));
#endif
  auto find_theirs = [&](const std::string& name) -> const Workload* {
    for (const Workload& w : theirs) {
      if (w.name == name) return &w;
    }
    return nullptr;
  };
  std::vector<ensemble_bench::Baseline> baselines = ensemble_bench::baseline_workloads(quick, workers);
  auto find_baseline = [&](const std::string& name) -> const ensemble_bench::Baseline* {
    for (const auto& b : baselines) {
      if (b.workload.name == name) return &b;
    }
    return nullptr;
  };

  utsname un{};
  uname(&un);
  std::printf("ensemble-bench  cores=%u  workers=%zu  repetitions=%d  compiler=g++ %s  build=%s  %s %s  CAF=%s\n",
              std::thread::hardware_concurrency(), workers, repetitions, __VERSION__,
#if defined(__OPTIMIZE__) && defined(NDEBUG)
              "optimized",
#elif defined(__OPTIMIZE__)
              "optimized+asserts",
#else
              "unoptimized",
#endif
              un.sysname, un.release, theirs.empty() ? "not built" : "0.17");
  std::printf("%-24s %-32s | %-34s | %-34s | %-8s | %s\n", "workload", "parameters",
              "ensemble: median  rate  peak RSS", "CAF: median  rate  peak RSS", "CAF/ens",
              "baseline (its time / ensemble's)");

  std::vector<Row> rows;
  bool failed = false;
  const bool tty = isatty(STDERR_FILENO) != 0;
  for (const Workload& w : ours) {
    if (!filter.empty() && w.name.find(filter) == std::string::npos) continue;
    Row r{w.name, w.parameters, w.unit, {}, std::nullopt, {}, std::nullopt};
    if (tty) std::fprintf(stderr, "\r  running %s on ensemble...%20s", w.name.c_str(), "");
    r.ensemble = measure(w, repetitions);
    if (const Workload* t = find_theirs(w.name)) {
      if (tty) std::fprintf(stderr, "\r  running %s on CAF...%20s", w.name.c_str(), "");
      r.caf = measure(*t, repetitions);
    }
    if (const auto* b = find_baseline(w.name)) {
      if (tty) std::fprintf(stderr, "\r  running %s on %s...%20s", w.name.c_str(), b->runtime.c_str(), "");
      r.baseline_runtime = b->runtime;
      r.baseline = measure(b->workload, repetitions);
    }
    if (tty) std::fprintf(stderr, "\r%70s\r", "");
    std::string base = "-";
    if (r.baseline) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s %.1f ms (%s)", r.baseline_runtime.c_str(), r.baseline->median * 1e3,
                    ratio_text(ratio(r.ensemble, r.baseline)).c_str());
      base = buf;
    }
    std::printf("%-24s %-32s | %-34s | %-34s | %-8s | %s\n", r.name.c_str(), r.parameters.c_str(),
                cell(r.ensemble).c_str(), r.caf ? cell(*r.caf).c_str() : "-",
                ratio_text(ratio(r.ensemble, r.caf)).c_str(), base.c_str());
    const std::pair<const char*, const Measurement*> all[] = {
        {"ensemble", &r.ensemble}, {"CAF", r.caf ? &*r.caf : nullptr},
        {r.baseline_runtime.c_str(), r.baseline ? &*r.baseline : nullptr}};
    for (auto [who, m] : all) {
      if (m != nullptr && !m->error.empty()) {
        std::printf("    %s FAILED: %s\n", who, m->error.c_str());
        failed = true;
      }
    }
    if (r.ensemble.bytes_per_actor > 0) {
      std::printf("    resident bytes per idle actor: ensemble %.0f", r.ensemble.bytes_per_actor);
      if (r.caf && r.caf->bytes_per_actor > 0) std::printf(", CAF %.0f", r.caf->bytes_per_actor);
      std::printf("\n");
    }
    std::fflush(stdout);
    rows.push_back(std::move(r));
  }

  if (json) {
    json << "[\n";
    std::size_t records = 0, total = 0;
    for (const Row& r : rows) total += 1 + (r.caf ? 1 : 0) + (r.baseline ? 1 : 0);
    for (const Row& r : rows) {
      write_record(json, r, "ensemble", r.ensemble, ++records == total);
      if (r.caf) write_record(json, r, "caf", *r.caf, ++records == total);
      if (r.baseline) write_record(json, r, r.baseline_runtime.c_str(), *r.baseline, ++records == total);
    }
    json << "]\n";
  }
  if (svg) {
    std::vector<ensemble_bench::ChartRow> chart;
    for (const Row& r : rows) {
      ensemble_bench::ChartRow c{r.name, {}};
      if (auto x = ratio(r.ensemble, r.caf)) c.bars.push_back({"CAF", *x});
      if (auto x = ratio(r.ensemble, r.baseline)) c.bars.push_back({r.baseline_runtime, *x});
      if (!c.bars.empty()) chart.push_back(std::move(c));
    }
    svg << ensemble_bench::ratio_chart_svg(chart, std::string("ensemble-bench") + (quick ? " --quick" : "") +
                                                      ", " + std::to_string(workers) + " workers");
  }
  return failed ? 1 : 0;
}
