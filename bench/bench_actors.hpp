// The actors that several benchmarks share, written once: bench/actor-bench,
// bench/tell-count, bench/actor-count and tools/ensemble-bench (tools/ includes
// bench/ headers). Their handlers are the measured hot loops, and the
// instruction counts of tell-count and actor-count are tracked to 2%
// (tools/count-instructions, tools/count-actor-instructions): a change to a
// handler here moves every figure that uses it.
//
// Only actors that are really the same in every user are here. Kept beside
// their workloads, because their handlers differ: bench/actor_bench.cpp's
// Counter (counts messages, ignores the payload) and Asker (checks each reply,
// re-armed per iteration); tools/bench_workloads.cpp's CheckedPing (hands the
// last count back to be checked) and Counter (sums the payloads).
#pragma once

#include <cstdint>
#include <future>

#include <ensemble/ensemble.hpp>

namespace ensemble_bench {
// Internal linkage on purpose (each benchmark gets its own copy, as when the
// actors were defined in each file's unnamed namespace): with external linkage
// g++ no longer inlines process() into the dispatcher, which costs two
// instructions per tell in tell-count (339 -> 341 per message).
namespace {

// ---- ping-pong: two actors bounce a counter
// With one worker they are co-located, so each message is a local tell.
struct Pong : ensemble::Actor {
  void process(ensemble::Message& m) { tell(m.get<std::int64_t>(), m.sender()); }
};
// Told Pong's address, bounces the counter until `left` round trips are done,
// then sets *done. Set `left` and `done` before the start message (a benchmark
// re-arms them per iteration; `done` must outlive the worker that sets it).
struct Ping : ensemble::Actor {
  ensemble::ActorAddress pong;
  std::int64_t left = 0;
  std::promise<void>* done = nullptr;
  void process(ensemble::Message& m) {
    if (auto* start = m.get_if<ensemble::ActorAddress>()) {
      pong = *start;
      tell(std::int64_t{0}, pong);
      return;
    }
    if (--left == 0) {
      done->set_value();
      return;
    }
    tell(m.get<std::int64_t>() + 1, pong);
  }
};

// ---- creation: an actor that does nothing with what it is told
struct Idle : ensemble::Actor {
  void process(ensemble::Message&) {}
};

// ---- ask: the ask loop that tools/ensemble-bench times ("ask round trip")
// and bench/actor-count counts instructions of: an actor asks an echo actor n
// times from a Task handler and reports the sum of the replies.
struct Echo : ensemble::Actor {
  std::int64_t process(ensemble::Message& m) { return m.get<std::int64_t>(); }
};

// Told n (an int64), asks `echo` for 0 .. n-1 and sets `done` to their sum.
struct Asker : ensemble::Actor {
  ensemble::ActorAddress echo;
  std::promise<std::int64_t> done;
  ensemble::Task<> process(ensemble::Message& m) {
    const auto n = m.get<std::int64_t>();
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += (co_await ask(i, echo)).get<std::int64_t>();
    done.set_value(sum);
  }
};

}  // namespace
}  // namespace ensemble_bench
