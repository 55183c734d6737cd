// Two syndicates in two processes on 127.0.0.1: the peer is this test binary
// started again with --peer (two_process_main.cpp), which serves an Echo and
// a Counter until its stdin closes. Tell and ask both ways, a long stream in
// order, a peer killed with SIGKILL mid-stream (asks fail fast, tells become
// dead letters, and the connection comes back when the peer restarts on the
// same port), bad input at the peer's listener (a wrong secret, garbage, an
// oversized frame), and a peer behind a proxy that goes silent.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <ensemble/ensemble.hpp>

#include "tests/remote/support.hpp"
#include "tests/remote/two_process_peer.hpp"
#include "tests/test_support.hpp"

extern char** environ;

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::SyndicateId;
using ensemble_test::wait_until;

namespace {

// One peer process: started with pipes on its stdin and stdout; stopped by
// closing its stdin (or killed); always reaped.
struct PeerProcess {
  pid_t pid = -1;
  int to_child = -1;
  int from_child = -1;
  std::uint16_t port = 0;

  explicit PeerProcess(std::uint16_t want_port = 0) {
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    const std::string port_text = std::to_string(want_port);
    char self[] = "/proc/self/exe";
    char flag[] = "--peer";
    std::string port_arg = port_text;
    char* argv[] = {self, flag, port_arg.data(), nullptr};
    REQUIRE(::posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv, environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    to_child = in[1];
    from_child = out[0];
    // Its first line: the port it listens on.
    std::string line;
    char c;
    while (::read(from_child, &c, 1) == 1 && c != '\n') line += c;
    REQUIRE_MESSAGE(!line.empty(), "the peer process printed no port");
    port = static_cast<std::uint16_t>(std::stoi(line));
  }
  // Sends one command line; its answer line.
  std::string command(const std::string& line) {
    const std::string with_newline = line + "\n";
    REQUIRE(::write(to_child, with_newline.data(), with_newline.size()) == static_cast<ssize_t>(with_newline.size()));
    std::string answer;
    char c;
    while (::read(from_child, &c, 1) == 1 && c != '\n') answer += c;
    return answer;
  }
  void kill_hard() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      reap();
    }
  }
  void reap() {
    if (pid <= 0) return;
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
  ~PeerProcess() {
    if (to_child >= 0) ::close(to_child);  // the peer's cue to shut down and exit
    reap();
    if (from_child >= 0) ::close(from_child);
  }
};

SyndicateConfig config(std::chrono::milliseconds down_after = 2000ms) {
  SyndicateConfig c;
  c.workers = 2;
  c.remote.enabled = true;
  c.remote.secret = ensemble_test::peer_secret;
  c.remote.down_after = down_after;
  return c;
}

}  // namespace

TEST_CASE("two processes: ask and tell both ways") {
  PeerProcess peer;
  Syndicate a(ensemble_test::client_name, config());
  const SyndicateId b = SyndicateId::from_name(ensemble_test::peer_name);
  a.connect(b, "127.0.0.1", peer.port);
  const ActorAddress echo = a.lookup(b, "echo", 20s);
  CHECK(a.ask(echo, Payload(std::string("hi")), 20s).get().get<std::string>() == "echo:hi");
  // The peer tells back to the sender on the same connection before replying.
  auto ep = a.endpoint();
  REQUIRE(ep.tell(echo, Payload(std::string("tell-back:x"))).success);
  CHECK(ep.receive(20s)->get<std::string>() == "told x");
  CHECK(ep.receive(20s)->get<std::string>() == "echo:tell-back:x");
  // The peer asks an actor of ours (published here, looked up there) over
  // the connection we opened: it never calls connect().
  a.publish("client-echo", a.create_actor<ensemble_test::Echo>());
  CHECK(peer.command("ask client-echo") == "echo:from the peer");
}

TEST_CASE("two processes: a long stream of tells arrives complete and in order") {
  PeerProcess peer;
  Syndicate a(ensemble_test::client_name, config());
  const SyndicateId b = SyndicateId::from_name(ensemble_test::peer_name);
  a.connect(b, "127.0.0.1", peer.port);
  const ActorAddress counter = a.lookup(b, "counter", 20s);
  const int n = static_cast<int>(ensemble_test::scaled(1000000));
  auto ep = a.endpoint();
  for (int i = 0; i < n; ++i) {
    const ensemble::DeliveryResult r = ep.tell(counter, Payload(i));
    if (!r.success) {
      REQUIRE(std::string(r.reason) == "remote send queue full");
      std::this_thread::sleep_for(200us);
      --i;
    }
  }
  const std::string want = std::to_string(n) + "/0";
  CHECK(wait_until([&] { return ep.ask(counter, Payload(std::string("?")), 20s).get<std::string>() == want; },
                   120s));
}

TEST_CASE("two processes: a peer killed with SIGKILL; asks fail fast, tells are dead letters, it comes back") {
  std::uint16_t port = 0;
  Syndicate a(ensemble_test::client_name, config(500ms));
  const SyndicateId b = SyndicateId::from_name(ensemble_test::peer_name);
  {
    PeerProcess peer;
    port = peer.port;
    a.connect(b, "127.0.0.1", port);
    const ActorAddress silent = a.lookup(b, "silent", 20s);
    auto pending = a.ask(silent, Payload(1), 60s);
    REQUIRE(a.ask(a.lookup(b, "echo", 20s), Payload(std::string("up")), 20s).get().get<std::string>() == "echo:up");
    const auto killed_at = std::chrono::steady_clock::now();
    peer.kill_hard();
    CHECK_THROWS_WITH(pending.get(), doctest::Contains("remote peer down"));
    CHECK(std::chrono::steady_clock::now() - killed_at < 20s);
    const ensemble::DeliveryResult r = a.tell(silent, Payload(2));
    CHECK_FALSE(r.success);
    CHECK(r.reason == "remote peer down");
  }
  // Restarted on the same port: the link comes back (backoff) and serves again.
  PeerProcess again(port);
  CHECK(wait_until(
      [&] {
        try {
          return a.ask(a.lookup(b, "echo", 2s), Payload(std::string("back")), 2s).get().get<std::string>() ==
                 "echo:back";
        } catch (const std::exception&) {
          return false;
        }
      },
      60s));
}

TEST_CASE("two processes: a wrong secret, garbage and an oversized frame are refused; the peer goes on serving") {
  PeerProcess peer;
  const SyndicateId b = SyndicateId::from_name(ensemble_test::peer_name);
  {
    SyndicateConfig wrong_config = config();
    wrong_config.remote.secret = "not the peer's secret";
    Syndicate wrong(ensemble_test::client_name, wrong_config);
    wrong.connect(b, "127.0.0.1", peer.port);
    CHECK_THROWS_WITH_AS(wrong.lookup(b, "echo", 20s), doctest::Contains("remote peer down"),
                         ensemble::MessageDeliveryError);
  }
  // Each is closed at once by its check, well before the peer's 5 s
  // handshake time-out would close it anyway.
  {
    ensemble_test::RawClient garbage(peer.port);
    const auto sent = std::chrono::steady_clock::now();
    garbage.send("GET / HTTP/1.1\r\n\r\n");
    CHECK(garbage.read_to_close().has_value());
    CHECK(std::chrono::steady_clock::now() - sent < 3s);
  }
  {
    ensemble_test::RawClient oversized(peer.port);
    const auto sent = std::chrono::steady_clock::now();
    oversized.send(std::string("ENSN\xff\xff\xff\xffH", 9));
    CHECK(oversized.read_to_close().has_value());
    CHECK(std::chrono::steady_clock::now() - sent < 3s);
  }
  Syndicate a(ensemble_test::client_name, config());
  a.connect(b, "127.0.0.1", peer.port);
  CHECK(a.ask(a.lookup(b, "echo", 20s), Payload(std::string("still")), 20s).get().get<std::string>() == "echo:still");
}

TEST_CASE("two processes: a peer behind a proxy that goes silent is declared down by the heartbeats") {
  PeerProcess peer;  // down_after 2 s, so it beats every 500 ms: as this side
  ensemble_test::BlackHoleProxy proxy(peer.port);
  Syndicate a(ensemble_test::client_name, config());
  const SyndicateId b = SyndicateId::from_name(ensemble_test::peer_name);
  a.connect(b, "127.0.0.1", proxy.port);
  const ActorAddress silent = a.lookup(b, "silent", 20s);
  auto pending = a.ask(silent, Payload(1), 120s);
  const auto went_silent = std::chrono::steady_clock::now();
  proxy.forwarding = false;
  CHECK_THROWS_WITH(pending.get(), doctest::Contains("remote peer down"));
  CHECK(std::chrono::steady_clock::now() - went_silent < 60s);  // down_after, not the ask's 120 s
  const ensemble::DeliveryResult r = a.tell(silent, Payload(2));
  CHECK_FALSE(r.success);
  CHECK(r.reason == "remote peer down");
}
