// Savina's micro-benchmarks written against CAF 0.17, for comparison with
// savina_workloads.cpp: function-based event actors (stateful where they keep
// state), behaviors matching on atoms and values, a scoped_actor on the main
// thread sending the work and waiting for the result. Each run() builds its
// own actor_system with CAF's default work-stealing scheduler and `workers`
// threads; the system's destructor, which waits for every actor to finish, is
// part of the measured time, as the syndicate's shutdown is on the ensemble
// side. Same names, sizes, checks and item counts as savina_workloads().
#include "tools/savina_workloads.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "tools/caf_support.hpp"

namespace ensemble_bench {
namespace {

using savina::Colour;

using done_atom = caf::atom_constant<caf::atom("done")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using meet_atom = caf::atom_constant<caf::atom("meet")>;
using change_atom = caf::atom_constant<caf::atom("change")>;
using fade_atom = caf::atom_constant<caf::atom("fade")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;


// State types declare their constructor: see caf_workloads.cpp (CAF would
// otherwise aggregate-initialize a state from the actor pointer).

// ---- fork-join throughput: the main thread sends every actor in turn; each
// does a little arithmetic per message and, after its last one, reports and
// quits.
struct fj_state {
  fj_state() = default;
  std::int64_t count = 0;
  std::int64_t sum = 0;
  double work = 0.0;
};

caf::behavior fj_worker(caf::stateful_actor<fj_state>* self, std::int64_t expected, caf::actor report_to) {
  return {
      [=](std::int64_t v) {
        auto& st = self->state;
        st.work += savina::fork_join_work(v);
        st.sum += v;
        if (++st.count == expected) {
          self->send(report_to, done_atom::value, st.count, st.sum, st.work);
          self->quit();
        }
      },
  };
}

std::uint64_t fork_join_throughput(int actors, std::int64_t messages, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  {
    caf::scoped_actor self{sys};
    std::vector<caf::actor> fj;
    for (int i = 0; i < actors; ++i) fj.push_back(sys.spawn(fj_worker, messages, caf::actor{self}));
    for (std::int64_t v = 0; v < messages; ++v) {
      for (const auto& a : fj) self->send(a, v);
    }
    for (int i = 0; i < actors; ++i) {
      self->receive([&](done_atom, std::int64_t count, std::int64_t sum, double work) {
        check(count == messages && sum == messages * (messages - 1) / 2 && work > 0.0,
              "fork-join throughput counts");
      });
    }
  }
  return static_cast<std::uint64_t>(actors) * static_cast<std::uint64_t>(messages);
}

// ---- fork-join creation: the main thread spawns an actor and sends it one
// message; the actor does the arithmetic, tells the counter and quits.
struct fj_counter_state {
  fj_counter_state() = default;
  std::int64_t left = 0;
  std::int64_t sum = 0;
};

caf::behavior fj_counter(caf::stateful_actor<fj_counter_state>* self, std::int64_t n, caf::actor report_to) {
  self->state.left = n;
  return {
      [=](std::int64_t v) {
        auto& st = self->state;
        st.sum += v;
        if (--st.left == 0) {
          self->send(report_to, done_atom::value, st.sum);
          self->quit();
        }
      },
  };
}

caf::behavior fj_once(caf::event_based_actor* self, caf::actor counter) {
  return {
      [=](std::int64_t v) {
        if (savina::fork_join_work(v) > 0.0) self->send(counter, v);
        self->quit();
      },
  };
}

std::uint64_t fork_join_creation(std::int64_t n, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    auto counter = sys.spawn(fj_counter, n, caf::actor{self});
    for (std::int64_t i = 0; i < n; ++i) self->send(sys.spawn(fj_once, counter), i);
    self->receive([&](done_atom, std::int64_t sum) { result = sum; });
  }
  check(result == n * (n - 1) / 2, "fork-join creation replies");
  return static_cast<std::uint64_t>(n);
}

// ---- fibonacci: an actor for fib(n) spawns children for n-1 and n-2, adds
// their answers, answers its parent and quits; n <= 1 answers at once and
// terminates (empty behavior).
struct fib_state {
  fib_state() = default;
  std::int64_t sum = 0;
  int pending = 2;
};

caf::behavior fib(caf::stateful_actor<fib_state>* self, caf::actor parent, int n) {
  if (n <= 1) {
    self->send(parent, static_cast<std::int64_t>(n));
    return {};
  }
  self->spawn(fib, caf::actor{self}, n - 1);
  self->spawn(fib, caf::actor{self}, n - 2);
  return {
      [=](std::int64_t part) {
        auto& st = self->state;
        st.sum += part;
        if (--st.pending == 0) {
          self->send(parent, st.sum);
          self->quit();
        }
      },
  };
}

std::uint64_t fibonacci(int n, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    sys.spawn(fib, caf::actor{self}, n);
    self->receive([&](std::int64_t v) { result = v; });
  }
  check(result == savina::fibonacci(n), "fibonacci value");
  return static_cast<std::uint64_t>(savina::fibonacci_actors(n));
}

// ---- chameneos: a mall pairs the chameneos that come to it; the second of a
// pair is forwarded to the first, which takes the complement colour and tells
// the second to change too. After the last meeting the mall tells every
// newcomer to fade; a faded chameneo reports its meetings and quits, and the
// mall quits once all have.
struct chameneo_state {
  chameneo_state() = default;
  Colour colour = Colour::blue;
  std::int64_t meetings = 0;
};

caf::behavior chameneo(caf::stateful_actor<chameneo_state>* self, caf::actor mall, Colour colour) {
  self->state.colour = colour;
  auto go_to_mall = [=] { self->send(mall, meet_atom::value, self->state.colour, caf::actor{self}); };
  go_to_mall();
  return {
      [=](meet_atom, Colour other, const caf::actor& from) {
        auto& st = self->state;
        st.colour = savina::complement(st.colour, other);
        ++st.meetings;
        self->send(from, change_atom::value, st.colour);
        go_to_mall();
      },
      [=](change_atom, Colour c) {
        self->state.colour = c;
        ++self->state.meetings;
        go_to_mall();
      },
      [=](fade_atom) {
        self->state.colour = Colour::faded;
        self->send(mall, count_atom::value, self->state.meetings);
        self->quit();
      },
  };
}

struct mall_state {
  mall_state() = default;
  int chameneos = 0;
  std::int64_t left = 0;
  int faded = 0;
  std::int64_t total = 0;
  caf::actor waiting;
};

caf::behavior mall(caf::stateful_actor<mall_state>* self, int chameneos, std::int64_t meetings,
                   caf::actor report_to) {
  self->state.chameneos = chameneos;
  self->state.left = meetings;
  for (int i = 0; i < chameneos; ++i) self->spawn(chameneo, caf::actor{self}, static_cast<Colour>(i % 3));
  return {
      [=](meet_atom, Colour colour, caf::actor& from) {
        auto& st = self->state;
        if (st.left == 0) {
          self->send(from, fade_atom::value);
        } else if (!st.waiting) {
          st.waiting = std::move(from);
        } else {
          --st.left;
          self->send(st.waiting, meet_atom::value, colour, std::move(from));
          st.waiting = nullptr;
        }
      },
      [=](count_atom, std::int64_t meetings_seen) {
        auto& st = self->state;
        st.total += meetings_seen;
        if (++st.faded == st.chameneos) {
          self->send(report_to, done_atom::value, st.total);
          self->quit();
        }
      },
  };
}

std::uint64_t chameneos(int n, std::int64_t meetings, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    sys.spawn(mall, n, meetings, caf::actor{self});
    self->receive([&](done_atom, std::int64_t total) { result = total; });
  }
  check(result == 2 * meetings, "chameneos meetings");
  return static_cast<std::uint64_t>(meetings);
}

// ---- big: every actor pings a random other actor and, on its pong, the next
// one, until it has sent its pings; it answers every ping with a pong. The
// sink that spawned them stops them (they hold each other alive) and quits
// when all are done.
struct big_state {
  big_state() = default;
  std::vector<caf::actor> peers;
  std::int64_t left = 0;
  std::int64_t pongs = 0;
  std::uint64_t rng = 0;
};

caf::behavior big_actor(caf::stateful_actor<big_state>* self, std::size_t index, std::int64_t pings,
                        caf::actor sink) {
  self->state.left = pings;
  self->state.rng = index;
  auto ping = [=] {
    auto& st = self->state;
    --st.left;
    self->send(st.peers[savina::pick_neighbour(st.rng, index, st.peers.size())], caf::ping_atom::value);
  };
  return {
      [=](caf::ping_atom) { return caf::pong_atom::value; },
      [=](caf::pong_atom) {
        auto& st = self->state;
        ++st.pongs;
        if (st.left == 0) {
          self->send(sink, done_atom::value, st.pongs);
        } else {
          ping();
        }
      },
      [=](peers_atom, std::vector<caf::actor>& peers) {
        self->state.peers = std::move(peers);
        ping();
      },
  };
}

struct big_sink_state {
  big_sink_state() = default;
  std::vector<caf::actor> actors;
  int finished = 0;
  std::int64_t pongs = 0;
};

caf::behavior big_sink(caf::stateful_actor<big_sink_state>* self, int actors, std::int64_t pings,
                       caf::actor report_to) {
  auto& all = self->state.actors;
  for (int i = 0; i < actors; ++i) {
    all.push_back(self->spawn(big_actor, static_cast<std::size_t>(i), pings, caf::actor{self}));
  }
  for (const auto& a : all) self->send(a, peers_atom::value, all);
  return {
      [=](done_atom, std::int64_t pongs) {
        auto& st = self->state;
        st.pongs += pongs;
        if (++st.finished == static_cast<int>(st.actors.size())) {
          for (const auto& a : st.actors) self->send_exit(a, caf::exit_reason::user_shutdown);
          self->send(report_to, done_atom::value, st.pongs);
          self->quit();
        }
      },
  };
}

std::uint64_t big(int actors, std::int64_t pings, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    sys.spawn(big_sink, actors, pings, caf::actor{self});
    self->receive([&](done_atom, std::int64_t pongs) { result = pongs; });
  }
  check(result == static_cast<std::int64_t>(actors) * pings, "big pongs");
  return static_cast<std::uint64_t>(actors) * static_cast<std::uint64_t>(pings);
}

}  // namespace

std::vector<Workload> caf_savina_workloads(bool quick, std::size_t workers) {
  const savina::Sizes s = savina::sizes(quick);
  return savina::named(
      s, [=] { return fork_join_throughput(s.fj_actors, s.fj_messages, workers); },
      [=] { return fork_join_creation(s.fj_created, workers); }, [=] { return fibonacci(s.fib_n, workers); },
      [=] { return chameneos(s.chameneos, s.meetings, workers); },
      [=] { return big(s.big_actors, s.big_pings, workers); });
}

}  // namespace ensemble_bench
