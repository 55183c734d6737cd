// Internal: an inbox read by plain threads (the system inbox behind
// Syndicate::receive, and endpoints).
//
// External threads block on it, so it is a mutex, a condition variable and a
// deque: the hot path of the runtime is actor-to-actor, not this.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include <ensemble/detail/cell.hpp>
#include <ensemble/message.hpp>

namespace ensemble::runtime {

class Inbox final : public detail::Cell {
 public:
  Inbox(SyndicateCore* core, std::uint64_t id) noexcept : Cell(detail::CellKind::inbox, core, id) {}
  // False once closed (the caller turns the message into a dead letter).
  bool deliver(Message& m);
  // nullopt on time-out or once closed and empty.
  std::optional<Message> receive(std::chrono::nanoseconds timeout);
  // Wakes every receiver; later deliveries fail.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Message> queue_;
  bool closed_ = false;
};

}  // namespace ensemble::runtime
