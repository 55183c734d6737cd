// ensemble/address.hpp: ActorAddress, the handle you tell and ask.
//
// An address names an actor (or an inbox) of one syndicate. Copying it is cheap
// (one reference count increment) and it stays valid after the actor stops:
// telling a stopped actor gives a dead letter "target not found", never a crash.
// A default-constructed address is empty (spark's None) and compares false.
#pragma once

#include <ensemble/export.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include <ensemble/detail/cell.hpp>
#include <ensemble/identity.hpp>

namespace ensemble {

class ENSEMBLE_API ActorAddress {
 public:
  ActorAddress() noexcept = default;
  // Internal: takes a new reference to `cell`.
  explicit ActorAddress(detail::Cell* cell) noexcept : cell_(cell) {
    if (cell_ != nullptr) cell_->retain();
  }
  struct Adopt {};
  // Internal: adopts a reference the caller already holds.
  ActorAddress(detail::Cell* cell, Adopt) noexcept : cell_(cell) {}

  ActorAddress(const ActorAddress& other) noexcept : ActorAddress(other.cell_) {}
  ActorAddress(ActorAddress&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
  ActorAddress& operator=(const ActorAddress& other) noexcept {
    ActorAddress(other).swap(*this);
    return *this;
  }
  ActorAddress& operator=(ActorAddress&& other) noexcept {
    ActorAddress(std::move(other)).swap(*this);
    return *this;
  }
  ~ActorAddress() {
    if (cell_ != nullptr) cell_->release();
  }
  void swap(ActorAddress& other) noexcept { std::swap(cell_, other.cell_); }

  explicit operator bool() const noexcept { return cell_ != nullptr; }
  // Unique within the syndicate, never reused; 0 for an empty address.
  std::uint64_t id() const noexcept { return cell_ != nullptr ? cell_->id() : 0; }
  // spark's form: "ActorAddr-Actor(1a2b3c4d:000000000000002a)".
  std::string to_string() const;
  // The actor's identity on the wire (spark's ActorId): its syndicate's id
  // and a uuid derived from the actor's number when asked for, so an idle
  // actor stores no text. Empty for an empty address.
  ActorId actor_id() const;

  friend bool operator==(const ActorAddress& a, const ActorAddress& b) noexcept {
    return a.cell_ == b.cell_;
  }
  friend auto operator<=>(const ActorAddress& a, const ActorAddress& b) noexcept {
    return std::compare_three_way{}(a.cell_, b.cell_);
  }

  // Internal.
  detail::Cell* cell() const noexcept { return cell_; }
  detail::Cell* release_cell() noexcept { return std::exchange(cell_, nullptr); }

 private:
  detail::Cell* cell_ = nullptr;
};

inline std::string to_string(const ActorAddress& a) { return a.to_string(); }

}  // namespace ensemble

template <>
struct std::hash<ensemble::ActorAddress> {
  std::size_t operator()(const ensemble::ActorAddress& a) const noexcept {
    return std::hash<const void*>{}(a.cell());
  }
};
