// The executor seam (runtime/sched/executor.hpp): an executor other than the
// pool, registered with the core, runs the actors whose cells carry its
// index, and everything else about those actors stays as it is.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <ensemble/ensemble.hpp>

#include "runtime/core/syndicate_core.hpp"
#include "runtime/sched/executor.hpp"

#include "tests/test_support.hpp"

using namespace std::chrono_literals;
using ensemble::ActorAddress;
using ensemble::Message;
using ensemble::Syndicate;
using ensemble::runtime::ActorCell;
using ensemble::runtime::ActorRunner;
using ensemble::runtime::RunOutcome;
using ensemble_test::wait_until;

namespace {

// The smallest honest executor: one thread, one FIFO of actors.
class OneThreadExecutor final : public ensemble::runtime::Executor {
 public:
  explicit OneThreadExecutor(ActorRunner run) : run_(run) {}
  ~OneThreadExecutor() override { stop(); }

  void start() override {
    thread_ = std::thread([this] { loop(); });
  }
  std::vector<ActorCell*> stop() override {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(m_);
    std::vector<ActorCell*> left(queue_.begin(), queue_.end());
    queue_.clear();
    return left;
  }
  bool schedule(ActorCell* a) noexcept override {
    {
      std::lock_guard lock(m_);
      if (stopping_) return false;
      queue_.push_back(a);
      ++scheduled_;
    }
    cv_.notify_one();
    return true;
  }
  bool on_own_thread() const noexcept override { return std::this_thread::get_id() == id_.load(); }
  std::size_t thread_count() const noexcept override { return 1; }
  const char* name() const noexcept override { return "one thread (test)"; }

  std::thread::id id() const { return id_.load(); }
  std::size_t scheduled() {
    std::lock_guard lock(m_);
    return scheduled_;
  }

 private:
  void loop() {
    id_.store(std::this_thread::get_id());
    std::unique_lock lock(m_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      ActorCell* a = queue_.front();
      queue_.pop_front();
      lock.unlock();
      RunOutcome out = run_(a);
      lock.lock();
      if (out == RunOutcome::yield) queue_.push_back(a);
    }
  }

  ActorRunner run_;
  std::thread thread_;
  std::atomic<std::thread::id> id_{};
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<ActorCell*> queue_;
  bool stopping_ = false;
  std::size_t scheduled_ = 0;
};

std::atomic<int> threads_seen_bad{0};

// Records the thread of every message and replies with a count.
struct Recorder : ensemble::Actor {
  const OneThreadExecutor* where;
  int seen = 0;
  explicit Recorder(const OneThreadExecutor* w) : where(w) {}
  std::string process(Message&) {
    if (std::this_thread::get_id() != where->id()) threads_seen_bad.fetch_add(1);
    return std::to_string(++seen);
  }
};

// A pool actor that relays to the recorder and waits for its answer.
struct Relay : ensemble::Actor {
  ActorAddress to;
  explicit Relay(ActorAddress t) : to(std::move(t)) {}
  ensemble::Task<std::string> process(Message&) {
    ensemble::Payload r = co_await ask(std::string("via relay"), to, 5s);
    co_return "relayed " + r.get<std::string>();
  }
};

// Creates a child on the test executor's index from inside a handler, and
// stops it on request; reports the child's exit to the system inbox.
struct ParentOnExecutor : ensemble::Actor {
  std::uint8_t index;
  const OneThreadExecutor* where;
  ActorAddress child;
  ParentOnExecutor(std::uint8_t i, const OneThreadExecutor* w) : index(i), where(w) {}
  std::string process(Message& m) {
    if (auto* exited = m.get_if<ensemble::ChildActorExited>()) {
      syndicate().tell(syndicate().inbox_address(),
                       std::string(exited->child == child ? "child exited: " : "other exited: ") +
                           exited->reason);
      return "";
    }
    if (m.is<std::string>()) {  // "stop child"
      tell(ensemble::ActorExitRequest{"done"}, child);
      return "stopping";
    }
    auto* core = address().cell()->core();
    child = core->lifecycle().start_actor(ensemble::detail::make_actor_storage<Recorder>(where),
                              static_cast<ActorCell*>(address().cell()), index);
    return std::to_string(child.id());
  }
};

}  // namespace

TEST_CASE("executor seam: an actor whose cell names another executor runs only on that executor's thread") {
  Syndicate syn("seam", {.workers = 2});
  auto& core = ensemble::runtime::CoreAccess::of(syn);
  auto owned = std::make_unique<OneThreadExecutor>(core.run_loop().runner());
  OneThreadExecutor* exec = owned.get();
  std::uint8_t index = core.add_executor(std::move(owned));
  CHECK(index == 1);
  threads_seen_bad.store(0);

  ActorAddress rec = core.lifecycle().start_actor(ensemble::detail::make_actor_storage<Recorder>(exec), nullptr, index);
  // From a plain thread: tells and an ask.
  const int n = static_cast<int>(ensemble_test::scaled(2000));
  for (int i = 0; i < n; ++i) REQUIRE(syn.tell(rec, i).success);
  CHECK(syn.ask(rec, std::string("count?"), 5s).get().get<std::string>() == std::to_string(n + 1));
  // From a pool actor, by a coroutine ask: the reply crosses back to the pool.
  ActorAddress relay = syn.create_actor<Relay>(rec);
  CHECK(syn.ask(relay, 0, 5s).get().get<std::string>() == "relayed " + std::to_string(n + 2));
  CHECK(threads_seen_bad.load() == 0);
  CHECK(exec->scheduled() >= 1);
  // The runtime's own bookkeeping is unchanged: status and diagnostics see it.
  CHECK(syn.status().actor_count == 2);
  auto d = syn.diagnostics(5s);
  REQUIRE(d.actors.size() == 2);
  CHECK(d.actors[0].actor_id == rec.id());
  CHECK(d.actors[0].mailbox_depth == std::size_t{0});
  // Stopping works through the same seam: the stop runs on the executor.
  REQUIRE(syn.stop(rec));
  REQUIRE(wait_until([&] { return syn.status().actor_count == 1; }));
  CHECK_FALSE(syn.tell(rec, 1).success);
}

TEST_CASE("executor seam: a child on another executor reports its exit to a pool parent; shutdown stops both") {
  auto syn = std::make_unique<Syndicate>("seam-child", ensemble::SyndicateConfig{.workers = 2});
  auto& core = ensemble::runtime::CoreAccess::of(*syn);
  auto owned = std::make_unique<OneThreadExecutor>(core.run_loop().runner());
  OneThreadExecutor* exec = owned.get();
  std::uint8_t index = core.add_executor(std::move(owned));
  threads_seen_bad.store(0);
  ActorAddress parent = syn->create_actor<ParentOnExecutor>(index, exec);
  auto child_id = syn->ask(parent, 0, 5s).get().get<std::string>();
  auto d = syn->diagnostics(5s);
  REQUIRE(d.actors.size() == 2);
  CHECK(std::to_string(d.actors[1].actor_id) == child_id);
  CHECK(d.actors[1].parent_id == parent.id());
  CHECK(d.actors[0].child_count == 1);
  CHECK(syn->ask(parent, std::string("stop child"), 5s).get().get<std::string>() == "stopping");
  auto heard = syn->receive(5s);
  REQUIRE(heard.has_value());
  CHECK(heard->get<std::string>() == "child exited: done");
  CHECK(syn->status().actor_count == 1);
  CHECK(threads_seen_bad.load() == 0);
  syn->shutdown();
  // The shutdown stopped the executor too: it takes nothing more.
  CHECK_FALSE(exec->schedule(nullptr));
  syn.reset();
}

TEST_CASE("executor seam: the table is bounded, and closed after shutdown") {
  Syndicate syn("seam-table", {.workers = 1});
  syn.shutdown();
  CHECK_THROWS_AS(ensemble::runtime::CoreAccess::of(syn).add_executor(std::make_unique<OneThreadExecutor>(ensemble::runtime::CoreAccess::of(syn).run_loop().runner())),
                  ensemble::SyndicateError);
}
