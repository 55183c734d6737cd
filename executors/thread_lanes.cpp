// Execution::thread: one dedicated thread per actor (thread_lanes.hpp has
// the design).
#include "executors/thread_lanes.hpp"

#include <atomic>
#include <string>
#include <utility>

#include <ensemble/errors.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/base/atomics.hpp"
#include "runtime/sched/topology.hpp"

namespace ensemble::executors {

using runtime::ActorCell;
using runtime::RunOutcome;

namespace {
// The executor whose lane runs on this thread (on_own_thread).
thread_local const ThreadLanes* lane_owner = nullptr;
}  // namespace

struct ThreadLanes::Lane final : runtime::ExecutorRecord {
  ActorCell* actor = nullptr;  // the lane's thread holds a reference until it exits
  std::thread thread;          // [owner's m_] moved to finished_ when the loop ends
  std::mutex m;
  std::condition_variable cv;
  // schedule() handed over the actor's token: run it. Written under m;
  // also read without it while the thread spins before it sleeps.
  std::atomic<bool> handed{false};
  bool sleeping = false;  // [m] the thread waits on cv: schedule() must wake it
  bool recheck = false;   // [m] abandon(): the actor stopped without the lane, look again
  bool retired = false;   // [m] the loop ended: schedule() says no from now on
  bool quit = false;      // [m] the executor is stopping
};

namespace {
// How long a lane that went idle watches for the next hand-over before it
// sleeps (500 cpu_relax rounds, about 11 us here): a conversation between
// lanes then costs no futex wake-up per message (docs/executors.md).
constexpr int idle_spins = 500;
}  // namespace

ThreadLanes::~ThreadLanes() {
  bool stopped;
  {
    std::lock_guard lock(m_);
    stopped = stopping_;
  }
  if (stopped) return;
  // The table always stops executors first; if not, finish what was handed
  // back here, as run_here would.
  for (ActorCell* a : stop()) {
    while (run_(a) == RunOutcome::yield) runtime::cpu_relax();
  }
}

void ThreadLanes::adopt(ActorCell& actor, const void* placement) {
  const int core = placement != nullptr ? static_cast<const ThreadPlacement*>(placement)->core : -1;
  auto lane = std::make_unique<Lane>();
  lane->actor = &actor;
  // Everything that may throw comes before the thread exists.
  runtime::SideState& side = runtime::side_of(actor);
  std::unique_lock lock(m_);
  join_finished(lock);  // drops the lock while it joins: check stopping_ after
  if (stopping_) throw SyndicateError("the thread executor is stopping: its syndicate shuts down");
  live_.insert(lane.get());
  actor.retain();  // the lane's reference, dropped by its thread as its last step
  try {
    lane->thread = std::thread([this, l = lane.get(), core] { lane_main(l, core); });
  } catch (const std::system_error& e) {
    live_.erase(lane.get());
    actor.release();
    throw SyndicateError(std::string("could not start a thread for a thread-mode actor: ") + e.what());
  }
  // The side state frees the lane with the cell; schedule() finds it there.
  // The token is ours (adopt's contract), so the first schedule() comes after
  // these writes in the token's hand-off order.
  side.executor_record = lane.release();
}

void ThreadLanes::abandon(ActorCell& actor) noexcept {
  // acquire: pairs with the release in side_of.
  runtime::SideState* side = actor.side_.load(std::memory_order_acquire);
  auto* lane = side != nullptr ? static_cast<Lane*>(side->executor_record) : nullptr;
  if (lane == nullptr) return;
  std::lock_guard lock(lane->m);
  lane->recheck = true;
  if (lane->sleeping) lane->cv.notify_one();  // under the lock, as in schedule()
}

bool ThreadLanes::schedule(ActorCell* actor) noexcept {
  // acquire: pairs with the release in side_of (adopt made the state).
  runtime::SideState* side = actor->side_.load(std::memory_order_acquire);
  auto* lane = side != nullptr ? static_cast<Lane*>(side->executor_record) : nullptr;
  if (lane == nullptr) return false;  // adopt refused it: the caller runs what is left
  std::lock_guard lock(lane->m);
  if (lane->retired || lane->quit) return false;
  // release: a spinning lane that sees it (acquire, in lane_main) sees the
  // mail pushed before the hand-over.
  lane->handed.store(true, std::memory_order_release);
  // Under the lock: once it is released the lane may run the actor to its
  // end and free itself (the caller need not hold a reference to the actor:
  // a stopping child schedules its parent after dropping its own).
  if (lane->sleeping) lane->cv.notify_one();
  return true;
}

void ThreadLanes::lane_main(Lane* lane, int core) {
  lane_owner = this;
  if (core >= 0) (void)runtime::Topology::machine().pin_to_core(static_cast<std::size_t>(core));
  bool hand_back = false;
  std::unique_lock lock(lane->m);
  // relaxed loads under m: the mutex orders them with schedule()'s store.
  auto handed = [&] { return lane->handed.load(std::memory_order_relaxed); };
  for (;;) {
    if (!handed() && !lane->quit && !lane->recheck) {
      lane->sleeping = true;
      lane->cv.wait(lock, [&] { return handed() || lane->quit || lane->recheck; });
      lane->sleeping = false;
    }
    if (lane->quit) {
      // stop(): a token handed over and not run yet goes back to the caller.
      hand_back = lane->handed.exchange(false, std::memory_order_relaxed);
      lane->retired = true;
      break;
    }
    lane->recheck = false;
    if (handed()) {
      lane->handed.store(false, std::memory_order_relaxed);
      lock.unlock();
      // yield: the budget is used up or a push is in flight; the lane is the
      // actor's alone, so it runs it again.
      while (run_(lane->actor) == RunOutcome::yield) runtime::cpu_relax();
      // acquire: pairs with schedule()'s release store.
      for (int i = 0; i < idle_spins && !lane->handed.load(std::memory_order_acquire); ++i) runtime::cpu_relax();
      lock.lock();
    }
    // A stopped actor whose mail is bounced needs no thread: later mail is
    // bounced by whoever sends it (schedule() says no).
    if (!handed() && lane->actor->has_flag(detail::flag_stopped)) {
      lane->retired = true;
      break;
    }
  }
  lock.unlock();
  ActorCell* actor = lane->actor;
  lane_gone(lane, hand_back);
  lane_owner = nullptr;
  // Last: this may destroy the cell, its side state and the lane. A token
  // handed back keeps the cell alive by its own means (the registry's
  // reference, or the one schedule_claimed took for a stopped actor).
  actor->release();
}

void ThreadLanes::lane_gone(Lane* lane, bool hand_back) {
  {
    std::lock_guard lock(m_);
    finished_.push_back(std::move(lane->thread));
    live_.erase(lane);
    if (hand_back) {
      left_.push_back(lane->actor);  // the token goes to stop()'s caller
    }
  }
  gone_cv_.notify_all();
}

void ThreadLanes::join_finished(std::unique_lock<std::mutex>& lock) {
  std::vector<std::thread> done = std::move(finished_);
  finished_.clear();
  lock.unlock();
  for (std::thread& t : done) t.join();
  lock.lock();
}

std::vector<ActorCell*> ThreadLanes::stop() {
  std::unique_lock lock(m_);
  stopping_ = true;
  for (Lane* lane : live_) {
    std::lock_guard lane_lock(lane->m);
    lane->quit = true;
    lane->cv.notify_one();
  }
  gone_cv_.wait(lock, [&] { return live_.empty(); });
  join_finished(lock);
  return std::exchange(left_, {});
}

bool ThreadLanes::on_own_thread() const noexcept { return lane_owner == this; }

std::size_t ThreadLanes::thread_count() const noexcept {
  std::lock_guard lock(m_);
  return live_.size();
}

}  // namespace ensemble::executors
