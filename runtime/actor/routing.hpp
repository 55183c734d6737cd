// Internal: the routing step's open place for actors of other syndicates.
//
// tell() routes by the target cell's kind: a local actor's mailbox, an
// inbox, an ask's reply slot, or a remote cell. A remote cell is this
// syndicate's local stand-in for an actor that lives in another syndicate
// (another process or machine); its core is this syndicate's, so the usual
// "same syndicate" check holds, and the message goes to the RemoteRouter that
// the remote layer (remote/, a later layer) registers with the core. With no
// router, the tell fails with reasons::no_remote_transport and a dead letter:
// never a silent drop.
#pragma once

#include <cstdint>

#include <ensemble/detail/cell.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/message.hpp>
#include <ensemble/messages.hpp>

namespace ensemble::runtime {

class ActorCell;

class RemoteCell : public detail::Cell {
 public:
  // The actor it stands for, in another syndicate; null for a stand-in
  // numbered like this syndicate's own actors (a worker process's handles on
  // its parent's addresses), whose text and id are then this syndicate's.
  virtual const ActorId* remote_id() const noexcept { return nullptr; }

 protected:
  RemoteCell(SyndicateCore* core, std::uint64_t id) noexcept
      : Cell(detail::CellKind::remote, core, id) {}
};

class RemoteRouter {
 public:
  RemoteRouter() = default;
  RemoteRouter(const RemoteRouter&) = delete;
  RemoteRouter& operator=(const RemoteRouter&) = delete;
  virtual ~RemoteRouter() = default;
  // Takes the message on its way to `to`, from any thread; must not block.
  // A failure is returned (the core records the dead letter with its reason).
  virtual DeliveryResult route(RemoteCell& to, Message& message) noexcept = 0;
  // In a worker process (Execution::process): a tell to the worker's own
  // actor (flag_in_worker), which goes back to its stand-in in the parent, so
  // that the actor's one mailbox stays the parent's.
  virtual DeliveryResult route_to_stand_in(ActorCell& /*actor*/, Message& /*message*/) noexcept {
    return {false, reasons::not_found};
  }
};

// "executor delivery failed: payload type X has no codec ..." (spark's
// prefix), one text per type, kept until exit (runtime/core/codec.cpp).
const char* executor_no_codec_reason(const Payload& p);

}  // namespace ensemble::runtime
