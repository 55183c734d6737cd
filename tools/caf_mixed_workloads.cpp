// The mixed case and idle-actor workloads written idiomatically against CAF
// 0.17, after actor-framework/benchmarks' mixed_case: function-based event
// actors (stateful where they keep state) spawned linked to their ring
// master, atoms tagging the messages, a supervisor actor collecting the
// results and a scoped_actor on the main thread waiting for its summary. Each
// run() builds its own actor_system with CAF's default work-stealing
// scheduler and `workers` threads; the system's destructor, which waits for
// every actor to finish, is part of the measured time.
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "tools/caf_support.hpp"
#include "tools/mixed_workloads.hpp"

namespace ensemble_bench {
namespace {

using calc_atom = caf::atom_constant<caf::atom("calc")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using master_done_atom = caf::atom_constant<caf::atom("masterdone")>;

// ---- mixed case
using factors = std::vector<std::uint64_t>;

// A ring member: forwards the token; after forwarding the last one (0) quits.
caf::behavior chain_link(caf::event_based_actor* self, caf::actor next) {
  return {
      [=](std::int64_t v) {
        self->send(next, v);
        if (v == 0) self->quit();
      },
  };
}

caf::behavior factor_worker(caf::event_based_actor* self, caf::actor collector) {
  return {
      [=](calc_atom, std::uint64_t n) { self->send(collector, mixed_detail::factorize(n)); },
      [=](done_atom) { self->quit(); },
  };
}

// CAF constructs an actor's state as `State(self)` whenever that compiles, so
// every state type declares its constructor (see caf_workloads.cpp).
struct master_state {
  master_state() = default;
  caf::actor worker;
  caf::actor next;
  int rounds_done = 0;
};

// Builds a ring of linked actors per round and decrements the token once per
// lap; each round also gives the worker one factorization.
caf::behavior chain_master(caf::stateful_actor<master_state>* self, caf::actor collector,
                           mixed_detail::Sizes s) {
  auto new_ring = [=] {
    auto& st = self->state;
    self->send(st.worker, calc_atom::value, mixed_detail::task_n);
    st.next = caf::actor{self};
    for (int i = 1; i < s.ring_size; ++i) st.next = self->spawn<caf::linked>(chain_link, st.next);
    self->send(st.next, s.token);
  };
  self->state.worker = self->spawn<caf::linked>(factor_worker, collector);
  new_ring();
  return {
      [=](std::int64_t v) {
        auto& st = self->state;
        if (v > 0) {
          self->send(st.next, v - 1);
        } else if (++st.rounds_done < s.rounds) {
          new_ring();
        } else {
          self->send(st.worker, done_atom::value);
          self->send(collector, master_done_atom::value, st.rounds_done);
          self->quit();
        }
      },
  };
}

struct supervisor_state {
  supervisor_state() = default;
  int factorizations_left = 0;
  int masters_left = 0;
  int factorizations = 0;
  int wrong_factors = 0;
  int masters = 0;
  int rounds = 0;
};

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, int factorizations, int masters,
                         caf::actor report_to) {
  self->state.factorizations_left = factorizations;
  self->state.masters_left = masters;
  auto maybe_done = [=] {
    auto& st = self->state;
    if (st.factorizations_left == 0 && st.masters_left == 0) {
      self->send(report_to, done_atom::value, st.factorizations, st.wrong_factors, st.masters, st.rounds);
      self->quit();
    }
  };
  return {
      [=](const factors& f) {
        auto& st = self->state;
        ++st.factorizations;
        if (f != factors{mixed_detail::factor1, mixed_detail::factor2}) ++st.wrong_factors;
        --st.factorizations_left;
        maybe_done();
      },
      [=](master_done_atom, int rounds) {
        auto& st = self->state;
        ++st.masters;
        st.rounds += rounds;
        --st.masters_left;
        maybe_done();
      },
  };
}

std::uint64_t mixed_case(const mixed_detail::Sizes& s, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  int factorizations = -1, wrong = -1, masters = -1, rounds = -1;
  {
    caf::scoped_actor self{sys};
    auto collector = sys.spawn(supervisor, s.rings * s.rounds, s.rings, caf::actor{self});
    for (int i = 0; i < s.rings; ++i) sys.spawn(chain_master, collector, s);
    self->receive([&](done_atom, int f, int w, int m, int r) {
      factorizations = f;
      wrong = w;
      masters = m;
      rounds = r;
    });
  }
  check(factorizations == s.rings * s.rounds && wrong == 0, "mixed case factors");
  check(masters == s.rings && rounds == s.rings * s.rounds, "mixed case rounds");
  return mixed_detail::mixed_hops(s);
}

// ---- idle actors: resident memory per actor
std::uint64_t idle_actors(std::int64_t n, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::vector<caf::actor> actors;
  actors.reserve(static_cast<std::size_t>(n));  // not resident until filled
  malloc_trim(0);  // as on the ensemble side: earlier repetitions' memory goes back first
  const auto before = mixed_detail::resident_bytes();
  for (std::int64_t i = 0; i < n; ++i)
    actors.push_back(sys.spawn([](caf::event_based_actor*) -> caf::behavior { return {[](int) {}}; }));
  // spawn() hands each actor to the scheduler, which runs its initialization
  // (the function above, making its behavior) on a worker: wait for all of
  // them, so that the memory they allocate there is counted.
  for (const auto& a : actors) {
    auto* p = caf::actor_cast<caf::abstract_actor*>(a);
    while (!p->getf(caf::abstract_actor::is_initialized_flag)) std::this_thread::yield();
  }
  const auto after = mixed_detail::resident_bytes();
  check(sys.registry().running() == static_cast<std::size_t>(n), "actor count");
  const double per_actor = (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n) -
                           static_cast<double>(sizeof(caf::actor));
  check(per_actor > 0.0, "resident memory per actor");
  mixed_detail::set_last_bytes_per_actor(per_actor);
  actors.clear();  // the last handles going away lets CAF collect the actors
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::vector<Workload> caf_mixed_workloads(bool quick, std::size_t workers) {
  const auto s = mixed_detail::sizes(quick);
  return {
      {"mixed case", mixed_detail::mixed_parameters(s), "msg", [=] { return mixed_case(s, workers); }},
      {"idle actors", "actors=" + std::to_string(s.idle), "actor", [=] { return idle_actors(s.idle, workers); }},
  };
}

}  // namespace ensemble_bench
