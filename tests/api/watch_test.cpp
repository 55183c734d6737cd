// spark's watch (Actor::watch): fd readiness told to the actor as
// WatchMessage, one fd per message, level-triggered with one report in
// flight; one owner per fd; an empty set and the actor's stop end it.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble::WatchMessage;

namespace {

// Declared before the Syndicate in each test, so the syndicate (and its
// watches) ends before the fds close: a watched fd must not be closed.
struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    ::close(read);
    ::close(write);
  }
  void put(const std::string& s) const { REQUIRE(::write(write, s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
};

struct Command {
  std::string op;
  int fd = -1;
  int fd2 = -1;
};

// Reports what it hears to the test's endpoint, as text.
struct Watcher : ensemble::Actor {
  ActorAddress report;
  bool keep_next = false;
  bool keep_next_write = false;
  std::optional<WatchMessage> kept;        // holds a report's token
  std::optional<WatchMessage> kept_write;  // holds a write report's token
  int reports_of_kept_fd = 0;
  int kept_fd = -1;
  explicit Watcher(ActorAddress r) : report(std::move(r)) {}

  void say(const std::string& s) { tell(Payload(s), report); }

  void process(Message& m) {
    if (auto* w = m.get_if<WatchMessage>()) {
      CHECK(!m.sender());  // no sender, as in spark
      CHECK(w->ready_read.size() + w->ready_write.size() + w->failed.size() == 1);  // one fd per message
      if (!w->failed.empty()) return say("failed " + std::to_string(w->failed[0]));
      if (!w->ready_write.empty()) {
        if (keep_next_write) {
          keep_next_write = false;
          kept_write = *w;
          return say("kept writable " + std::to_string(w->ready_write[0]));
        }
        return say("writable " + std::to_string(w->ready_write[0]));
      }
      const int fd = w->ready_read[0];
      if (fd == kept_fd) ++reports_of_kept_fd;
      if (keep_next) {
        keep_next = false;
        kept = *w;  // the copy keeps the next report back
        return say("kept " + std::to_string(fd));
      }
      char buf[64];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      return say("read " + std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0));
    }
    const auto& c = m.get<Command>();
    try {
      if (c.op == "read") watch({c.fd});
      if (c.op == "read-two") watch({c.fd, c.fd2});
      if (c.op == "write") watch({}, {c.fd});
      if (c.op == "clear") watch({});
      if (c.op == "keep") {
        keep_next = true;
        kept_fd = c.fd;
        watch({c.fd});
      }
      if (c.op == "keep-both") {
        keep_next = keep_next_write = true;
        kept_fd = c.fd;
        watch({c.fd}, {c.fd});
      }
      if (c.op == "release") kept.reset();
      if (c.op == "count") return say("reports " + std::to_string(reports_of_kept_fd));
      if (c.op == "stop") stop();
      say("ok " + c.op);
    } catch (const std::exception& e) {
      say(std::string("error ") + e.what());
    }
  }
};

std::string next(ensemble::Endpoint& ep) {
  auto p = ep.receive(10s);
  REQUIRE(p.has_value());
  return p->get<std::string>();
}

bool fd_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

}  // namespace

TEST_CASE("a readable pipe is reported as WatchMessage(ready_read={fd}), each time new data comes") {
  Pipe p;
  Syndicate syn("watch-read");
  auto ep = syn.endpoint();
  auto a = syn.create_actor<Watcher>(ep.address());
  syn.tell(a, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "ok read");
  p.put("one");
  CHECK(next(ep) == "read one");
  p.put("two");  // drained, re-armed: reported again
  CHECK(next(ep) == "read two");
}

TEST_CASE("a writable pipe is reported as WatchMessage(ready_write={fd})") {
  Pipe p;
  Syndicate syn("watch-write");
  auto ep = syn.endpoint();
  auto a = syn.create_actor<Watcher>(ep.address());
  syn.tell(a, Payload(Command{"write", p.write}));
  CHECK(next(ep) == "ok write");
  CHECK(next(ep) == "writable " + std::to_string(p.write));
  syn.tell(a, Payload(Command{"clear"}));
}

TEST_CASE("level-triggered with one report in flight: an unread fd is reported again only after the report is gone") {
  Pipe kept;
  Pipe other;
  Syndicate syn("watch-level");
  auto ep = syn.endpoint();
  auto a = syn.create_actor<Watcher>(ep.address());
  syn.tell(a, Payload(Command{"keep", kept.read}));
  CHECK(next(ep) == "ok keep");
  kept.put("x");  // never read
  CHECK(next(ep) == "kept " + std::to_string(kept.read));
  // While the kept report lives, the loop goes on (another fd is reported
  // through it) and does not report the kept fd again.
  syn.tell(a, Payload(Command{"read-two", kept.read, other.read}));
  CHECK(next(ep) == "ok read-two");
  other.put("y");
  CHECK(next(ep) == "read y");
  other.put("z");
  CHECK(next(ep) == "read z");
  syn.tell(a, Payload(Command{"count", kept.read}));
  CHECK(next(ep) == "reports 1");
  // The report is gone: the fd, still readable, is reported again.
  syn.tell(a, Payload(Command{"release"}));
  CHECK(next(ep) == "ok release");
  CHECK(next(ep) == "read x");
}

TEST_CASE("turning one direction off leaves the other's report in flight alone") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  Pipe other;
  {
    Syndicate syn("watch-directions");
    auto ep = syn.endpoint();
    auto a = syn.create_actor<Watcher>(ep.address());
    syn.tell(a, Payload(Command{"keep-both", sv[0]}));
    CHECK(next(ep) == "ok keep-both");
    CHECK(next(ep) == "kept writable " + std::to_string(sv[0]));
    REQUIRE(::write(sv[1], "x", 1) == 1);  // never read while kept
    CHECK(next(ep) == "kept " + std::to_string(sv[0]));
    // Write off, read on: the kept read report still holds the next one back.
    // Another fd reported twice after the change is the barrier: a report of
    // the kept fd made by the change would come before the second.
    syn.tell(a, Payload(Command{"read-two", sv[0], other.read}));
    CHECK(next(ep) == "ok read-two");
    other.put("y");
    CHECK(next(ep) == "read y");
    other.put("z");
    CHECK(next(ep) == "read z");
    syn.tell(a, Payload(Command{"count", sv[0]}));
    CHECK(next(ep) == "reports 1");
    syn.tell(a, Payload(Command{"release"}));
    CHECK(next(ep) == "ok release");
    CHECK(next(ep) == "read x");
    syn.tell(a, Payload(Command{"clear"}));
    CHECK(next(ep) == "ok clear");
  }
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_CASE("one owner per fd: a second actor is refused with the owner's address; clear and stop free it") {
  Pipe p;
  Syndicate syn("watch-owner");
  auto ep = syn.endpoint();
  auto first = syn.create_actor<Watcher>(ep.address());
  auto second = syn.create_actor<Watcher>(ep.address());
  syn.tell(first, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "ok read");
  syn.tell(second, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "error fd " + std::to_string(p.read) + " already watched by actor " + first.to_string());
  // A new watch replaces the set; the same set again is no second report.
  syn.tell(first, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "ok read");
  // An empty watch clears it: the other actor may take it.
  syn.tell(first, Payload(Command{"clear"}));
  CHECK(next(ep) == "ok clear");
  syn.tell(second, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "ok read");
  p.put("to second");
  CHECK(next(ep) == "read to second");
  // The owner stops: its watches end, and the fd is free again.
  syn.tell(second, Payload(Command{"stop"}));
  CHECK(next(ep) == "ok stop");
  REQUIRE(ensemble_test::wait_until([&] { return syn.status().actor_count == 1; }));
  syn.tell(first, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "ok read");
  p.put("back to first");
  CHECK(next(ep) == "read back to first");
}

TEST_CASE("bad fds: a negative one is refused at the call; one the loop cannot wait on is reported failed and freed") {
  Pipe spare;
  Syndicate syn("watch-bad");
  auto ep = syn.endpoint();
  auto a = syn.create_actor<Watcher>(ep.address());
  syn.tell(a, Payload(Command{"read", -3}));
  CHECK(next(ep) == "error watch: -3 is not a file descriptor");
  const int closed_fd = ::dup(spare.read);
  REQUIRE(closed_fd >= 0);
  ::close(closed_fd);
  syn.tell(a, Payload(Command{"read", closed_fd}));
  CHECK(next(ep) == "ok read");
  CHECK(next(ep) == "failed " + std::to_string(closed_fd));
  // The failed watch ended: another actor may watch that number.
  auto b = syn.create_actor<Watcher>(ep.address());
  syn.tell(b, Payload(Command{"read", spare.read}));
  CHECK(next(ep) == "ok read");
}

TEST_CASE("shutdown with watches in place ends them and leaves the fds open") {
  Pipe p;
  {
    Syndicate syn("watch-shutdown");
    auto ep = syn.endpoint();
    auto a = syn.create_actor<Watcher>(ep.address());
    syn.tell(a, Payload(Command{"read", p.read}));
    CHECK(next(ep) == "ok read");
    syn.tell(a, Payload(Command{"write", p.write}));
    CHECK(next(ep) == "ok write");
    p.put("unread");
    syn.shutdown();
  }
  CHECK(fd_open(p.read));
  CHECK(fd_open(p.write));
}

namespace {
// Watches in post_stop, after its stop began: that watch ends with the actor.
struct WatchesInPostStop : ensemble::Actor {
  int fd;
  ActorAddress report;
  WatchesInPostStop(int f, ActorAddress r) : fd(f), report(std::move(r)) {}
  void process(Message&) {}
  void post_stop() override {
    try {
      watch({fd});
      tell(Payload(std::string("watching in post_stop")), report);
    } catch (const std::exception& e) {
      tell(Payload(std::string("post_stop: ") + e.what()), report);
    }
  }
};
}  // namespace

TEST_CASE("a watch made while the actor stops (in post_stop) ends with it: the fd is free afterwards") {
  Pipe p;
  Syndicate syn("watch-post-stop");
  auto ep = syn.endpoint();
  auto late = syn.create_actor<WatchesInPostStop>(p.read, ep.address());
  auto other = syn.create_actor<Watcher>(ep.address());
  REQUIRE(syn.stop(late));
  CHECK(next(ep) == "watching in post_stop");
  REQUIRE(ensemble_test::wait_until([&] { return syn.status().actor_count == 1; }));
  syn.tell(other, Payload(Command{"read", p.read}));
  CHECK(next(ep) == "ok read");
  p.put("to the survivor");
  CHECK(next(ep) == "read to the survivor");
}

namespace {
struct EarlyWatcher : ensemble::Actor {
  void process(Message&) {}
  void try_watch() { watch({0}); }
};
}  // namespace

TEST_CASE("watch before the actor starts is ActorNotStartedError") {
  EarlyWatcher a;
  CHECK_THROWS_AS(a.try_watch(), ensemble::ActorNotStartedError);
}
