// The ask loop that tools/ensemble-bench times ("ask round trip") and
// bench/actor-count counts instructions of, written once: an actor asks an
// echo actor n times from a Task handler and reports the sum of the replies.
#pragma once

#include <cstdint>
#include <future>

#include <ensemble/ensemble.hpp>

namespace ask_workload {

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

}  // namespace ask_workload
