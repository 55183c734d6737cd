// A fixed amount of work for instruction counting: `rounds` ping-pong round
// trips between two actors on one worker. tools/count-instructions runs it
// under callgrind with N and 2N rounds; the difference divided by the extra
// messages is the cost of one local tell, start-up and teardown cancelled out.
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>

#include <ensemble/ensemble.hpp>

#include "bench/bench_actors.hpp"

using ensemble_bench::Ping;
using ensemble_bench::Pong;

int main(int argc, char** argv) {
  const std::int64_t rounds = argc > 1 ? std::atoll(argv[1]) : 100000;
  std::promise<void> done;  // declared first: it outlives the worker that sets it
  ensemble::Syndicate syn("count", {.workers = 1});
  auto owner = std::make_unique<Ping>();
  Ping* ping = owner.get();
  ping->left = rounds;
  ping->done = &done;
  auto ping_addr = syn.start_actor(std::move(owner));
  auto pong_addr = syn.create_actor<Pong>();
  auto finished = done.get_future();
  syn.tell(ping_addr, pong_addr);
  finished.wait();
  return 0;
}
