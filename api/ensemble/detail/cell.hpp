// Internal (installed because ActorAddress copies need it inline): the common
// base of everything a message can be addressed to.
//
// A Cell is the runtime side of an actor (runtime/actor/actor_cell.hpp), an external
// inbox (Syndicate::receive, endpoints), the one-shot reply slot of an ask, or
// the local stand-in of an actor of another syndicate (a remote cell).
// It is reference counted: every ActorAddress holds one reference, a live
// actor's cell holds one for the registry, and a stopped actor's cell that is
// scheduled to bounce late mail holds one while queued. A cell outlives the
// user's actor object, which is destroyed as soon as the actor stops.
#pragma once

#include <atomic>
#include <cstdint>

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::detail {

// remote: an actor of another syndicate, reached through a transport that
// this syndicate's core routes to (runtime/actor/routing.hpp).
// run: the sender of a run() request (runtime/ask/run_token.hpp).
enum class CellKind : std::uint8_t { actor, inbox, reply, remote, run };

// Bits of Cell::flags_.
inline constexpr std::uint32_t flag_stop_requested = 1u << 0;  // stop asked; acted on by the token holder
inline constexpr std::uint32_t flag_stopped = 1u << 1;         // stop done; mail now bounces
inline constexpr std::uint32_t flag_count_queue = 1u << 2;     // diagnostics() waits for a queue count
inline constexpr std::uint32_t flag_side_lock = 1u << 3;       // guards the actor's side state
inline constexpr std::uint32_t flag_other_executor = 1u << 4;  // runs on an executor other than the pool
// The parent-side stand-in of an actor that runs in a worker process: what is
// told to it must have a codec (executors/process_proxy.hpp).
inline constexpr std::uint32_t flag_process_proxy = 1u << 5;
// The actor of a worker process, in the worker: tells to it go back to its
// stand-in in the parent, and the helpers spark forbids refuse (process_worker.cpp).
inline constexpr std::uint32_t flag_in_worker = 1u << 6;
// The state of a stop, kept here rather than in the side state so that
// stopping an actor that never needed one allocates nothing
// (runtime/actor/lifecycle.cpp). Claimed: the first stop request won (its
// mode and reason hold; set under the side lock). The mode: neither bit is
// "notify the parent". Reason kept: the reason is in the side state; without
// it the parent hears "actor stopped". Stopping: the token holder began the
// stop; no new child or task starts.
inline constexpr std::uint32_t flag_stop_claimed = 1u << 7;
inline constexpr std::uint32_t flag_stop_silent = 1u << 8;
inline constexpr std::uint32_t flag_stop_for_parent = 1u << 9;
inline constexpr std::uint32_t flag_stop_reason_kept = 1u << 10;
inline constexpr std::uint32_t flag_stopping = 1u << 11;

class Cell {
 public:
  Cell(const Cell&) = delete;
  Cell& operator=(const Cell&) = delete;

  void retain() noexcept {
    // relaxed: taking another reference needs no ordering; the caller already
    // holds one, so the cell cannot be freed under it.
    refs_.fetch_add(1, std::memory_order_relaxed);
  }
  // Takes a reference unless the count already reached zero (the cell is
  // being freed): how a table that does not keep its cells alive hands one
  // out (remote/remote_cells.cpp).
  bool try_retain() noexcept {
    // relaxed: as retain(); the failure load needs no order either, the
    // caller then makes a new cell and never touches this one.
    std::uint32_t n = refs_.load(std::memory_order_relaxed);
    while (n != 0) {
      if (refs_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  // The number of references, for a table that drops cells only it holds.
  // A snapshot: others may take or drop one right after.
  std::uint32_t use_count() const noexcept {
    // relaxed: a hint; the table re-checks on its next sweep.
    return refs_.load(std::memory_order_relaxed);
  }
  void release() noexcept {
    // acq_rel: release orders this holder's writes before the delete; acquire
    // (on the last release) makes every other holder's writes visible to it.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  CellKind kind() const noexcept { return kind_; }
  std::uint64_t id() const noexcept { return id_; }
  runtime::SyndicateCore* core() const noexcept { return core_; }

  bool has_flag(std::uint32_t f) const noexcept {
    // acquire: pairs with set_flag, so a reader that sees "stopped" also sees
    // what the stopper wrote before it.
    return (flags_.load(std::memory_order_acquire) & f) != 0;
  }
  // Returns the flags before the change.
  // acq_rel by default: publishes the setter's writes (release) and lets a
  // setter that loses a race see the winner's (acquire). seq_cst where the
  // flag is one half of a Dekker pair (STOPPED: runtime/actor/stop_board.hpp).
  std::uint32_t set_flag(std::uint32_t f, std::memory_order order = std::memory_order_acq_rel) noexcept {
    return flags_.fetch_or(f, order);
  }
  std::uint32_t flags() const noexcept {
    // acquire: as has_flag.
    return flags_.load(std::memory_order_acquire);
  }
  std::uint32_t clear_flag(std::uint32_t f) noexcept {
    // release: publishes the clearer's writes to the next thread that sets it.
    return flags_.fetch_and(~f, std::memory_order_release);
  }
  // Clears `f`; true for exactly one of the threads that race to take it.
  bool take_flag(std::uint32_t f) noexcept { return (clear_flag(f) & f) != 0; }

 protected:
  Cell(CellKind kind, runtime::SyndicateCore* core, std::uint64_t id) noexcept
      : kind_(kind), id_(id), core_(core) {}
  virtual ~Cell() = default;

  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint32_t> flags_{0};
  CellKind kind_;
  std::uint64_t id_;
  runtime::SyndicateCore* core_;
};

}  // namespace ensemble::detail
