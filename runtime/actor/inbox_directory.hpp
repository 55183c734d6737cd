// Internal: a syndicate's open private inboxes (endpoints), so that the
// shutdown can close every one and diagnostics can count them. The system
// inbox is not listed: the core owns it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

#include <ensemble/address.hpp>

#include "runtime/actor/inbox.hpp"

namespace ensemble::runtime {

class InboxDirectory {
 public:
  // Lists a new inbox; after close_all() it is closed at once instead, so
  // its receive() returns immediately.
  void add(const ActorAddress& address) {
    std::lock_guard lock(mutex_);
    if (closed_) {
      static_cast<Inbox*>(address.cell())->close();
    } else {
      open_.push_back(address);
    }
  }
  // Closes one inbox (its Endpoint went away) and forgets it.
  void close(const ActorAddress& address) {
    static_cast<Inbox*>(address.cell())->close();
    std::lock_guard lock(mutex_);
    std::erase(open_, address);
  }
  void close_all() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (ActorAddress& in : open_) static_cast<Inbox*>(in.cell())->close();
    open_.clear();
  }
  std::size_t open_count() const {
    std::lock_guard lock(mutex_);
    return open_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ActorAddress> open_;  // [mutex_]
  bool closed_ = false;             // [mutex_]
};

}  // namespace ensemble::runtime
