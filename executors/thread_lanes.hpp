// Internal: Execution::thread, one dedicated thread per actor (its lane).
//
// A handler on a lane may block (a blocking syscall, a long computation, a
// library that is not re-entrant, ask(...).get(), receive()) without taking a
// pool worker. Everything else about the actor is as for pool actors: the
// mailbox, per-sender FIFO, one message at a time, coroutine handlers, tasks,
// stop, ChildActorExited, dead letters. Only where its activations run
// differs.
//
// One ThreadLanes executor per syndicate (SyndicateCore::shared_executor)
// holds every lane. A lane is made in adopt(), when the actor starts, and
// ends when its actor has stopped: its thread exits, and the lane's memory
// goes with the actor's side state (SideState::executor_record), so that a late
// schedule() of a stopped actor still finds it and is told no (the caller
// then bounces the mail itself).
//
// Threads and locks. A lane's thread sleeps on the lane's condition variable
// until schedule() hands it the actor's token (`handed`), runs activations
// until the runner says idle or suspended, and sleeps again. Lock order:
// the executor's mutex before a lane's. The lane's thread holds a reference
// to its cell until it exits, so the cell, its side state and the lane
// outlive every step the thread takes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "runtime/sched/executor.hpp"

namespace ensemble::executors {

// Where a lane's thread runs (adopt()'s placement argument).
struct ThreadPlacement {
  int core = -1;  // a core from runtime::Topology to pin the thread to; -1: anywhere
};

class ThreadLanes final : public runtime::Executor {
 public:
  static constexpr const char* key = "thread";

  explicit ThreadLanes(runtime::ActorRunner run) : run_(run) {}
  ~ThreadLanes() override;

  void start() override {}
  std::vector<runtime::ActorCell*> stop() override;
  bool schedule(runtime::ActorCell* actor) noexcept override;
  bool on_own_thread() const noexcept override;
  // Starts the actor's lane; `placement` is a ThreadPlacement or null.
  void adopt(runtime::ActorCell& actor, const void* placement) override;
  // The actor was stopped on its creating thread (pre_start threw): its lane
  // looks at it again and retires.
  void abandon(runtime::ActorCell& actor) noexcept override;
  std::size_t thread_count() const noexcept override;
  const char* name() const noexcept override { return "thread"; }

 private:
  struct Lane;
  void lane_main(Lane* lane, int core);
  // The lane's last step under the executor's lock (its thread's handle goes
  // to finished_, to be joined).
  void lane_gone(Lane* lane, bool hand_back);
  void join_finished(std::unique_lock<std::mutex>& lock);

  runtime::ActorRunner run_;
  mutable std::mutex m_;
  std::condition_variable gone_cv_;       // a lane left live_
  std::set<Lane*> live_;                  // [m_] lanes whose thread runs
  std::vector<std::thread> finished_;     // [m_] threads that left their loop, to join
  std::vector<runtime::ActorCell*> left_; // [m_] tokens handed back at stop()
  bool stopping_ = false;                 // [m_]
};

}  // namespace ensemble::executors
