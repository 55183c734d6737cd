// The mixed case and idle-actor workloads on ensemble: Actor subclasses with
// process(), children made with create_actor, a collector actor completing a
// promise the main thread waits on. Each run() builds its own syndicate; its
// shutdown (the destructor) is part of the measured time, as the actor
// system's is on the CAF side.
#include "tools/mixed_workloads.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <ensemble/ensemble.hpp>

#include "bench/bench_actors.hpp"

namespace ensemble_bench {

namespace {
double bytes_per_actor = 0.0;
}  // namespace

double last_bytes_per_actor() { return bytes_per_actor; }

namespace mixed_detail {

void set_last_bytes_per_actor(double bytes) { bytes_per_actor = bytes; }

std::uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) throw std::runtime_error("cannot open /proc/self/statm");
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (got != 2) throw std::runtime_error("cannot read /proc/self/statm");
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

Sizes sizes(bool quick) {
  // Full: CAF's published `mixed_case 100 100 1000 4` with 10 rings instead
  // of 100. Each ring does the same work as there (1001 laps of 100 actors and
  // one factorization per round), but a factorization costs ~0.36 s, so 100
  // rings would take ~80 s on two cores; 10 take ~8 s. Quick: a smoke run.
  if (quick) return {.rings = 4, .ring_size = 20, .token = 200, .rounds = 2, .idle = 100'000};
  return {.rings = 10, .ring_size = 100, .token = 1000, .rounds = 4, .idle = 1'000'000};
}

std::string mixed_parameters(const Sizes& s) {
  return "rings=" + std::to_string(s.rings) + " actors=" + std::to_string(s.ring_size) +
         " token=" + std::to_string(s.token) + " repetitions=" + std::to_string(s.rounds);
}

std::uint64_t mixed_hops(const Sizes& s) {
  return static_cast<std::uint64_t>(s.rings) * static_cast<std::uint64_t>(s.rounds) *
         static_cast<std::uint64_t>(s.token + 1) * static_cast<std::uint64_t>(s.ring_size);
}

std::vector<std::uint64_t> factorize(std::uint64_t n) {
  std::vector<std::uint64_t> result;
  if (n <= 3) {
    result.push_back(n);
    return result;
  }
  std::uint64_t d = 2;
  while (d < n) {
    if (n % d == 0) {
      result.push_back(d);
      n /= d;
    } else {
      d = (d == 2) ? 3 : d + 2;
    }
  }
  result.push_back(d);
  return result;
}

}  // namespace mixed_detail

namespace {

using ensemble::ActorAddress;
using ensemble::ChildActorExited;
using ensemble::Message;
using ensemble::Syndicate;

// ---- mixed case
struct Start {};
struct Calc {
  std::uint64_t n;
};
struct WorkerDone {};
struct MasterDone {
  int rounds;
};
struct MixedSummary {
  int factorizations = 0;
  int wrong_factors = 0;
  int masters = 0;
  int rounds = 0;
};

// A ring member: forwards the token; after forwarding the last one (0) stops.
struct ChainLink : ensemble::Actor {
  ActorAddress next;
  explicit ChainLink(ActorAddress n) : next(std::move(n)) {}
  void process(Message& m) {
    const auto v = m.get<std::int64_t>();
    tell(v, next);
    if (v == 0) stop();
  }
};

// Factorizes what it is told to and reports the factors to the collector.
struct FactorWorker : ensemble::Actor {
  ActorAddress collector;
  explicit FactorWorker(ActorAddress c) : collector(std::move(c)) {}
  void process(Message& m) {
    if (auto* calc = m.get_if<Calc>()) {
      tell(mixed_detail::factorize(calc->n), collector);
      return;
    }
    if (m.is<WorkerDone>()) stop();
  }
};

// Builds a ring of children per round and decrements the token once per lap;
// each round also gives its worker one factorization. After the last round it
// tells the worker to finish and stops once the worker has.
struct ChainMaster : ensemble::Actor {
  ActorAddress collector;
  mixed_detail::Sizes sizes;
  ActorAddress worker;
  ActorAddress next;
  int rounds_done = 0;
  ChainMaster(ActorAddress c, mixed_detail::Sizes s) : collector(std::move(c)), sizes(s) {}

  void new_ring() {
    tell(Calc{mixed_detail::task_n}, worker);
    next = address();
    for (int i = 1; i < sizes.ring_size; ++i) next = create_actor<ChainLink>(next);
    tell(sizes.token, next);
  }

  void process(Message& m) {
    if (auto* v = m.get_if<std::int64_t>()) {
      if (*v > 0) {
        tell(*v - 1, next);
      } else if (++rounds_done < sizes.rounds) {
        new_ring();
      } else {
        tell(WorkerDone{}, worker);
        tell(MasterDone{rounds_done}, collector);
      }
      return;
    }
    if (m.is<Start>()) {
      worker = create_actor<FactorWorker>(collector);
      new_ring();
      return;
    }
    // The ring's links exit too; only the worker's exit ends the master.
    if (auto* exited = m.get_if<ChildActorExited>(); exited != nullptr && exited->child == worker) stop();
  }
};

struct MixedCollector : ensemble::Actor {
  int factorizations_left;
  int masters_left;
  MixedSummary seen;
  std::promise<MixedSummary> done;
  MixedCollector(int factorizations, int masters) : factorizations_left(factorizations), masters_left(masters) {}
  void process(Message& m) {
    if (auto* f = m.get_if<std::vector<std::uint64_t>>()) {
      ++seen.factorizations;
      if (*f != std::vector<std::uint64_t>{mixed_detail::factor1, mixed_detail::factor2}) ++seen.wrong_factors;
      --factorizations_left;
    } else {
      ++seen.masters;
      seen.rounds += m.get<MasterDone>().rounds;
      --masters_left;
    }
    if (factorizations_left == 0 && masters_left == 0) done.set_value(seen);
  }
};

std::uint64_t mixed_case(const mixed_detail::Sizes& s, std::size_t workers) {
  Syndicate syn("mixed-case", {.workers = workers});
  auto owner = std::make_unique<MixedCollector>(s.rings * s.rounds, s.rings);
  auto result = owner->done.get_future();
  auto collector = syn.start_actor(std::move(owner));
  for (int i = 0; i < s.rings; ++i) syn.tell(syn.create_actor<ChainMaster>(collector, s), Start{});
  const auto summary = result.get();
  check(summary.factorizations == s.rings * s.rounds && summary.wrong_factors == 0, "mixed case factors");
  check(summary.masters == s.rings && summary.rounds == s.rings * s.rounds, "mixed case rounds");
  return mixed_detail::mixed_hops(s);
}

// ---- idle actors: resident memory per actor (Idle: bench/bench_actors.hpp)
std::uint64_t idle_actors(std::int64_t n, std::size_t workers) {
  Syndicate syn("idle", {.workers = workers});
  std::vector<ActorAddress> actors;
  actors.reserve(static_cast<std::size_t>(n));  // not resident until filled
  // An earlier repetition's actors were freed into malloc's lists, where this
  // one would find them without growing the resident set: hand them back to
  // the system first, so that the difference measures these actors.
  malloc_trim(0);
  const auto before = mixed_detail::resident_bytes();
  for (std::int64_t i = 0; i < n; ++i) actors.push_back(syn.create_actor<Idle>());
  const auto after = mixed_detail::resident_bytes();
  check(syn.status().actor_count == static_cast<std::size_t>(n), "actor count");
  const double per_actor = (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n) -
                           static_cast<double>(sizeof(ActorAddress));
  check(per_actor > 0.0, "resident memory per actor");
  mixed_detail::set_last_bytes_per_actor(per_actor);
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::vector<Workload> mixed_workloads(bool quick, std::size_t workers) {
  const auto s = mixed_detail::sizes(quick);
  return {
      {"mixed case", mixed_detail::mixed_parameters(s), "msg", [=] { return mixed_case(s, workers); }},
      {"idle actors", "actors=" + std::to_string(s.idle), "actor", [=] { return idle_actors(s.idle, workers); }},
  };
}

}  // namespace ensemble_bench
