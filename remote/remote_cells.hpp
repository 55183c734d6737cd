// Internal (remote/): the local stand-ins of actors of other syndicates.
//
// A remote actor's address is an ActorAddress whose cell is a RemoteActorCell
// (runtime/actor/routing.hpp): telling it goes to the remote router, and its
// text and actor_id() are the far actor's. Addresses compare by cell, so the
// same far actor must always get the same cell while anyone holds one: the
// cells are interned here by ActorId. The table does not keep them alive (a
// program that stops talking to an actor frees its cell): a lookup takes a
// reference only if the count is not already zero (Cell::try_retain), and a
// dying cell erases its entry if the entry is still itself. The table lives
// as long as its last cell (each holds it by shared_ptr).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include <ensemble/address.hpp>
#include <ensemble/identity.hpp>

#include "runtime/actor/routing.hpp"

namespace ensemble::remote {

class RemoteCells {
 public:
  explicit RemoteCells(runtime::SyndicateCore& core);

  // The one address of `id` (an actor of another syndicate). Any thread.
  ActorAddress address_of(const ActorId& id);
  // Live remote cells, for the tests of the table itself.
  std::size_t size() const;

  struct Table;  // shared with the cells (remote_cells.cpp)

 private:
  runtime::SyndicateCore& core_;
  std::shared_ptr<Table> table_;
};

}  // namespace ensemble::remote
