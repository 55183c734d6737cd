// Internal: the sender of a run() request (ensemble/ask.hpp): spark's
// actor.run(payload), an ask with a forced reply.
//
// A run must return when the handler is done, even if the handler replies
// nothing (a void process()). Testing a "forced reply" flag on every message
// would cost the run loop's hot path; instead the request's sender is this
// token, a cell that forwards what is told to it (the reply) to the run's
// reply slot, and whose destructor delivers an empty reply. The request
// message holds the only reference to the token, so when the run loop frees
// the handled request, the token goes and the run gets its empty answer,
// unless a reply came first (the slot takes the first answer only). A
// handler that keeps m.sender() to answer later keeps the token alive, and
// the run waits for that answer, as it should.
#pragma once

#include <cstdint>

#include <ensemble/detail/cell.hpp>
#include <ensemble/payload.hpp>

#include "runtime/ask/reply_slot.hpp"

namespace ensemble::runtime {

class RunToken final : public detail::Cell {
 public:
  RunToken(SyndicateCore* core, std::uint64_t id, ReplySlot* slot) noexcept
      : Cell(detail::CellKind::run, core, id), slot_(slot) {
    slot_->retain();
  }
  ~RunToken() override {
    Payload nothing;
    slot_->deliver(nothing);  // false when the answer came first: fine
    slot_->release();
  }
  ReplySlot& slot() const noexcept { return *slot_; }

 private:
  ReplySlot* slot_;
};

// `c` is an ask's sender (a reply slot, or a run()'s token): the ask fails
// with `reason` (a text that lives for ever). Any other cell: nothing.
inline void reject_waiting_ask(detail::Cell* c, const char* reason) noexcept {
  if (c == nullptr) return;
  if (c->kind() == detail::CellKind::reply) {
    static_cast<ReplySlot*>(c)->reject(reason);
  } else if (c->kind() == detail::CellKind::run) {
    static_cast<RunToken*>(c)->slot().reject(reason);
  }
}

}  // namespace ensemble::runtime
