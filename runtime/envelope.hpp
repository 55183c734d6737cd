// Internal: a message on its way, as it sits in a mailbox. Envelopes come
// from the thread's envelope cache (delivery.cpp), not from the heap per tell.
#pragma once

#include <cstdint>

#include <ensemble/message.hpp>

#include "runtime/mailbox.hpp"

namespace ensemble::runtime {

struct Envelope : MailboxNode {
  explicit Envelope(Message&& m) noexcept : message(std::move(m)) {}
  Message message;
  std::uint32_t control = 0;  // runtime-internal signals (a stop nudge), 0 for user mail
};

}  // namespace ensemble::runtime
