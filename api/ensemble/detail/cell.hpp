// Internal (installed because ActorAddress and Actor need its layout): the
// common base of everything a message can be addressed to.
//
// A Cell is an actor, an external inbox (Syndicate::receive, endpoints) or the
// one-shot reply slot of an ask. It is reference counted: every ActorAddress
// holds one reference, a live actor holds one for the registry, and a stopped
// actor that gets scheduled to bounce late mail holds one while queued.
#pragma once

#include <atomic>
#include <cstdint>

#include <ensemble/detail/mailbox.hpp>

namespace ensemble {
class Syndicate;
}

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::detail {

struct Envelope;

enum class CellKind : std::uint8_t { actor, inbox, reply };

// Bits of Cell::flags_.
inline constexpr std::uint32_t flag_stop_requested = 1u << 0;  // stop asked; acted on by the token holder
inline constexpr std::uint32_t flag_stopped = 1u << 1;         // stop done; mail now bounces
inline constexpr std::uint32_t flag_started = 1u << 2;         // bound to a syndicate
inline constexpr std::uint32_t flag_side_lock = 1u << 3;       // guards the actor's side state (see Actor)

class Cell {
 public:
  Cell(const Cell&) = delete;
  Cell& operator=(const Cell&) = delete;

  void retain() noexcept {
    // relaxed: taking another reference needs no ordering; the caller already
    // holds one, so the cell cannot be freed under it.
    refs_.fetch_add(1, std::memory_order_relaxed);
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
  std::uint32_t set_flag(std::uint32_t f) noexcept {
    // acq_rel: publishes the setter's writes (release) and lets a setter that
    // loses a race see the winner's (acquire).
    return flags_.fetch_or(f, std::memory_order_acq_rel);
  }

  std::uint32_t clear_flag(std::uint32_t f) noexcept {
    // release: publishes the clearer's writes to the next thread that sets it.
    return flags_.fetch_and(~f, std::memory_order_release);
  }

  Mailbox& mailbox() noexcept { return mailbox_; }

 protected:
  explicit Cell(CellKind kind) noexcept : kind_(kind) {}
  virtual ~Cell() = default;

  friend class runtime::SyndicateCore;
  friend class ensemble::Syndicate;

  Mailbox mailbox_;
  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint32_t> flags_{0};
  CellKind kind_;
  std::uint64_t id_ = 0;
  runtime::SyndicateCore* core_ = nullptr;
};

}  // namespace ensemble::detail
