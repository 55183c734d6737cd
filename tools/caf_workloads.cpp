// The throughput workloads written idiomatically against CAF 0.17: function-
// based event actors (stateful where they keep state), behaviors matching on
// atoms and values, request/then for the ask chain, response promises for
// deferred replies, and a scoped_actor on the main thread waiting for the
// result. Each run() builds its own actor_system with CAF's default
// work-stealing scheduler and `workers` threads; the system's destructor, which
// waits for every actor to finish, is part of the measured time, as the
// syndicate's shutdown is on the ensemble side.
#include "tools/caf_workloads.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include <caf/all.hpp>

#include "tools/caf_ping_pong.hpp"
#include "tools/caf_support.hpp"

namespace ensemble_bench {
namespace {

using done_atom = caf::atom_constant<caf::atom("done")>;
using next_atom = caf::atom_constant<caf::atom("next")>;


// Options: caf::no_spawn_options (the scheduler's workers) or caf::detached
// (a thread per actor: CAF's counterpart of ensemble's thread executor).
template <caf::spawn_options Options = caf::no_spawn_options>
std::uint64_t ping_pong(std::int64_t rounds, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  caf::error failure;
  {
    caf::scoped_actor self{sys};
    auto pinger = sys.spawn<Options>(ping, rounds);
    self->request(pinger, caf::infinite, run_atom::value, sys.spawn<Options>(pong))
        .receive([&](std::int64_t v) { result = v; }, [&](caf::error& err) { failure = std::move(err); });
  }
  if (failure) throw std::runtime_error("ping-pong failed: " + sys.render(failure));
  check(result == rounds, "ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

// ---- thread ring: a token passed around a ring of actors
struct ring_state {
  ring_state() = default;
  caf::actor next;
};

caf::behavior ring_node(caf::stateful_actor<ring_state>* self, caf::actor report_to) {
  return {
      [=](next_atom, caf::actor next) { self->state.next = std::move(next); },
      [=](std::int64_t hops) {
        if (hops == 0)
          self->send(report_to, done_atom::value);
        else
          self->send(self->state.next, hops - 1);
      },
  };
}

std::uint64_t thread_ring(int actors, std::int64_t hops, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  bool done = false;
  {
    caf::scoped_actor self{sys};
    std::vector<caf::actor> ring;
    ring.reserve(static_cast<std::size_t>(actors));
    for (int i = 0; i < actors; ++i) ring.push_back(sys.spawn(ring_node, caf::actor{self}));
    for (std::size_t i = 0; i < ring.size(); ++i) self->send(ring[i], next_atom::value, ring[(i + 1) % ring.size()]);
    self->send(ring.front(), hops);
    self->receive([&](done_atom) { done = true; });
    // The ring holds itself alive (each node references the next): stop it.
    for (auto& node : ring) self->send_exit(node, caf::exit_reason::user_shutdown);
  }
  check(done, "thread ring token");
  return static_cast<std::uint64_t>(hops) + 1;
}

// ---- counting: one producer thread per worker telling one counting actor
struct counter_state {
  counter_state() = default;
  std::int64_t expected = 0;
  std::int64_t sum = 0;
};

caf::behavior counter(caf::stateful_actor<counter_state>* self, std::int64_t expected, caf::actor report_to) {
  self->state.expected = expected;
  return {
      [=](std::int64_t x) {
        auto& st = self->state;
        st.sum += x;
        if (--st.expected == 0) {
          self->send(report_to, done_atom::value, st.sum);
          self->quit();
        }
      },
  };
}

std::uint64_t counting(std::int64_t per_producer, std::size_t producers, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  const auto total = per_producer * static_cast<std::int64_t>(producers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    auto target = sys.spawn(counter, total, caf::actor{self});
    std::vector<std::thread> threads;
    for (std::size_t p = 0; p < producers; ++p) {
      threads.emplace_back([&] {
        for (std::int64_t i = 0; i < per_producer; ++i) caf::anon_send(target, std::int64_t{1});
      });
    }
    for (auto& t : threads) t.join();
    self->receive([&](done_atom, std::int64_t sum) { result = sum; });
  }
  check(result == total, "counting sum");
  return static_cast<std::uint64_t>(total);
}

// ---- counting (Savina): a producer actor sends a counter n increments, then
// requests the total
struct count_state {
  count_state() = default;
  std::int64_t sum = 0;
};

caf::behavior count_target(caf::stateful_actor<count_state>* self) {
  return {
      [=](std::int64_t x) { self->state.sum += x; },
      [=](caf::get_atom) { return self->state.sum; },
  };
}

caf::behavior count_producer(caf::event_based_actor* self, caf::actor target, std::int64_t n, caf::actor report_to) {
  return {
      [=](run_atom) {
        for (std::int64_t i = 0; i < n; ++i) self->send(target, std::int64_t{1});
        self->request(target, caf::infinite, caf::get_atom::value).then([=](std::int64_t total) {
          self->send(report_to, done_atom::value, total);
          self->send_exit(target, caf::exit_reason::normal);
          self->quit();
        });
      },
  };
}

std::uint64_t savina_counting(std::int64_t n, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    auto target = sys.spawn(count_target);
    auto producer = sys.spawn(count_producer, target, n, caf::actor{self});
    self->send(producer, run_atom::value);
    self->receive([&](done_atom, std::int64_t total) { result = total; });
  }
  check(result == n, "counting total");
  return static_cast<std::uint64_t>(n) + 1;
}

// ---- ask: an actor requests an echo actor in sequence, each request issued
// from the previous one's response handler
caf::behavior echo(caf::event_based_actor*) {
  return {
      [](std::int64_t x) { return x; },
  };
}

struct asker_state {
  asker_state() = default;
  caf::actor echo;
  std::int64_t n = 0;
  std::int64_t next = 0;
  std::int64_t sum = 0;
  caf::typed_response_promise<std::int64_t> done;
};

void ask_next(caf::stateful_actor<asker_state>* self) {
  auto& st = self->state;
  if (st.next == st.n) {
    st.done.deliver(st.sum);
    self->quit();
    return;
  }
  self->request(st.echo, caf::infinite, st.next++).then([=](std::int64_t v) {
    self->state.sum += v;
    ask_next(self);
  });
}

caf::behavior asker(caf::stateful_actor<asker_state>* self, caf::actor buddy) {
  self->state.echo = std::move(buddy);
  return {
      [=](run_atom, std::int64_t n) -> caf::result<std::int64_t> {
        self->state.n = n;
        self->state.done = self->make_response_promise<std::int64_t>();
        ask_next(self);
        return self->state.done;
      },
  };
}

std::uint64_t ask_loop(std::int64_t n, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  caf::error failure;
  {
    caf::scoped_actor self{sys};
    auto a = sys.spawn(asker, sys.spawn(echo));
    self->request(a, caf::infinite, run_atom::value, n)
        .receive([&](std::int64_t sum) { result = sum; }, [&](caf::error& err) { failure = std::move(err); });
  }
  if (failure) throw std::runtime_error("ask failed: " + sys.render(failure));
  check(result == n * (n - 1) / 2, "ask sum");
  return static_cast<std::uint64_t>(n);
}

// ---- skynet: a 10-ary tree of actors down to `leaves` leaves, summing up.
// A leaf reports its index and terminates (empty behavior); an inner node
// spawns its ten children, adds up their reports, reports and quits.
struct skynet_state {
  skynet_state() = default;
  std::int64_t sum = 0;
  int pending = 10;
};

caf::behavior skynet(caf::stateful_actor<skynet_state>* self, caf::actor parent, std::int64_t first,
                     std::int64_t size) {
  if (size == 1) {
    self->send(parent, first);
    return {};
  }
  const std::int64_t step = size / 10;
  for (int i = 0; i < 10; ++i) self->spawn(skynet, caf::actor{self}, first + i * step, step);
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

std::uint64_t skynet_tree(std::int64_t leaves, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::int64_t result = -1;
  {
    caf::scoped_actor self{sys};
    sys.spawn(skynet, caf::actor{self}, std::int64_t{0}, leaves);
    self->receive([&](std::int64_t sum) { result = sum; });
  }
  check(result == leaves * (leaves - 1) / 2, "skynet sum");
  std::int64_t actors = 0;
  for (std::int64_t level = leaves; level >= 1; level /= 10) actors += leaves / level;
  return static_cast<std::uint64_t>(actors);
}

// ---- creation: idle actors spawned from the main thread
caf::behavior idle(caf::event_based_actor*) {
  return {
      [](std::int64_t) {},
  };
}

std::uint64_t create_idle(std::int64_t n, std::size_t workers) {
  system_config cfg{workers};
  caf::actor_system sys{cfg};
  check_workers(sys, workers);
  std::vector<caf::actor> actors;
  actors.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) actors.push_back(sys.spawn(idle));
  check(sys.registry().running() == static_cast<std::size_t>(n), "actor count");
  actors.clear();  // the last handles going away lets CAF collect the actors
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::vector<Workload> caf_workloads(bool quick, std::size_t workers) {
  const core::Sizes s = core::sizes(quick);
  return core::named(s, workers,
                     {[=] { return ping_pong(s.ping_pong, 1); }, [=] { return ping_pong(s.ping_pong, workers); },
                      [=] { return thread_ring(s.ring_actors, s.ring_hops, workers); },
                      [=] { return savina_counting(s.counting, workers); },
                      [=] { return counting(s.n_to_1_each, workers, workers); },
                      [=] { return ask_loop(s.asks, workers); }, [=] { return skynet_tree(s.skynet_leaves, workers); },
                      [=] { return create_idle(s.idle_actors, workers); },
                      [=] { return ping_pong<caf::detached>(s.thread_ping_pong, workers); }});
}

}  // namespace ensemble_bench
