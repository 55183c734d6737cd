// Internal (wire/): a message as it crosses a process boundary: spark's
// Envelope, field for field (../docs/wire.md). The codecs turn it into bytes
// and back; the transports (remote/, executors/) fill it from a Message and
// deliver what they decode.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/value.hpp>

namespace ensemble::wire {

struct WireEnvelope {
  ActorId target;                  // required
  Value payload;                   // null is a payload too
  std::string message_id;          // required, non-empty
  ValueMap headers;                // spark's metadata; may be empty
  std::optional<ActorId> sender;   // none: no reply goes anywhere
  // On the wire: ISO-8601 with a UTC offset (spark refuses a naive one).
  std::optional<std::chrono::system_clock::time_point> deadline;
  std::optional<std::string> correlation_id;  // spark: message_id when absent
  std::optional<std::string> trace_id;

  friend bool operator==(const WireEnvelope&, const WireEnvelope&) = default;
};

}  // namespace ensemble::wire
