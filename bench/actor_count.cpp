// Driver for instruction counts of the actor paths that are not a plain tell
// (tools/count-actor-instructions):
//   actor-count ask N      an actor asks another N times from a Task handler
//   actor-count create N   an actor creates N idle children
// One worker; callgrind runs it with N and 2N and divides the difference, so
// start-up and shutdown cancel out (the children's teardown at shutdown does
// not: "create" counts creating and stopping an actor).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>

#include <ensemble/ensemble.hpp>

#include "bench/bench_actors.hpp"

namespace {
using ensemble::ActorAddress;
using ensemble::Message;

using ensemble_bench::Asker;
using ensemble_bench::Echo;
using ensemble_bench::Idle;

struct Creator : ensemble::Actor {
  std::promise<std::int64_t> done;
  void process(Message& m) {
    const auto n = m.get<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) create_actor<Idle>();
    done.set_value(n * (n - 1) / 2);
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "ask") != 0 && std::strcmp(argv[1], "create") != 0)) {
    std::fprintf(stderr, "usage: actor-count ask|create N\n");
    return 2;
  }
  const std::int64_t n = std::atoll(argv[2]);
  ensemble::Syndicate syn("actor-count", {.workers = 1});
  std::future<std::int64_t> result;
  ActorAddress driver;
  if (std::strcmp(argv[1], "ask") == 0) {
    auto owner = std::make_unique<Asker>();
    owner->echo = syn.create_actor<Echo>();
    result = owner->done.get_future();
    driver = syn.start_actor(std::move(owner));
  } else {
    auto owner = std::make_unique<Creator>();
    result = owner->done.get_future();
    driver = syn.start_actor(std::move(owner));
  }
  syn.tell(driver, n);
  if (result.get() != n * (n - 1) / 2) {
    std::fprintf(stderr, "wrong result\n");
    return 1;
  }
  return 0;
}
