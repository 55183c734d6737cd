// Internal (wire/): spark's CBOR envelope and TCP framing, byte-compatible
// with spark's cbor2 codec at the seed's commit (docs/wire.md, and
// ../shared/reference/spark-wire.md sections 2 and 3).
//
//   frame = N (uint32, big-endian) || body,  N = body size <= 64 MiB
//   body  = "SPCB" || version (uint16, big-endian, 1) || CBOR map
//
// The map's nine keys are written in spark's order: type, target, payload,
// message_id, headers, sender, deadline, correlation_id, trace_id. Reading
// applies spark's rules (cbor_value.hpp for values): "type" must be
// "spark.envelope"; target, payload, message_id and headers are required;
// every text present must be non-empty; a deadline must carry a UTC offset;
// a missing correlation_id becomes the message_id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "wire/envelope.hpp"

namespace ensemble::wire {

inline constexpr std::size_t spark_max_frame = 64 * 1024 * 1024;  // spark's _MAX_FRAME_SIZE
inline constexpr char spark_cbor_magic[4] = {'S', 'P', 'C', 'B'};
inline constexpr std::uint16_t spark_codec_version = 1;

std::vector<std::uint8_t> encode_spark_body(const WireEnvelope& e);
WireEnvelope decode_spark_body(std::span<const std::uint8_t> body);

// The body with its 4-byte length in front: what one spark connection carries.
std::vector<std::uint8_t> encode_spark_frame(const WireEnvelope& e);
// The length a frame's first 4 bytes announce; throws CodecError above
// spark_max_frame, so a reader refuses before allocating.
std::size_t spark_frame_length(std::span<const std::uint8_t, 4> prefix);
// A whole frame: the length must match the bytes that follow exactly.
WireEnvelope decode_spark_frame(std::span<const std::uint8_t> frame);

// spark's deadline text: datetime.isoformat() of an aware datetime, in UTC
// ("2026-12-02T11:00:00.250000+00:00"; no fraction when it is zero).
std::string format_deadline(std::chrono::system_clock::time_point t);
// Accepts Python's isoformat forms with an offset (+HH:MM, +HH:MM:SS, Z);
// throws CodecError for a naive or malformed time.
std::chrono::system_clock::time_point parse_deadline(std::string_view text);

}  // namespace ensemble::wire
