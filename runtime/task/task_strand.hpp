// Internal: TaskStrand, the actress scheduler of one strand.
//
// What it is. The JS reference runs every task in one process-wide scheduler:
// a root group MAIN and nested groups, each with a FIFO of active tasks and a
// set of idle (suspended) ones; enqueue() appends a task to its group and
// unblocks the group drivers above it; step(group) drives the group's active
// tasks one after the other until each suspends or finishes. ensemble keeps
// exactly that algorithm (so the reference's interleavings hold), but gives
// every strand its own MAIN: an actor is a strand, and so is every tree started
// with task::run/task::spawn(syndicate, ...) (a small internal host actor).
//
// Threads. A strand belongs to its host actor: only the thread holding the
// host's mailbox token touches it (runs tasks, moves them between groups).
// Everything that comes from elsewhere (a timer, an ask reply, a resume() from
// another thread, a parallel fork finishing) arrives as a wake envelope in the
// host's mailbox (post_wake, task_host.hpp) and is applied by the token holder
// (on_wake). So nothing here is atomic except the nodes' reference counts and
// settle-listener stacks (api/ensemble/detail/task_node.hpp).
//
// Messages. A message a task sends is delivered synchronously up the chain of
// frames and group drivers (task_emit in runtime/core/task.cpp): in the reference a
// message is yielded from driver to driver with nothing else running in
// between, so walking the chain directly gives the same order without
// resuming every driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>

#include <ensemble/detail/frame_alloc.hpp>
#include <ensemble/detail/task_node.hpp>
#include <ensemble/task.hpp>

#include "runtime/task/node_schedule.hpp"

namespace ensemble::runtime {

class SyndicateCore;
class ActorCell;

// A FIFO of node pointers with two slots inline (most groups hold one fork);
// entries may be removed from the middle (a fork moved into a join).
class NodeQueue {
 public:
  NodeQueue() noexcept = default;
  NodeQueue(const NodeQueue&) = delete;
  NodeQueue& operator=(const NodeQueue&) = delete;
  ~NodeQueue();

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  detail::TaskNode* front() const noexcept { return buf_[head_]; }
  detail::TaskNode* at(std::size_t i) const noexcept { return buf_[(head_ + i) & (cap_ - 1)]; }
  void push_back(detail::TaskNode* n);
  detail::TaskNode* pop_front() noexcept;
  // Removes the first entry equal to n; false if there is none.
  bool remove(detail::TaskNode* n) noexcept;

 private:
  void grow();
  detail::TaskNode* inline_[2] = {nullptr, nullptr};
  detail::TaskNode** buf_ = inline_;
  std::size_t cap_ = 2;  // a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace ensemble::runtime

namespace ensemble::detail {

struct TaskGroup {
  enum class Kind : std::uint8_t { main, group, loop };

  static void* operator new(std::size_t size) { return pooled_alloc(size); }
  static void operator delete(void* p, std::size_t size) noexcept { pooled_free(p, size); }

  Kind kind = Kind::group;
  TaskStrand* strand = nullptr;
  TaskNode* driver = nullptr;            // the task running this group (none for MAIN)
  PromiseBase* driver_frame = nullptr;   // its frame that steps the group (messages re-emerge there)
  runtime::NodeQueue active;             // each entry holds a reference
  TaskNode* idle_head = nullptr;         // insertion order, as a JS Set
  TaskNode* idle_tail = nullptr;
  std::size_t idle_count = 0;
  LoopNext loop_next = nullptr;          // task::loop: consumes the members' messages
  void* loop_context = nullptr;
  std::exception_ptr failure;            // a join's first failure, rethrown to the joiner
  bool embedded = false;                 // lives in a join awaiter's storage (not the heap)
  bool closing = false;                  // its driver is going away: nothing wakes it
};
static_assert(sizeof(TaskGroup) <= join_storage_bytes && alignof(TaskGroup) <= alignof(void*),
              "TaskGroup outgrew the join awaiter's storage (api/ensemble/task/fork.hpp)");

class TaskStrand {
 public:
  TaskStrand(runtime::SyndicateCore* core, runtime::ActorCell* host, bool tree) noexcept;
  ~TaskStrand();
  TaskStrand(const TaskStrand&) = delete;
  TaskStrand& operator=(const TaskStrand&) = delete;

  runtime::SyndicateCore* core() const noexcept { return core_; }
  runtime::ActorCell* host() const noexcept { return host_; }
  bool is_tree() const noexcept { return tree_; }
  bool tearing_down() const noexcept { return tearing_down_; }
  // How many drains of MAIN began on this strand: two points of a task's run
  // with the same number ran in one synchronous drain (the reference's
  // "resumes synchronously"), different numbers in separate turns.
  std::uint64_t drain_number() const noexcept { return drains_; }
  // No task is left: every task activated here finished.
  bool finished() const noexcept { return live_count_ == 0 && main_.active.empty(); }

  // Starts an idle fork here (or on a strand of its own, for a parallel one).
  void activate(TaskNode& n);
  // The reference's enqueue: queue n in its group, unblock the drivers above
  // it, and drain MAIN if it is not draining already.
  void enqueue(TaskNode& n);
  void step(TaskGroup& g);
  void drain();
  // Adds a started node to its group's queue without running anything (the
  // reference's Group.enqueue, used by task::loop).
  void enqueue_member(TaskNode& n, TaskGroup& g);

  // abort(n, error) and exit(n, value), inside the caller's turn.
  void conclude_abort(TaskNode& n, std::exception_ptr error);
  void conclude_exit(TaskNode& n, void (*store)(TaskNode&, void*), void* value);

  // Groups: join/group/batch/listen (kind group) and task::loop (kind loop).
  TaskGroup* open_group(PromiseBase& driver_frame, TaskGroup::Kind kind, void* storage = nullptr);
  void move_into(TaskNode& fork, TaskGroup& g);
  void abort_members(TaskGroup& g, std::exception_ptr error);
  // Exits every unfinished member (their destructors run): the joining task
  // is going away, and so does what it joined.
  void exit_members(TaskGroup& g) noexcept;
  void close_group(TaskGroup* g) noexcept;
  // Steps the group n waits for in a join; true when the join is over (the
  // group emptied, or a member failed: then the others are aborted and the
  // failure is kept for the joiner).
  bool step_join(TaskNode& n);

  // Queues an action node (a wake-up or an abort run as a task) in MAIN.
  void queue_action(TaskNode* action);

  // Stops every task: each is aborted with `why` (its catch blocks and
  // destructors run), then whatever is still unfinished is destroyed.
  void teardown(std::exception_ptr why) noexcept;

  // Finishes n as abandoned: frames destroyed, failed with `why`.
  void abandon(TaskNode& n, std::exception_ptr why) noexcept;

 private:
  bool drive(TaskNode& n);  // false: it finished with a failure (n.error_)
  void resume_node(TaskNode& n, bool concluding);
  void finish_from_root(TaskNode& n) noexcept;
  void settle(TaskNode& n) noexcept;
  void after_conclude(TaskNode& n);
  void wake_drivers(TaskGroup* g);
  void idle_add(TaskGroup& g, TaskNode& n) noexcept;
  void idle_erase(TaskGroup& g, TaskNode& n) noexcept;
  // The strand holds one reference to a node while it is live or queued.
  void hold(TaskNode& n) noexcept;
  // Makes n a live task of this strand in group g (not queued yet).
  void adopt(TaskNode& n, TaskGroup& g) noexcept;
  void maybe_drop(TaskNode& n) noexcept;
  void live_add(TaskNode& n) noexcept;
  void live_erase(TaskNode& n) noexcept;

  runtime::SyndicateCore* core_;
  runtime::ActorCell* host_;
  bool tree_;
  bool draining_ = false;
  bool tearing_down_ = false;
  std::uint64_t drains_ = 0;
  TaskGroup main_;
  TaskNode* live_head_ = nullptr;  // each holds a reference
  TaskNode* live_tail_ = nullptr;
  std::size_t live_count_ = 0;
};

// Fires the node's settle listeners (once). Any thread.
void fire_listeners(TaskNode& n) noexcept;
// Destroys the node's frames, if it still has them: only destructors run
// (while they do, the node counts as running, so nothing drives or aborts it).
void destroy_frames(TaskNode& n) noexcept;
// Finishes a node that never started (no strand): frames gone, result set,
// waiters told. Any thread that owns the node (nobody else can run it).
void finish_unstarted(TaskNode& n, bool ok, std::exception_ptr error) noexcept;

}  // namespace ensemble::detail
