// What the remote tests share: a configuration with the transport on (port
// 0, a secret, two workers), a raw TCP client for bad input, and a proxy that
// can turn into a black hole.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <ensemble/ensemble.hpp>

namespace ensemble_test {

inline ensemble::SyndicateConfig remote_config(std::string secret = "s3cret",
                                               std::chrono::milliseconds down_after = std::chrono::milliseconds(2000)) {
  ensemble::SyndicateConfig c;
  c.workers = 2;
  c.remote.enabled = true;
  c.remote.secret = std::move(secret);
  c.remote.down_after = down_after;
  return c;
}

// 127.0.0.1:port as a socket address.
inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A socket listening on 127.0.0.1 at a free port, which goes to `port`.
inline int listen_on_loopback(std::uint16_t& port, int backlog = 4) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a = loopback(0);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  port = ntohs(a.sin_port);
  return fd;
}

// A socket connected to 127.0.0.1:port, or -1 (no REQUIRE: callable from
// a thread of the test's own).
inline int connect_to_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A raw TCP client for the listener's bad-input tests.
struct RawClient {
  int fd = -1;
  explicit RawClient(std::uint16_t port) {
    fd = connect_to_loopback(port);
    REQUIRE(fd >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd); }
  void send(const std::string& bytes) const {
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  // Reads until the peer closes; what it sent before. nullopt: it did not
  // close within the receive time-out.
  std::optional<std::string> read_to_close() const {
    std::string got;
    char buf[256];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) return got;
      if (n < 0) return errno == ECONNRESET ? std::optional<std::string>(got) : std::nullopt;
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
};

// A loopback TCP proxy for one connection that can stop forwarding without
// closing anything: a peer that goes silent (a black hole).
struct BlackHoleProxy {
  int listener = -1;
  std::uint16_t port = 0;
  std::atomic<bool> forwarding{true};
  std::atomic<bool> stop{false};
  std::thread thread;
  explicit BlackHoleProxy(std::uint16_t target) {
    listener = listen_on_loopback(port);
    thread = std::thread([this, target] { run(target); });
  }
  void run(std::uint16_t target) {
    pollfd l{listener, POLLIN, 0};
    while (!stop && ::poll(&l, 1, 50) <= 0) {  // nothing yet, or EINTR
    }
    if (stop) return;
    const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    const int server = connect_to_loopback(target);
    if (client < 0 || server < 0) {
      if (client >= 0) ::close(client);
      if (server >= 0) ::close(server);
      return;
    }
    char buf[65536];
    while (!stop) {
      if (!forwarding) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // holds both connections open, forwards nothing
        continue;
      }
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(fds, 2, 50) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          stop = true;
          break;
        }
        if (::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) stop = true;
      }
    }
    ::close(client);
    ::close(server);
  }
  ~BlackHoleProxy() {
    stop = true;
    thread.join();
    ::close(listener);
  }
};

}  // namespace ensemble_test
