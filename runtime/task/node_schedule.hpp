// The strand's scheduling record of a task node: where the node is queued,
// what it waits for, whether its frames are on the stack now. The installed
// header (api/ensemble/detail/task_node.hpp) holds only what the task
// templates read and keeps this record as opaque bytes (TaskNode::schedule_),
// so the scheduler can change without touching the binary interface.
//
// Threads. Every field is [strand] (touched only by the thread that holds the
// strand's host actor token) except start_claimed_, which any strand that
// joins a parallel node may race for (atomically), and host_, which is
// written once when the node is activated, before the wake-up that hands the
// node to the host's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

#include <ensemble/address.hpp>
#include <ensemble/detail/task_node.hpp>

namespace ensemble::detail {

class TaskStrand;
struct TaskGroup;

// How a drive of the node ended (set by the awaiter that suspended it).
enum class StopKind : std::uint8_t {
  none,       // still running, or finished (root_.done())
  suspended,  // task::suspend() and everything built on it
  yielded,    // sent a message while being aborted: the message is dropped and
              // the task goes back to its queue (the reference's conclude())
};

// Trivial on purpose: TaskNode's inline constructor zero-fills its bytes and
// all zeros is this record's initial state (no host, not queued, not
// started), so creating a node costs no call into the library. Hence no
// default member initialisers, start_claimed_ a plain bool reached through
// std::atomic_ref, and the host a raw cell pointer whose reference the node
// owns (released by ~TaskNode).
struct NodeSchedule {
  bool start_claimed_;  // a parallel node: the one start (any strand may try; atomic_ref only)
  bool action_;         // an action node (a wake-up or an abort queued as a task)
  bool running_;        // its frames are on the stack now
  StopKind stop_;
  bool concluding_;  // being aborted: messages it sends are dropped
  bool in_idle_;
  bool held_;               // the strand holds a reference (while live or queued)
  std::uint32_t queued_;    // entries for it in active queues (the reference allows repeats)
  std::uint64_t wait_seq_;  // bumped at every resume: stale wake-ups carry an older value

  // The strand's host actor (set once, when the node is activated; other
  // threads post wake-ups to it) and the strand itself.
  Cell* host_;
  TaskStrand* strand_;
  TaskGroup* joining_;     // the group it waits for in a join (stepped on its behalf)
  TaskNode* waiting_for_;  // a node settling elsewhere that it waits for: a resume
                           // before that settles parks it again

  TaskGroup* group_;
  TaskNode* idle_prev_;
  TaskNode* idle_next_;
  TaskNode* live_prev_;  // the strand's unfinished nodes, oldest first
  TaskNode* live_next_;

  ActorAddress host() const noexcept { return ActorAddress(host_); }
  // Called once, before the node is shared with the host's thread.
  void set_host(const ActorAddress& host) noexcept {
    host_ = host.cell();
    if (host_ != nullptr) host_->retain();
  }
  // A parallel node's start: true for the one caller that wins it.
  bool claim_start() noexcept {
    // acq_rel: the winner's later writes (host_) are ordered after the claim;
    // a loser sees the claim and leaves the node alone.
    return !std::atomic_ref<bool>(start_claimed_).exchange(true, std::memory_order_acq_rel);
  }
  bool start_claimed() const noexcept {
    // acquire: pairs with claim_start, so the claimer's writes before the
    // start are visible to whoever sees it started. (atomic_ref needs a
    // non-const object; loading does not modify it.)
    return std::atomic_ref<bool>(const_cast<bool&>(start_claimed_)).load(std::memory_order_acquire);
  }
};

static_assert(std::is_trivial_v<NodeSchedule>, "TaskNode zero-fills the record instead of constructing it");
static_assert(sizeof(NodeSchedule) <= TaskNode::schedule_bytes && alignof(NodeSchedule) <= alignof(void*),
              "the scheduling record must fit TaskNode::schedule_ (api/ensemble/detail/task_node.hpp)");
static_assert(std::atomic_ref<bool>::required_alignment <= alignof(bool));

// The record is an implicit-lifetime type, created in TaskNode::schedule_
// (an array of std::byte) when the node is; the node zero-fills it. A plain
// cast reaches it. std::launder would be the letter of the standard, but GCC
// 12 treats every launder as a barrier to reusing a load, and these
// accessors run on every scheduling step: measured with launder, fork+join
// 1023 -> 1044 instructions and an ask round trip 1599 -> 1608
// (tools/count-task-instructions, tools/count-actor-instructions). The
// storage is only ever accessed as this one type, which is what compilers
// have always supported for in-place storage.
inline NodeSchedule& TaskNode::sched() noexcept { return *reinterpret_cast<NodeSchedule*>(schedule_); }
inline const NodeSchedule& TaskNode::sched() const noexcept {
  return *reinterpret_cast<const NodeSchedule*>(schedule_);
}

}  // namespace ensemble::detail
