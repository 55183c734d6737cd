// The remote workloads on CAF 0.17's io module (remote_workloads.hpp): two
// actor systems in this process, each with its middleman; one publishes an
// actor on 127.0.0.1, the other reaches it with remote_actor (BASP over TCP).
#include <cstdint>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "tools/caf_ping_pong.hpp"
#include "tools/caf_support.hpp"
#include "tools/remote_workloads.hpp"

namespace ensemble_bench {
namespace {


struct io_config : caf::actor_system_config {
  explicit io_config(std::size_t workers) {
    set("scheduler.max-threads", workers);
    load<caf::io::middleman>();
  }
};

struct count_state {
  count_state() = default;
  std::int64_t next = 0;
  bool in_order = true;
};

caf::behavior count(caf::stateful_actor<count_state>* self, std::int64_t n, std::shared_ptr<std::promise<bool>> done) {
  return {
      [=](std::int64_t v) {
        auto& st = self->state;
        st.in_order = st.in_order && v == st.next;
        if (++st.next == n) done->set_value(st.in_order);
      },
  };
}

template <class T>
T value_or_throw(caf::expected<T> e, caf::actor_system& sys, const char* what) {
  if (!e) throw std::runtime_error(std::string(what) + ": " + sys.render(e.error()));
  return std::move(*e);
}

std::uint64_t caf_remote_ping_pong(std::int64_t rounds, std::size_t workers) {
  io_config cfg_b{workers};
  caf::actor_system b{cfg_b};
  io_config cfg_a{workers};
  caf::actor_system a{cfg_a};
  auto server = b.spawn(pong);
  const std::uint16_t port = value_or_throw(b.middleman().publish(server, 0, "127.0.0.1"), b, "publish");
  std::int64_t result = -1;
  caf::error failure;
  {
    auto remote = value_or_throw(a.middleman().remote_actor("127.0.0.1", port), a, "remote_actor");
    caf::scoped_actor self{a};
    auto pinger = a.spawn(ping, rounds);
    self->request(pinger, caf::infinite, run_atom::value, remote)
        .receive([&](std::int64_t v) { result = v; }, [&](caf::error& err) { failure = std::move(err); });
  }
  b.middleman().unpublish(server, port);
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  if (failure) throw std::runtime_error("remote ping-pong failed: " + a.render(failure));
  check(result == rounds, "remote ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

std::uint64_t caf_remote_tells(std::int64_t n, std::size_t workers) {
  io_config cfg_b{workers};
  caf::actor_system b{cfg_b};
  io_config cfg_a{workers};
  caf::actor_system a{cfg_a};
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  auto server = b.spawn(count, n, done);
  const std::uint16_t port = value_or_throw(b.middleman().publish(server, 0, "127.0.0.1"), b, "publish");
  {
    auto remote = value_or_throw(a.middleman().remote_actor("127.0.0.1", port), a, "remote_actor");
    caf::scoped_actor self{a};
    for (std::int64_t i = 0; i < n; ++i) self->send(remote, i);
    check(result.get(), "remote tells in order");
  }
  b.middleman().unpublish(server, port);
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  return static_cast<std::uint64_t>(n);
}

}  // namespace

std::vector<Workload> caf_remote_workloads(bool quick, std::size_t workers) {
  const RemoteSizes s = remote_sizes(quick);
  return {
      {remote_ping_pong_name, "", "msg", [=] { return caf_remote_ping_pong(s.ping_pong, workers); }},
      {remote_tells_name, "", "msg", [=] { return caf_remote_tells(s.tells, workers); }},
  };
}

}  // namespace ensemble_bench
