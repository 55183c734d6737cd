// A fixed amount of work for instruction counting: `rounds` ping-pong round
// trips between two actors on one worker. tools/count-instructions runs it
// under callgrind with N and 2N rounds; the difference divided by the extra
// messages is the cost of one local tell, start-up and teardown cancelled out.
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>

#include <ensemble/ensemble.hpp>

namespace {
struct Pong : ensemble::Actor {
  void process(ensemble::Message& m) { tell(m.get<std::int64_t>(), m.sender()); }
};
struct Ping : ensemble::Actor {
  ensemble::ActorAddress pong;
  std::int64_t left = 0;
  std::promise<void> done;
  void process(ensemble::Message& m) {
    if (auto* start = m.get_if<ensemble::ActorAddress>()) {
      pong = *start;
      tell(std::int64_t{0}, pong);
      return;
    }
    if (--left == 0) {
      done.set_value();
      return;
    }
    tell(m.get<std::int64_t>() + 1, pong);
  }
};
}  // namespace

int main(int argc, char** argv) {
  const std::int64_t rounds = argc > 1 ? std::atoll(argv[1]) : 100000;
  ensemble::Syndicate syn("count", {.workers = 1});
  auto owner = std::make_unique<Ping>();
  Ping* ping = owner.get();
  ping->left = rounds;
  auto ping_addr = syn.start_actor(std::move(owner));
  auto pong_addr = syn.create_actor<Pong>();
  auto finished = ping->done.get_future();
  syn.tell(ping_addr, pong_addr);
  finished.wait();
  return 0;
}
