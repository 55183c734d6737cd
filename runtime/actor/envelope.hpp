// Internal: a message on its way, as it sits in a mailbox. Envelopes come
// from the thread's envelope cache (delivery.cpp), not from the heap per tell.
#pragma once

#include <cstdint>

#include <ensemble/message.hpp>

#include "runtime/actor/mailbox.hpp"

namespace ensemble::runtime {

struct Envelope : MailboxNode {
  explicit Envelope(Message&& m) noexcept : message(std::move(m)) {}
  // The tell fast path: the message built in place (one move of the content),
  // with a new reference to `sender`.
  Envelope(Payload&& content, detail::Cell* sender, std::uint64_t id) noexcept
      : message(std::move(content), ActorAddress(sender), id) {}
  Message message;
  std::uint32_t control = 0;  // runtime-internal signals (a stop nudge), 0 for user mail
};

}  // namespace ensemble::runtime
