// Execution::process: the actor's handler runs in a worker process (this test
// binary started again, tests/process/main.cpp). Its semantics, what crosses,
// crashes, the crash loop, stop escalation, and that nothing is left behind.
#include <doctest/doctest.h>

#include <csignal>
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/codec_aggregates.hpp>
#include <ensemble/ensemble.hpp>

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::ActorSpec;
using ensemble::Execution;
using ensemble::Message;
using ensemble::Payload;
using ensemble::Syndicate;
using ensemble_test::wait_until;

namespace {

struct NoCodec {
  int x = 0;
};

// A payload that names an actor: the worker tells `to` the text.
struct Relay {
  ActorAddress to;
  std::string text;
};
const bool relay_registered = ensemble::register_type<Relay>("tests.process.Relay");

// Names an actor, but refuses to be read when x is 13: the worker fails the
// message (B) before it reads the address (as it would a payload type it
// does not know).
struct Poison {
  int x = 0;
  ActorAddress to;
};
}  // namespace
template <>
struct ensemble::Codec<Poison> {
  static void encode(ByteWriter& w, const Poison& v) {
    Codec<int>::encode(w, v.x);
    Codec<ActorAddress>::encode(w, v.to);
  }
  static Poison decode(ByteReader& r) {
    const int x = Codec<int>::decode(r);
    if (x == 13) throw CodecError("poison: 13");
    return Poison{x, Codec<ActorAddress>::decode(r)};
  }
};
namespace {
const bool poison_registered = ensemble::register_type<Poison>("tests.process.Poison");

// The worker-side actor: commands by string, numbers doubled.
struct Worker : ensemble::Actor {
  int handled = 0;
  ActorAddress remembered;
  Payload process(Message& m) {
    ++handled;
    if (m.is<int>()) return Payload(2 * m.get<int>());
    if (const Poison* p = m.get_if<Poison>()) return Payload(p->x - 1);
    if (const Relay* r = m.get_if<Relay>()) {
      if (r->text == "remember") remembered = r->to;  // kept past this message
      tell(Payload(r->text), r->to);
      return Payload(Relay{r->to, "relayed"});  // the address goes back as it came
    }
    const std::string& c = m.get<std::string>();
    if (c == "pid") return Payload(std::to_string(::getpid()));
    if (c == "handled") return Payload(handled);  // state survives between messages of one worker
    if (c == "hang") {
      tell(Payload(std::string("hanging")), m.sender());
      for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(100ms);  // until killed
      return Payload(std::string("woke up"));
    }
    if (c == "hang-ignoring-term") {
      std::signal(SIGTERM, SIG_IGN);
      for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(100ms);
      return Payload(std::string("woke up"));
    }
    if (c == "crash") std::raise(SIGKILL);
    if (c == "abort") std::abort();
    if (c == "throw") throw std::runtime_error("boom in the worker");
    if (c == "forbidden") {
      std::string refused;
      auto note = [&](auto&& call) {
        try {
          call();
          refused += "allowed;";
        } catch (const ensemble::ExecutorError& e) {
          refused += std::string(e.what()) + ";";
        }
      };
      note([&] { (void)ask(Payload(1), m.sender()); });
      note([&] { create_actor<Worker>(); });
      note([&] { schedule_after(1ms); });
      note([&] { stop(); });
      note([&] { syndicate_shutdown(); });
      note([&] { watch({0}); });
      return Payload(refused);
    }
    if (c == "to-parent") {
      const bool ok = tell(Payload(std::string("hello from pid ") + std::to_string(::getpid())), parent()).success;
      return Payload(std::string(ok ? "told" : "not told"));
    }
    if (c == "tell-sender-then-reply") {
      tell(Payload(std::string("first, a tell")), m.sender());
      return Payload(std::string("then the reply"));
    }
    if (c.rfind("count-down:", 0) == 0) {
      // Tells itself until zero, then tells its parent: each step is a new
      // message, queued in the parent's mailbox behind what others sent.
      const int n = std::stoi(c.substr(11));
      if (n == 0) {
        tell(Payload(std::string("count-down done after ") + std::to_string(handled) + " messages"), parent());
      } else {
        tell(Payload(std::string("count-down:") + std::to_string(n - 1)), address());
      }
      return Payload();
    }
    if (c == "unencodable-reply") return Payload(NoCodec{7});
    if (c == "extras") {
      // What crossed besides the payload: headers, the deadline, the trace id.
      const ensemble::Value* tenant = m.headers().find("tenant");
      const auto deadline = m.deadline();
      const bool deadline_ahead = deadline && *deadline > ensemble::Clock::now() &&
                                  *deadline < ensemble::Clock::now() + std::chrono::minutes(2);
      return Payload(std::string("tenant=") + (tenant != nullptr ? tenant->get<std::string>() : "none") +
                     ";deadline=" + (deadline ? (deadline_ahead ? "ahead" : "wrong") : "none") +
                     ";trace=" + std::string(m.trace_id()));
    }
    if (c == "sender-is-self") return Payload(std::string(m.sender() == address() ? "yes" : "no"));
    if (c == "addresses") return Payload(Relay{address(), "self"});
    if (c == "tell-remembered") return Payload(std::string(tell(Payload(std::string("later")), remembered).success ? "told" : "not told"));
    if (c == "forget") remembered = ActorAddress();
    return Payload(std::string("unknown command ") + c);
  }
};
const bool worker_registered = ensemble::register_actor<Worker>("tests.process.Worker");

// Not registered: a spec for it is refused.
struct Unregistered : ensemble::Actor {
  void process(Message&) {}
};

ActorSpec worker_spec() {
  auto spec = ActorSpec::of<Worker>();
  spec.execution = Execution::process;
  spec.stateless = true;
  return spec;
}

std::string ask_text(ensemble::Endpoint& ep, const ActorAddress& to, const char* command,
                     std::chrono::nanoseconds timeout = 20s) {
  return ep.ask(to, Payload(std::string(command)), timeout).get<std::string>();
}

// A pool actor that owns a process-mode child and reports what it hears to
// the test's endpoint: the child's tells, ExecutorCrashed, ChildActorExited.
struct Parent : ensemble::Actor {
  ActorAddress report;
  ActorAddress child;
  explicit Parent(ActorAddress r) : report(std::move(r)) {}
  void pre_start() override { child = create_actor_from_spec(worker_spec()); }
  void process(Message& m) {
    if (m.is<ActorAddress>()) return;
    if (m.is<std::string>() && m.sender() != child) {
      // From the test: forward to the child, which answers the test directly.
      tell(Payload(m.get<std::string>()), child);
      return;
    }
    if (auto* c = m.get_if<ensemble::ExecutorCrashed>()) {
      tell(Payload(std::string("crashed: ") + c->reason + " #" + std::to_string(c->crashes)), report);
    } else if (auto* e = m.get_if<ensemble::ChildActorExited>()) {
      tell(Payload(std::string("exited: ") + e->reason), report);
    } else if (m.is<std::string>()) {
      tell(Payload(std::string("child said: ") + m.get<std::string>()), report);
    }
  }
};

std::string next_report(ensemble::Endpoint& ep, std::chrono::seconds limit = 30s) {
  auto p = ep.receive(limit);
  REQUIRE(p.has_value());
  return p->get<std::string>();
}

// Processes whose parent is this one (zombies included: they keep their
// /proc entry until reaped).
std::set<int> child_processes() {
  std::set<int> children;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return children;
  while (dirent* e = ::readdir(d)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == ::getpid()) children.insert(pid);
  }
  ::closedir(d);
  return children;
}

// The whole process has exited and awaits its reaper. The leader shows 'Z'
// as soon as it exits, while its other threads may still be exiting; the
// process (and its pidfd) counts as exited only once the leader is its last
// thread, which /proc/PID/task shows.
bool exited_unreaped(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t state = line.rfind(')') + 2;
  if (state >= line.size() || line[state] != 'Z') return false;
  std::size_t threads = 0;
  DIR* d = ::opendir((dir + "/task").c_str());
  if (d == nullptr) return false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++threads;
  }
  ::closedir(d);
  return threads == 1;
}

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory stream's own
}

bool has_dead_letter(Syndicate& syn, const std::string& reason_part) {
  for (const auto& d : syn.dead_letters()) {
    if (d->reason.find(reason_part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a process-mode actor runs in another process, replies, and keeps its state between messages") {
  Syndicate syn("process-basics");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  const std::string pid = ask_text(ep, w, "pid");
  CHECK(pid != std::to_string(::getpid()));
  CHECK(child_processes().count(std::stoi(pid)) == 1);
  CHECK(ep.ask(w, Payload(21), 20s).get<int>() == 42);
  CHECK(ep.ask(w, Payload(std::string("handled")), 20s).get<int>() == 3);
  CHECK(ask_text(ep, w, "pid") == pid);  // one worker while nothing crashes
  // Its status is the parent's, with the user's class name.
  const auto status = ep.ask(w, Payload(ensemble::StatusRequest{}), 20s).get<ensemble::ActorStatus>();
  CHECK(status.actor_class.find("Worker") != std::string::npos);
}

TEST_CASE("a process-mode actor's tells: to its sender before the reply, to its parent, to itself") {
  Syndicate syn("process-tells");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  ep.tell(w, Payload(std::string("tell-sender-then-reply")));
  auto first = ep.receive_message(20s);
  REQUIRE(first.has_value());
  CHECK(first->get<std::string>() == "first, a tell");
  CHECK(first->sender() == w);  // the stand-in's address: the worker's tells come from the actor
  auto second = ep.receive_message(20s);
  REQUIRE(second.has_value());
  CHECK(second->get<std::string>() == "then the reply");
  CHECK(ask_text(ep, w, "sender-is-self") == "no");

  auto parent = syn.create_actor<Parent>(ep.address());
  syn.tell(parent, Payload(std::string("to-parent")));
  CHECK(next_report(ep).rfind("child said: hello from pid ", 0) == 0);
  CHECK(next_report(ep) == "child said: told");  // the reply, to the sender: the parent forwarded it
  syn.tell(parent, Payload(std::string("count-down:5")));
  CHECK(next_report(ep) == "child said: count-down done after 7 messages");
}

TEST_CASE("an address inside a payload crosses to the worker, is told there, and comes back equal to itself") {
  Syndicate syn("process-addresses");
  auto ep = syn.endpoint();
  auto inbox = syn.endpoint();  // known to the worker only from the payload
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  for (const char* text : {"first", "second"}) {  // the second finds the worker's handle
    const Payload back = ep.ask(w, Payload(Relay{inbox.address(), text}), 20s);
    CHECK(inbox.receive(20s)->get<std::string>() == text);
    CHECK(back.get<Relay>().to == inbox.address());
    CHECK(back.get<Relay>().text == "relayed");
  }
  CHECK_FALSE(ep.ask(w, Payload(Relay{ActorAddress(), "nobody"}), 20s).get<Relay>().to);
  // The worker's own address, from the worker: the parent's stand-in.
  CHECK(ep.ask(w, Payload(std::string("addresses")), 20s).get<Relay>().to == w);
  // An address the worker keeps past its message stays told-able there.
  CHECK(ep.ask(w, Payload(Relay{inbox.address(), "remember"}), 20s).get<Relay>().to == inbox.address());
  CHECK(inbox.receive(20s)->get<std::string>() == "remember");
  CHECK(ep.ask(w, Payload(3), 20s).get<int>() == 6);  // another message in between
  CHECK(ask_text(ep, w, "tell-remembered") == "told");
  CHECK(inbox.receive(20s)->get<std::string>() == "later");
  ep.tell(w, Payload(std::string("forget")));
}

TEST_CASE("a message the worker cannot read keeps nothing it named alive in the parent") {
  ensemble::SyndicateConfig config;
  config.dead_letters_kept = 1;  // a dead letter holds its payload: the next one pushes it out
  Syndicate syn("process-unread", config);
  auto ep = syn.endpoint();
  auto inbox = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  CHECK(ep.ask(w, Payload(1), 20s).get<int>() == 2);
  const std::uint32_t before = inbox.address().cell()->use_count();
  CHECK_THROWS_WITH_AS(syn.ask(w, Payload(Poison{13, inbox.address()}), 20s).get(),
                       doctest::Contains("executor delivery failed"), ensemble::MessageDeliveryError);
  // The dead letter comes just after the ask fails (on the stand-in's thread).
  CHECK(wait_until([&] { return has_dead_letter(syn, "poison: 13"); }));
  syn.tell(ActorAddress(), Payload(0));  // a dead letter of its own, pushing out the poison's
  CHECK(inbox.address().cell()->use_count() == before);
  // The worker goes on, and a message it can read still crosses.
  CHECK(ep.ask(w, Payload(Poison{1, inbox.address()}), 20s).get<int>() == 0);
}

TEST_CASE("headers, the deadline and the trace id cross to the worker with the payload") {
  Syndicate syn("process-extras");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  Message m(Payload(std::string("extras")), ep.address());
  m.set_headers(ensemble::ValueMap{{"tenant", ensemble::Value("acme")}});
  m.set_deadline(ensemble::Clock::now() + std::chrono::minutes(1));
  m.set_trace_id("t-9");
  REQUIRE(syn.tell(w, std::move(m)).success);
  auto reply = ep.receive_message(20s);
  REQUIRE(reply.has_value());
  CHECK(reply->get<std::string>() == "tenant=acme;deadline=ahead;trace=t-9");
  // A plain message carries none.
  CHECK(ask_text(ep, w, "extras") == "tenant=none;deadline=none;trace=");
}

TEST_CASE("per-sender FIFO holds across the process boundary") {
  Syndicate syn("process-fifo");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  const int n = static_cast<int>(ensemble_test::scaled(2000));
  for (int i = 0; i < n; ++i) REQUIRE(ep.tell(w, Payload(i)).success);
  for (int i = 0; i < n; ++i) {
    auto r = ep.receive_message(20s);
    REQUIRE(r.has_value());
    REQUIRE(r->get<int>() == 2 * i);
  }
}

TEST_CASE("a payload with no codec fails the tell at once, by type, with a dead letter") {
  Syndicate syn("process-no-codec");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  const ensemble::DeliveryResult r = ep.tell(w, Payload(NoCodec{1}));
  CHECK_FALSE(r.success);
  CHECK(std::string(r.reason).rfind("executor delivery failed: payload type", 0) == 0);
  CHECK(std::string(r.reason).find("NoCodec") != std::string::npos);
  CHECK(has_dead_letter(syn, "executor delivery failed: payload type"));
  // An ask fails the same way, without waiting for its time-out.
  CHECK_THROWS_WITH_AS(ep.ask(w, Payload(NoCodec{2}), 20s), doctest::Contains("executor delivery failed"),
                       ensemble::MessageDeliveryError);
  // A reply the worker cannot encode is a dead letter in the parent, and the
  // actor goes on.
  ep.tell(w, Payload(std::string("unencodable-reply")));
  CHECK(wait_until([&] { return has_dead_letter(syn, "executor delivery failed: payload type"); }));
  CHECK(ep.ask(w, Payload(5), 20s).get<int>() == 10);
}

TEST_CASE("a worker killed by SIGKILL mid-message: that message is a dead letter, queued messages wait for a new "
          "worker, and the actor goes on") {
  Syndicate syn("process-crash");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  const int first_pid = std::stoi(ask_text(ep, w, "pid"));
  // The handler tells its sender "hanging" and then blocks: once that
  // arrives, the worker is inside the message.
  ep.tell(w, Payload(std::string("hang")));
  REQUIRE(next_report(ep) == "hanging");
  // Queued behind the hanging message, from another sender (a tell is in
  // the mailbox when it returns).
  auto ep2 = syn.endpoint();
  REQUIRE(ep2.tell(w, Payload(std::string("pid"))).success);
  REQUIRE(::kill(first_pid, SIGKILL) == 0);
  const std::string second_pid = next_report(ep2);
  CHECK(std::stoi(second_pid) != first_pid);
  CHECK(has_dead_letter(syn, "executor crashed: killed by signal 9"));
  CHECK(child_processes().count(first_pid) == 0);  // reaped: no zombie
  CHECK(child_processes().count(std::stoi(second_pid)) == 1);
  CHECK(ep.ask(w, Payload(4), 20s).get<int>() == 8);
}

TEST_CASE("a worker killed between messages is replaced before the next message, which is not lost") {
  Syndicate syn("process-idle-crash");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  const int first_pid = std::stoi(ask_text(ep, w, "pid"));
  REQUIRE(::kill(first_pid, SIGKILL) == 0);
  // Dead before the next message: a zombie until the stand-in reaps it.
  REQUIRE(wait_until([&] { return exited_unreaped(first_pid); }));
  const int second_pid = std::stoi(ask_text(ep, w, "pid"));
  CHECK(second_pid != first_pid);
  CHECK_FALSE(has_dead_letter(syn, "executor crashed"));
  CHECK(child_processes().count(first_pid) == 0);
}

TEST_CASE("an ask whose worker dies in the handler fails at once with the crash, not at its time-out") {
  Syndicate syn("process-crash-ask");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  // The time-out is an hour: only the crash can end this ask in a test run.
  // (An ask with a reply slot: Endpoint::ask is spark's inbox ask, which only
  // times out.)
  CHECK_THROWS_WITH_AS(syn.ask(w, Payload(std::string("crash")), std::chrono::hours(1)).get(),
                       doctest::Contains("executor crashed: killed by signal 9"), ensemble::MessageDeliveryError);
  CHECK(ep.ask(w, Payload(3), 20s).get<int>() == 6);

  // A child that crashes: its parent hears of it, and it goes on.
  auto parent = syn.create_actor<Parent>(ep.address());
  syn.tell(parent, Payload(std::string("crash")));
  CHECK(next_report(ep) == "crashed: executor crashed: killed by signal 9 #1");
  syn.tell(parent, Payload(std::string("to-parent")));
  CHECK(next_report(ep).rfind("child said: hello from pid ", 0) == 0);
  CHECK(next_report(ep) == "child said: told");
}

TEST_CASE("a crash loop stops the actor, and its parent gets ChildActorExited saying so") {
  Syndicate syn("process-crash-loop");
  auto ep = syn.endpoint();
  auto parent = syn.create_actor<Parent>(ep.address());
  for (int i = 0; i < 5; ++i) syn.tell(parent, Payload(std::string(i % 2 == 0 ? "crash" : "abort")));
  for (int i = 1; i <= 4; ++i) {
    CHECK(next_report(ep) ==
          "crashed: executor crashed: killed by signal " + std::string(i % 2 == 1 ? "9" : "6") + " #" + std::to_string(i));
  }
  const std::string exit = next_report(ep);
  CHECK(exit.rfind("exited: executor crash loop: 5 crashes within 10 s (last: executor crashed: killed by signal 9)",
                   0) == 0);
  CHECK(wait_until([&] { return child_processes().empty(); }));
}

TEST_CASE("a handler that throws in the worker: dead letter 'handler failed', the actor stops (spark)") {
  Syndicate syn("process-throw");
  auto ep = syn.endpoint();
  auto parent = syn.create_actor<Parent>(ep.address());
  syn.tell(parent, Payload(std::string("throw")));
  CHECK(next_report(ep) == "exited: handler failed");
  CHECK(has_dead_letter(syn, "handler failed: boom in the worker"));
  CHECK(wait_until([&] { return child_processes().empty(); }));
}

TEST_CASE("an actor in a worker has spark's executor-actor API: ask, create_actor, schedule_after, stop, "
          "syndicate_shutdown and watch refuse") {
  Syndicate syn("process-forbidden");
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(worker_spec());
  const std::string refused = ask_text(ep, w, "forbidden");
  for (const char* api : {"ask", "create_actor", "schedule_after", "stop", "syndicate_shutdown", "watch"}) {
    CHECK(refused.find(std::string("executor actors do not support ") + api + ";") != std::string::npos);
  }
  CHECK(refused.find("allowed") == std::string::npos);
}

TEST_CASE("specs that cannot run in a process are refused at creation, with the reason") {
  Syndicate syn("process-specs");
  auto spec = worker_spec();
  spec.stateless = false;
  CHECK_THROWS_WITH_AS(syn.create_actor_from_spec(spec), "execution=process requires stateless=true",
                       ensemble::InvalidActorSpecError);
  auto unregistered = ActorSpec::of<Unregistered>();
  unregistered.execution = Execution::process;
  unregistered.stateless = true;
  CHECK_THROWS_WITH_AS(syn.create_actor_from_spec(unregistered), doctest::Contains("is not registered"),
                       ensemble::InvalidActorSpecError);
  auto with_args = ActorSpec::of<Parent>(ActorAddress());
  with_args.execution = Execution::process;
  with_args.stateless = true;
  CHECK_THROWS_AS(syn.create_actor_from_spec(with_args), ensemble::InvalidActorSpecError);  // not registered either
  CHECK_THROWS_WITH_AS(ensemble::register_actor<Worker>("tests.process.Other"), doctest::Contains("registered already"),
                       ensemble::InvalidArgument);
  CHECK(child_processes().empty());
}

TEST_CASE("the backend process makes system actors process actors") {
  ensemble::SyndicateConfig config;
  config.backend = ensemble::Backend::process;
  Syndicate syn("process-backend", config);
  CHECK(syn.status().backend == "async-hybrid-process");
  auto spec = worker_spec();
  spec.execution = Execution::system;
  auto ep = syn.endpoint();
  const ActorAddress w = syn.create_actor_from_spec(spec);
  CHECK(ask_text(ep, w, "pid") != std::to_string(::getpid()));
}

TEST_CASE("stop: a worker that ignores the polite stop and SIGTERM is killed; nothing is left behind") {
  const std::set<int> children_before = child_processes();
  const std::size_t fds_before = open_fds();
  {
    Syndicate syn("process-stop");
    auto ep = syn.endpoint();
    std::vector<ActorAddress> workers;
    for (int i = 0; i < 3; ++i) workers.push_back(syn.create_actor_from_spec(worker_spec()));
    for (const auto& w : workers) CHECK(ep.ask(w, Payload(1), 20s).get<int>() == 2);
    CHECK(child_processes().size() == children_before.size() + 3);
    ep.tell(workers[0], Payload(std::string("hang-ignoring-term")));
    ep.tell(workers[1], Payload(std::string("hang")));
    REQUIRE(next_report(ep) == "hanging");  // worker 1 is inside its handler
    // Grace 2 s, then SIGTERM and 1 s, then SIGKILL: the dead letters say
    // which signal ended each (a handler left alone would answer "woke up"
    // after 60 s, and leave no dead letter).
    syn.shutdown();
    CHECK(has_dead_letter(syn, "executor stopped: the worker did not finish within the stop grace (killed by signal 9)"));
    CHECK(has_dead_letter(syn, "executor stopped: the worker did not finish within the stop grace (killed by signal 15)"));
  }
  CHECK(child_processes() == children_before);
  CHECK(open_fds() == fds_before);
}
