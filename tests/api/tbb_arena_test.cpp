// Execution::tbb_arena (ensemble/tbb.hpp): actors run their activations as
// tasks of the caller's oneTBB arena, so a handler's tbb::parallel_for shares
// the arena's threads; the semantics are a pool actor's.
#include <doctest/doctest.h>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <ensemble/ensemble.hpp>
#include <ensemble/tbb.hpp>

using namespace std::chrono_literals;
using ensemble::ActorSpec;
using ensemble::Execution;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;

namespace {

// Replies with the concurrency of the arena its handler runs in (-1 outside
// any), and with a sum computed by parallel_reduce, whose bodies report the
// largest arena concurrency they saw.
struct ArenaProbe : ensemble::Actor {
  std::string process(Message& m) {
    if (m.is<std::string>()) {
      return std::to_string(tbb::this_task_arena::current_thread_index() == tbb::task_arena::not_initialized
                                ? -1
                                : tbb::this_task_arena::max_concurrency());
    }
    const std::int64_t n = m.get<std::int64_t>();
    const std::int64_t sum = tbb::parallel_reduce(
        tbb::blocked_range<std::int64_t>(0, n, 64), std::int64_t{0},
        [](const tbb::blocked_range<std::int64_t>& r, std::int64_t acc) {
          for (std::int64_t i = r.begin(); i != r.end(); ++i) acc += i;
          return acc;
        },
        [](std::int64_t a, std::int64_t b) { return a + b; });
    return std::to_string(sum);
  }
};

// Checks the order of one sender's numbers.
struct InOrder : ensemble::Actor {
  int next = 0;
  int wrong = 0;
  int process(Message& m) {
    if (m.is<std::string>()) return wrong;
    if (m.get<int>() != next) ++wrong;
    next = m.get<int>() + 1;
    return -1;
  }
};

ActorSpec arena_spec_probe() {
  auto spec = ActorSpec::of<ArenaProbe>();
  spec.execution = Execution::tbb_arena;
  return spec;
}

}  // namespace

TEST_CASE("a tbb_arena actor's handlers, and the parallel_for they call, run on the attached arena") {
  tbb::task_arena arena(3);  // a concurrency the default arena of this 2-core machine cannot have
  Syndicate syn("tbb-arena");
  ensemble::attach_tbb_arena(syn, arena);
  auto ep = syn.endpoint();
  const auto probe = syn.create_actor_from_spec(arena_spec_probe());
  CHECK(ep.ask(probe, Payload(std::string("where")), 10s).get<std::string>() == "3");
  CHECK(ep.ask(probe, Payload(std::int64_t{100000}), 10s).get<std::string>() == std::to_string(100000LL * 99999 / 2));
  // A pool actor is not on the arena.
  const auto pool_probe = syn.create_actor<ArenaProbe>();
  CHECK(ep.ask(pool_probe, Payload(std::string("where")), 10s).get<std::string>() == "-1");
  // Attaching the same arena again is harmless; another arena is refused.
  ensemble::attach_tbb_arena(syn, arena);
  tbb::task_arena other(2);
  CHECK_THROWS_AS(ensemble::attach_tbb_arena(syn, other), ensemble::SyndicateError);
}

TEST_CASE("per-sender FIFO and shutdown on the arena executor") {
  tbb::task_arena arena(2);
  Syndicate syn("tbb-arena-fifo");
  ensemble::attach_tbb_arena(syn, arena);
  auto spec = ActorSpec::of<InOrder>();
  spec.execution = Execution::tbb_arena;
  const auto checker = syn.create_actor_from_spec(spec);
  for (int i = 0; i < 20000; ++i) REQUIRE(syn.tell(checker, Payload(i)).success);
  auto ep = syn.endpoint();
  CHECK(ep.ask(checker, Payload(std::string("wrong?")), 10s).get<int>() == 0);
  syn.shutdown();  // waits for the arena tasks it enqueued
  CHECK_FALSE(syn.tell(checker, Payload(1)).success);
}

TEST_CASE("Execution::tbb_arena without an attached arena is refused at creation") {
  Syndicate syn("tbb-arena-none");
  CHECK_THROWS_WITH_AS(syn.create_actor_from_spec(arena_spec_probe()), doctest::Contains("no tbb::task_arena"),
                       ensemble::InvalidActorSpecError);
}
