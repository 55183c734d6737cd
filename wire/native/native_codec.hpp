// Internal (wire/): ensemble's own envelope, for ensemble-to-ensemble links
// (process workers, remote peers). Compact and fast; not self-describing:
// both ends run ensemble with the same registered payload types
// (ensemble/codec.hpp).
//
//   version (u8, 1) | flags (u8) | target ActorId | [sender ActorId]
//   | message id (varint) | [correlation id (varint)] | [deadline (zigzag ns
//   since the Unix epoch)] | [headers (a Value map)] | [trace id (text)]
//   | payload (type hash + value)
// flags: 1 sender, 2 correlation id differs from the message id, 4 deadline,
// 8 headers, 16 trace id. Identities that are canonical uuids travel as 16 bytes.
//
// Reading refuses (CodecError) a wrong version, unknown flags, a truncated or
// over-long item, an unknown payload type and trailing bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <ensemble/codec.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/value.hpp>

namespace ensemble::wire {

inline constexpr std::uint8_t native_version = 1;

struct NativeEnvelope {
  ActorId target;
  std::optional<ActorId> sender;
  Payload payload;
  std::uint64_t message_id = 0;
  std::uint64_t correlation_id = 0;  // 0: the message id
  std::optional<std::chrono::system_clock::time_point> deadline;
  ValueMap headers;
  std::string trace_id;  // empty: none
};

// Appends the envelope to `out`. Throws CodecError when the payload's type
// has no registered codec (naming the type).
void encode_native(const NativeEnvelope& e, std::vector<std::uint8_t>& out);
NativeEnvelope decode_native(std::span<const std::uint8_t> bytes);

}  // namespace ensemble::wire
