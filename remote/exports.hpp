// Internal (remote/): the local addresses that peers may name.
//
// A far peer names a local actor (or an endpoint, or an ask's reply slot) by
// its ActorId, whose actor part carries the cell's number
// (SyndicateCore::actor_uuid). The registry keeps no index by number (it
// would cost every creation), so the transport keeps one of what it sent
// out: each sender of an outgoing message, each published actor. An entry
// holds a reference; sweep() drops entries that nobody else holds any more
// (the actor stopped and was forgotten, the ask ended), so the table follows
// what the program still has. Published names end with their actor's stop.
// Thread safety: every member from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <ensemble/address.hpp>

namespace ensemble::remote {

class Exports {
 public:
  // Makes `a` (a local cell) reachable by its number.
  void add(const ActorAddress& a);
  // The local address numbered `number`, if exported.
  ActorAddress find(std::uint64_t number) const;
  // Drops the entry of a reply slot once its reply came (one-shot).
  void remove(std::uint64_t number);
  // Drops every entry only the table holds. Returns how many went.
  std::size_t sweep();

  void publish(const std::string& name, const ActorAddress& a);
  ActorAddress published(const std::string& name) const;
  // Names of a stopped actor end.
  void unpublish_actor(const detail::Cell* actor);

  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, ActorAddress> by_number_;  // [mutex_]
  std::map<std::string, ActorAddress> by_name_;                // [mutex_]
};

}  // namespace ensemble::remote
