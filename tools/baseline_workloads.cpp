#include "tools/baseline_workloads.hpp"
#include "tools/remote_workloads.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef ENSEMBLE_BENCH_HAVE_TBB
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#endif

namespace ensemble_bench {
namespace {

#ifdef ENSEMBLE_BENCH_HAVE_TBB
// Skynet as tasks: each node runs 10 children in a task_group and sums them.
std::int64_t skynet_task(std::int64_t first, std::int64_t size) {
  if (size == 1) return first;
  std::int64_t sums[10];
  tbb::task_group g;
  const std::int64_t step = size / 10;
  for (int i = 0; i < 10; ++i) {
    g.run([&sums, i, first, step] { sums[i] = skynet_task(first + i * step, step); });
  }
  g.wait();
  std::int64_t total = 0;
  for (std::int64_t s : sums) total += s;
  return total;
}

std::uint64_t tbb_skynet(std::int64_t leaves, std::size_t workers) {
  tbb::task_arena arena(static_cast<int>(workers));
  std::int64_t sum = 0;
  arena.execute([&] { sum = skynet_task(0, leaves); });
  check(sum == leaves * (leaves - 1) / 2, "tbb skynet sum");
  std::int64_t nodes = 0;
  for (std::int64_t level = leaves; level >= 1; level /= 10) nodes += leaves / level;
  return static_cast<std::uint64_t>(nodes);
}

// Creation: n tasks that each do nothing but count themselves.
std::uint64_t tbb_create(std::int64_t n, std::size_t workers) {
  tbb::task_arena arena(static_cast<int>(workers));
  std::atomic<std::int64_t> ran{0};
  arena.execute([&] {
    tbb::task_group g;
    for (std::int64_t i = 0; i < n; ++i) g.run([&ran] { ran.fetch_add(1, std::memory_order_relaxed); });
    g.wait();
  });
  check(ran.load() == n, "tbb task count");
  return static_cast<std::uint64_t>(n);
}
#endif

// Two threads bounce a counter through one cache line, spinning with PAUSE:
// the cost of moving a message between cores with nothing else in the way.
std::uint64_t spin_ping_pong(std::int64_t rounds) {
  alignas(64) std::atomic<std::int64_t> ball{0};
  std::thread pong([&] {
    for (std::int64_t expect = 1; expect < 2 * rounds; expect += 2) {
      while (ball.load(std::memory_order_acquire) != expect) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
      ball.store(expect + 1, std::memory_order_release);
    }
  });
  for (std::int64_t expect = 0; expect < 2 * rounds; expect += 2) {
    while (ball.load(std::memory_order_acquire) != expect) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    ball.store(expect + 1, std::memory_order_release);
  }
  pong.join();
  check(ball.load() == 2 * rounds, "spin ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

// Two processes bounce 8 bytes over a socketpair with blocking reads and
// writes: the floor under any message between processes on this machine
// (two system calls and a wake-up per direction).
std::uint64_t socketpair_ping_pong(std::int64_t rounds) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
  std::fflush(nullptr);
  const pid_t child = ::fork();  // the measuring process is single-threaded here
  if (child < 0) throw std::runtime_error("fork");
  auto exchange = [](int fd, std::int64_t& v, bool send_first) {
    auto send = [&] { return ::write(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v); };
    auto receive = [&] {
      std::size_t got = 0;
      while (got < sizeof v) {
        const ssize_t n = ::read(fd, reinterpret_cast<char*>(&v) + got, sizeof v - got);
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
      }
      return true;
    };
    return send_first ? send() && receive() : receive() && (++v, send());
  };
  if (child == 0) {
    ::close(fds[0]);
    std::int64_t v = 0;
    for (std::int64_t i = 0; i < rounds; ++i) {
      if (!exchange(fds[1], v, false)) ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::int64_t v = 0;
  bool ok = true;
  for (std::int64_t i = 0; i < rounds && ok; ++i) ok = exchange(fds[0], v, true);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  check(ok && v == rounds && WIFEXITED(status) && WEXITSTATUS(status) == 0, "socketpair ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

// Two processes bounce 8 bytes over a TCP loopback connection (TCP_NODELAY)
// with blocking reads and writes: the floor under a remote ping-pong on this
// machine.
std::uint64_t tcp_ping_pong(std::int64_t rounds) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener);
    throw std::runtime_error("tcp floor: listen");
  }
  auto full = [](int fd, std::int64_t& v, bool write) {
    std::size_t done = 0;
    while (done < sizeof v) {
      const ssize_t n = write ? ::write(fd, reinterpret_cast<char*>(&v) + done, sizeof v - done)
                              : ::read(fd, reinterpret_cast<char*>(&v) + done, sizeof v - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  };
  auto no_delay = [](int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  };
  std::fflush(nullptr);
  const pid_t child = ::fork();  // the measuring process is single-threaded here
  if (child < 0) throw std::runtime_error("fork");
  if (child == 0) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(1);
    no_delay(fd);
    std::int64_t v = 0;
    for (std::int64_t i = 0; i < rounds; ++i) {
      if (!full(fd, v, false)) ::_exit(1);
      ++v;
      if (!full(fd, v, true)) ::_exit(1);
    }
    ::_exit(0);
  }
  const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  bool ok = fd >= 0;
  std::int64_t v = 0;
  if (ok) no_delay(fd);
  for (std::int64_t i = 0; i < rounds && ok; ++i) ok = full(fd, v, true) && full(fd, v, false);
  if (fd >= 0) ::close(fd);
  int status = 0;
  ::waitpid(child, &status, 0);
  check(ok && v == rounds && WIFEXITED(status) && WEXITSTATUS(status) == 0, "tcp ping-pong count");
  return static_cast<std::uint64_t>(rounds) * 2;
}

}  // namespace

std::vector<Baseline> baseline_workloads(bool quick, std::size_t workers) {
  const core::Sizes sizes = core::sizes(quick);  // the same work as the rows they sit in
  const std::int64_t pp = sizes.ping_pong;
  const std::int64_t leaves = sizes.skynet_leaves;
  const std::int64_t idle = sizes.idle_actors;
  std::vector<Baseline> out;
  out.push_back({"floor", {"ping-pong", "", "msg", [=] { return spin_ping_pong(pp); }}});
  const std::int64_t process_rounds = sizes.process_ping_pong;
  out.push_back({"floor", {"ping-pong (process executor)", "", "msg",
                           [=] { return socketpair_ping_pong(process_rounds); }}});
  const std::int64_t remote_rounds = remote_sizes(quick).ping_pong;
  out.push_back({"floor", {remote_ping_pong_name, "", "msg", [=] { return tcp_ping_pong(remote_rounds); }}});
#ifdef ENSEMBLE_BENCH_HAVE_TBB
  out.push_back({"tbb", {"skynet", "", "task", [=] { return tbb_skynet(leaves, workers); }}});
  const ParallelForSizes pf = parallel_for_sizes(quick);
  out.push_back({"pool+tbb", {"parallel_for in handlers", "", "msg",
                              [=] { return parallel_for_in_handlers(pf, workers, false); }}});
  out.push_back({"tbb", {"create idle actors", "", "task", [=] { return tbb_create(idle, workers); }}});
#else
  (void)leaves;
  (void)idle;
  (void)workers;
#endif
  return out;
}

}  // namespace ensemble_bench
