// The remote workloads on ensemble (remote_workloads.hpp): two syndicates in
// this process with the native transport on 127.0.0.1.
#include "tools/remote_workloads.hpp"

#include <future>
#include <memory>
#include <string>
#include <thread>

#include <ensemble/ensemble.hpp>

namespace ensemble_bench {
namespace {

using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;

ensemble::SyndicateConfig remote_config(std::size_t workers) {
  ensemble::SyndicateConfig c;
  c.workers = workers;
  c.remote.enabled = true;
  c.remote.secret = "ensemble-bench";
  return c;
}

struct Pong : ensemble::Actor {
  Payload process(Message& m) { return Payload(m.get<std::int64_t>()); }
};

struct Ping : ensemble::Actor {
  std::int64_t rounds;
  std::shared_ptr<std::promise<std::int64_t>> done;
  ActorAddress pong;
  Ping(std::int64_t r, std::shared_ptr<std::promise<std::int64_t>> d) : rounds(r), done(std::move(d)) {}
  void process(Message& m) {
    if (auto* a = m.get_if<ActorAddress>()) {
      pong = *a;
      tell(Payload(std::int64_t{0}), pong);
      return;
    }
    const std::int64_t v = m.get<std::int64_t>() + 1;
    if (v == rounds) {
      done->set_value(v);
      return;
    }
    tell(Payload(v), pong);
  }
};

struct Count : ensemble::Actor {
  std::int64_t expected;
  std::int64_t next = 0;
  bool in_order = true;
  std::shared_ptr<std::promise<bool>> done;
  Count(std::int64_t n, std::shared_ptr<std::promise<bool>> d) : expected(n), done(std::move(d)) {}
  void process(Message& m) {
    const std::int64_t v = m.get<std::int64_t>();
    in_order = in_order && v == next;
    if (++next == expected) done->set_value(in_order);
  }
};

// Tells `n` ints to `to`; a full send queue (the transport's bound) waits.
struct Teller : ensemble::Actor {
  std::int64_t n;
  explicit Teller(std::int64_t count) : n(count) {}
  void process(Message& m) {
    const ActorAddress to = m.get<ActorAddress>();
    for (std::int64_t i = 0; i < n; ++i) {
      while (!tell(Payload(i), to).success) std::this_thread::yield();
    }
  }
};

std::uint64_t remote_ping_pong(std::int64_t rounds, std::size_t workers) {
  Syndicate b("bench-remote-b", remote_config(workers));
  Syndicate a("bench-remote-a", remote_config(workers));
  b.publish("pong", b.create_actor<Pong>());
  a.connect(b.id(), "127.0.0.1", b.remote_address().port);
  const ActorAddress pong = a.lookup(b.id(), "pong");
  auto done = std::make_shared<std::promise<std::int64_t>>();
  auto result = done->get_future();
  const ActorAddress ping = a.start_actor(std::make_unique<Ping>(rounds, done));
  a.tell(ping, Payload(pong));
  check(result.get() == rounds, "remote ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

std::uint64_t remote_tells(std::int64_t n, std::size_t workers) {
  Syndicate b("bench-remote-b", remote_config(workers));
  Syndicate a("bench-remote-a", remote_config(workers));
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  b.publish("count", b.start_actor(std::make_unique<Count>(n, done)));
  a.connect(b.id(), "127.0.0.1", b.remote_address().port);
  const ActorAddress count = a.lookup(b.id(), "count");
  a.tell(a.start_actor(std::make_unique<Teller>(n)), Payload(count));
  check(result.get(), "remote tells in order");
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::vector<Workload> remote_workloads(bool quick, std::size_t workers) {
  const RemoteSizes s = remote_sizes(quick);
  return {
      {remote_ping_pong_name, "round trips=" + std::to_string(s.ping_pong), "msg",
       [=] { return remote_ping_pong(s.ping_pong, workers); }},
      {remote_tells_name, "messages=" + std::to_string(s.tells), "msg", [=] { return remote_tells(s.tells, workers); }},
  };
}

}  // namespace ensemble_bench
