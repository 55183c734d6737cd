// tell(): the checks in spark's order, the envelope, the push, the wake-up.
#include <new>

#include <ensemble/codec.hpp>
#include <ensemble/detail/frame_alloc.hpp>

#include "runtime/base/atomics.hpp"
#include "runtime/memory/envelope_pool.hpp"
#include "runtime/ask/reply_slot.hpp"
#include "runtime/ask/run_token.hpp"
#include "runtime/actor/routing.hpp"
#include "runtime/actor/delivery.hpp"

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

namespace {

// Message ids: unique in the process without a shared counter. Each thread
// takes a 24-bit tag once and numbers its own messages below it.
std::atomic<std::uint64_t> next_thread_tag{1};
ENSEMBLE_HOT_TLS std::uint64_t message_base = 0;
ENSEMBLE_HOT_TLS std::uint64_t message_seq = 0;

std::uint64_t next_message_id() noexcept {
  if (message_base == 0) {
    // relaxed: only uniqueness matters.
    message_base = next_thread_tag.fetch_add(1, std::memory_order_relaxed) << 40;
  }
  return message_base | ++message_seq;
}

}  // namespace

Message Delivery::make_message(Payload content, ActorAddress sender) {
  Message m(std::move(content), std::move(sender));
  m.set_id(next_message_id());
  return m;
}

void Delivery::dead_letter(Message message, const ActorAddress& target, std::string reason) {
  dead_letters_.record(std::move(message), target, std::move(reason));
}

DeliveryResult Delivery::tell(const ActorAddress& target, Message message) {
  if (message.id() == 0) message.set_id(next_message_id());
  // `reason` points at storage that outlives the result (DeliveryResult's
  // rule): one of `reasons`, or a router's.
  auto fail = [&](std::string_view reason) {
    dead_letter(std::move(message), target, std::string(reason));
    return DeliveryResult{false, reason};
  };
  if (shut_down()) return fail(reasons::syndicate_shut_down);
  if (auto d = message.deadline(); d && Clock::now() > *d) return fail(reasons::expired);
  detail::Cell* cell = target.cell();
  if (cell == nullptr || cell->core() != &core_) return fail(reasons::not_found);

  switch (cell->kind()) {
    case detail::CellKind::actor: {
      auto* a = static_cast<ActorCell*>(cell);
      if (a->has_flag(detail::flag_stopped)) return fail(reasons::not_found);
      if (a->has_flag(detail::flag_process_proxy | detail::flag_in_worker)) [[unlikely]] {
        if (a->has_flag(detail::flag_in_worker)) {
          // acquire: pairs with the release store in set_remote_router.
          RemoteRouter* router = remote_router_.load(std::memory_order_acquire);
          if (router == nullptr) return fail(reasons::not_found);
          DeliveryResult r = router->route_to_stand_in(*a, message);
          return r.success ? r : fail(r.reason);
        }
        // Bound for a worker process: only bytes cross, so a payload with no
        // codec fails here, synchronously, by name (spark: "executor delivery
        // failed: ..."). The parent's run loop answers these two itself.
        if (!message.is<StatusRequest>() && !message.is<ActorExitRequest>() && !payload_has_codec(message.content())) {
          return fail(executor_no_codec_reason(message.content()));
        }
      }
      enqueue(a, new_envelope(std::move(message)));
      return {};
    }
    case detail::CellKind::inbox:
      // spark: an external inbox answers StatusRequest with SystemStatus itself.
      if (message.is<StatusRequest>() && message.sender()) {
        Message answer = make_message(core_.status(), target);
        answer.set_correlation_id(message.id());
        return tell(message.sender(), std::move(answer));
      }
      if (!static_cast<Inbox*>(cell)->deliver(message)) return fail(reasons::not_found);
      return {};
    case detail::CellKind::reply:
      if (!static_cast<ReplySlot*>(cell)->deliver(message)) return fail(reasons::not_found);
      return {};
    case detail::CellKind::run:
      if (!static_cast<RunToken*>(cell)->slot().deliver(message)) return fail(reasons::not_found);
      return {};
    case detail::CellKind::remote: {
      // acquire: pairs with the release store in set_remote_router.
      RemoteRouter* router = remote_router_.load(std::memory_order_acquire);
      if (router == nullptr) return fail(reasons::no_remote_transport);
      // What leaves the process is bytes: a payload type without a codec
      // fails here, by name, whatever the transport (ensemble/codec.hpp).
      if (!payload_has_codec(message.content())) return fail(no_codec_reason(message.content()));
      DeliveryResult r = router->route(*static_cast<RemoteCell*>(cell), message);
      return r.success ? r : fail(r.reason);
    }
  }
  return fail(reasons::not_found);
}

// Everything but a live local actor: the general path decides, in spark's
// order. Out of line so that the fast path below keeps a small frame.
DeliveryResult Delivery::tell_slow(const ActorAddress& target, Payload&& content,
                                        detail::Cell* sender) {
  return tell(target, make_message(std::move(content), ActorAddress(sender)));
}

DeliveryResult Delivery::tell(const ActorAddress& target, Payload&& content,
                                   detail::Cell* sender) {
  detail::Cell* cell = target.cell();
  if (cell == nullptr || cell->kind() != detail::CellKind::actor || cell->core() != &core_ ||
      shut_down() || cell->has_flag(detail::flag_stopped | detail::flag_process_proxy | detail::flag_in_worker))
      [[unlikely]] {
    return tell_slow(target, std::move(content), sender);
  }
  auto* a = static_cast<ActorCell*>(cell);
  // The message is built in place in its envelope: one payload move, one
  // reference for the sender.
  auto* e = ::new (take_envelope_block()) Envelope(std::move(content), sender, next_message_id());
  enqueue(a, e);
  return {};
}

}  // namespace ensemble::runtime

namespace ensemble {

// Here rather than in runtime/core/actor.cpp so that the compiler inlines the core's fast
// path into it: one call per tell instead of two.
DeliveryResult Actor::tell(Payload payload, const ActorAddress& target) {
  require_started("tell");
  return cell_->core()->delivery().tell(target, std::move(payload), cell_);
}

}  // namespace ensemble
