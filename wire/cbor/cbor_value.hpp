// Internal (wire/): spark's CBOR value mapping (../docs/wire.md), both ways.
//
// Writing follows cbor2's defaults byte for byte: definite lengths, the
// shortest integer heads, float64 for every float but NaN and the
// infinities (float16), map keys in insertion order. Tuples and identities
// become spark's marker maps ({"__spark_cbor_type__": "spark.tuple", ...}).
//
// Reading never trusts its input: libcbor's streaming decoder reads the
// item heads, and this reader builds the Value with limits on depth and on
// what a declared length may claim (never more than the bytes left), so it
// allocates at most a bounded multiple of its input. It rejects what spark
// rejects (tags other than the bignums 2 and 3, undefined, simple values,
// non-text map keys) plus duplicate keys, with a CodecError that names the
// place ("payload.items[2]").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <ensemble/value.hpp>

namespace ensemble::wire {

struct CborLimits {
  std::size_t max_depth = 128;  // nested arrays and maps
};

// Appends the CBOR of `v` to `out`.
void encode_cbor(const Value& v, std::vector<std::uint8_t>& out);
// The pieces of an envelope, written as the value writer writes them,
// without building a Value first: a map, a text, null, and spark's bare
// ActorId map {"system_uuid", "actor_id"}.
void encode_cbor(const ValueMap& m, std::vector<std::uint8_t>& out);
void encode_cbor_text(std::string_view s, std::vector<std::uint8_t>& out);
void encode_cbor_null(std::vector<std::uint8_t>& out);
void encode_cbor_actor_id_map(const ActorId& id, std::vector<std::uint8_t>& out);

// Reads exactly one item that fills `bytes`; throws CodecError otherwise.
// `where` names the item in error messages ("payload").
Value decode_cbor(std::span<const std::uint8_t> bytes, const char* where = "value", const CborLimits& limits = {});

// spark's bare ActorId map {"system_uuid": text, "actor_id": text} (the
// envelope's target and sender), both non-empty; extra keys are ignored.
std::optional<ActorId> actor_id_from_cbor_map(const Value& v);

// The spark marker maps, applied to a decoded map (decode_cbor does it for
// every map it reads): a marker map becomes the typed value; any other map
// is returned unchanged.
Value from_marker_map(ValueMap&& m, const char* where);

}  // namespace ensemble::wire
