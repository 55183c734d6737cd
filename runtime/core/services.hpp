// Internal: the parts of a syndicate that live above the runtime (io/'s
// event loop and fd watches, remote/'s transports) and must hear of two
// things the runtime does: an actor's stop (to drop what it owned) and the
// syndicate's shutdown (to close, flush and join their threads).
//
// A service is attached on first use under a key, once per syndicate, and
// owned by the core; it is destroyed with the core, after its shutdown().
// Concurrency: attach() and find() from any thread (a mutex; attach fails
// once the shutdown began); actor_stopped() from the thread stopping the
// actor; shutdown() once, from the thread running the shutdown, after every
// actor stopped and before the executors stop.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace ensemble::runtime {

class ActorCell;

class Service {
 public:
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  virtual ~Service() = default;
  // `actor` is stopping (its post_stop comes next). Must not block.
  virtual void actor_stopped(ActorCell& actor) noexcept = 0;
  virtual void shutdown() noexcept = 0;
};

class Services {
 public:
  static constexpr std::size_t capacity = 4;

  // The service under `key` (a string literal: compared by address and
  // text), made by `make` if there is none. Null once the shutdown began.
  Service* attach(const char* key, const std::function<std::unique_ptr<Service>()>& make);
  Service* find(const char* key) const;
  // Cheap on the stop path: one load when nothing was ever attached.
  void actor_stopped(ActorCell& actor) noexcept {
    // acquire: pairs with attach's release, so a service seen here is built.
    const std::size_t n = count_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) slots_[i].service->actor_stopped(actor);
  }
  // Closes attach() and shuts each service down, newest first.
  void shutdown() noexcept;

 private:
  struct Slot {
    const char* key = nullptr;
    std::unique_ptr<Service> service;
  };
  mutable std::mutex mutex_;
  std::array<Slot, capacity> slots_;
  std::atomic<std::size_t> count_{0};  // slots filled; written under mutex_
  bool closed_ = false;                // [mutex_]
};

class SyndicateCore;
// The services a configuration asks for from the start (the remote
// transport's listener): called once by the Syndicate's constructor. Defined
// above the runtime (remote/remote_door.cpp), the one place that knows them;
// the runtime links to it without including anything above itself.
void attach_configured_services(SyndicateCore& core);

}  // namespace ensemble::runtime
