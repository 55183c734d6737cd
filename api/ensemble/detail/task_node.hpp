// Internal: the record the task scheduler keeps for each running task (what
// the JS reference calls a controller), shared by the header templates and the
// runtime (runtime/task/task_strand.cpp), which owns the scheduling logic.
//
// A TaskNode owns the root coroutine frame of one task and everything the
// scheduler needs to drive it: the group it belongs to, where it is suspended,
// what it yielded, its result once finished. Nested `co_await subtask()`
// frames do not get nodes: they share their root's node (PromiseBase::node_).
//
// The strand's scheduling record (queues, joins, wake-up sequence) is not
// here: it is the runtime's NodeSchedule (runtime/task/node_schedule.hpp),
// kept in the opaque bytes at the end of the node, so the scheduler can
// change without changing this header.
//
// Threads. Every field except refs_ and listeners_ belongs to the strand the
// node runs on ([strand]: touched only by the thread that holds the strand's
// host actor token). refs_ is an atomic count because wake-ups from timers and
// other threads hold references. listeners_ is a lock-free stack that other
// threads push onto (see SettleListener below).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <ensemble/address.hpp>
#include <ensemble/detail/frame_alloc.hpp>
#include <ensemble/detail/task_hooks.hpp>
#include <ensemble/export.hpp>

namespace ensemble {
namespace task {

// The message type of a task that sends none (the default of Task<T, M>).
struct Never {};

enum class Status : std::uint8_t { idle, active, finished };

}  // namespace task

namespace detail {

class PromiseBase;
struct TaskGroup;   // runtime/task/task_strand.hpp
class TaskStrand;   // runtime/task/task_strand.hpp
struct TaskNode;

// Told once when a node finishes (or is abandoned), on the thread that
// finished it. Listeners registered after that are told at once.
struct SettleListener {
  SettleListener* next_listener = nullptr;
  virtual void settled(TaskNode& node) noexcept = 0;
  // The node went away without settling (nobody can be waiting any more).
  virtual void discard() noexcept = 0;

 protected:
  ~SettleListener() = default;
};

// The strand's scheduling record of a node (runtime/task/node_schedule.hpp):
// opaque here, it lives in TaskNode::schedule_.
struct NodeSchedule;

struct ENSEMBLE_API TaskNode {
  TaskNode() noexcept = default;
  TaskNode(const TaskNode&) = delete;
  TaskNode& operator=(const TaskNode&) = delete;
  virtual ~TaskNode();

  // Nodes come from the thread's frame pool, as coroutine frames do.
  static void* operator new(std::size_t size) { return pooled_alloc(size); }
  static void operator delete(void* p, std::size_t size) noexcept { pooled_free(p, size); }

  void retain() noexcept {
    // relaxed: a new reference is made from an existing one, which already
    // orders everything before it.
    refs_.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: the last release must see every other holder's writes before
    // the node is destroyed (acquire), and publish ours (release).
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Moves a successfully finished root frame's value into the node; called
  // once, before the frame is destroyed.
  virtual void harvest() noexcept {}
  // Runs an action node (a wake-up or an abort queued as a task).
  virtual void run_action() {}

  // The strand's scheduling record. Only the runtime sees its type; these
  // accessors are defined inline there (runtime/task/node_schedule.hpp).
  NodeSchedule& sched() noexcept;
  const NodeSchedule& sched() const noexcept;

  // What the header templates read, laid out so that a ValueNode<int64>
  // fits a 192-byte pool block: the small fields first, packed.
  std::atomic<std::uint32_t> refs_{1};
  task::Status status_ = task::Status::idle;  // [strand]
  bool ok_ = false;                           // [strand] valid once finished
  bool detached_ = false;                     // spawn/main: failures are swallowed
  bool parallel_ = false;                     // runs on a strand of its own
  std::uint64_t id_ = 0;
  char* name_ = nullptr;                      // owned; set only for named forks
  std::exception_ptr error_;                  // [strand] the failure, once finished
  std::exception_ptr inject_;                 // [strand] thrown at the suspension point (abort)

  // [strand] execution
  std::coroutine_handle<> root_;       // owned until the node finishes
  std::coroutine_handle<> resume_at_;  // the innermost suspended frame
  PromiseBase* root_promise_ = nullptr;

  // Lock-free stack of SettleListener; `settled_marker()` once settled.
  std::atomic<SettleListener*> listeners_{nullptr};
  static SettleListener* settled_marker() noexcept {
    return reinterpret_cast<SettleListener*>(std::uintptr_t{1});
  }

  // Storage of the NodeSchedule: its size is part of the binary interface
  // (the runtime checks that the record fits). All zeros is the record's
  // initial state, so constructing a node needs no call into the library.
  static constexpr std::size_t schedule_bytes = 96;
  alignas(void*) std::byte schedule_[schedule_bytes]{};
};

// State as seen from any strand. A parallel node runs on a strand of its own,
// so only its listener stack (atomic) tells another strand that it finished.
inline bool node_finished(const TaskNode& n) noexcept {
  if (n.parallel_) {
    // acquire: pairs with the release exchange that settles the node, so the
    // result fields are visible once this is true.
    return n.listeners_.load(std::memory_order_acquire) == TaskNode::settled_marker();
  }
  return n.status_ == task::Status::finished;
}
inline std::string_view node_name(const TaskNode& n) noexcept {
  return n.name_ != nullptr ? std::string_view(n.name_) : std::string_view();
}
inline bool node_started(const TaskNode& n) noexcept {
  // A parallel node may be started by any strand that joins it: the runtime
  // keeps its claim.
  return n.parallel_ ? task_parallel_started(n) : n.status_ != task::Status::idle;
}
inline task::Status node_status(const TaskNode& n) noexcept {
  if (node_finished(n)) return task::Status::finished;
  return node_started(n) ? task::Status::active : task::Status::idle;
}

template <class T>
class PromiseValue;

// A node whose root is a Task<T, M>: keeps the value once the frame is gone.
template <class T>
struct ValueNode final : TaskNode {
  std::optional<T> value_;
  void harvest() noexcept override {
    if (root_promise_ != nullptr) value_ = std::move(static_cast<PromiseValue<T>*>(root_promise_)->value_);
  }
};

template <>
struct ValueNode<void> final : TaskNode {};

// Reference-counted handle to a node.
class NodeRef {
 public:
  NodeRef() noexcept = default;
  explicit NodeRef(TaskNode* n, bool adopt = false) noexcept : n_(n) {
    if (n_ != nullptr && !adopt) n_->retain();
  }
  NodeRef(const NodeRef& o) noexcept : NodeRef(o.n_) {}
  NodeRef(NodeRef&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
  NodeRef& operator=(NodeRef o) noexcept {
    std::swap(n_, o.n_);
    return *this;
  }
  ~NodeRef() {
    if (n_ != nullptr) n_->release();
  }
  TaskNode* get() const noexcept { return n_; }
  TaskNode* operator->() const noexcept { return n_; }
  TaskNode& operator*() const noexcept { return *n_; }
  explicit operator bool() const noexcept { return n_ != nullptr; }
  TaskNode* leak() noexcept { return std::exchange(n_, nullptr); }

 private:
  TaskNode* n_ = nullptr;
};

}  // namespace detail
}  // namespace ensemble
