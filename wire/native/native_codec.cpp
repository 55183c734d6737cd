// ensemble's native envelope (native_codec.hpp).
#include "wire/native/native_codec.hpp"

#include <ensemble/errors.hpp>

namespace ensemble::wire {

namespace {
constexpr std::uint8_t flag_sender = 1, flag_correlation = 2, flag_deadline = 4, flag_headers = 8, flag_trace = 16;
constexpr std::uint8_t known_flags = flag_sender | flag_correlation | flag_deadline | flag_headers | flag_trace;
}

void encode_native(const NativeEnvelope& e, std::vector<std::uint8_t>& out) {
  if (e.target.empty() || e.target.syndicate_id().empty()) throw CodecError("native envelope has no target");
  ByteWriter w(out);
  const bool correlation = e.correlation_id != 0 && e.correlation_id != e.message_id;
  std::uint8_t flags = 0;
  if (e.sender) flags |= flag_sender;
  if (correlation) flags |= flag_correlation;
  if (e.deadline) flags |= flag_deadline;
  if (!e.headers.empty()) flags |= flag_headers;
  if (!e.trace_id.empty()) flags |= flag_trace;
  w.u8(native_version);
  w.u8(flags);
  Codec<ActorId>::encode(w, e.target);
  if (e.sender) Codec<ActorId>::encode(w, *e.sender);
  w.varint(e.message_id);
  if (correlation) w.varint(e.correlation_id);
  if (e.deadline) {
    w.zigzag(std::chrono::duration_cast<std::chrono::nanoseconds>(e.deadline->time_since_epoch()).count());
  }
  if (!e.headers.empty()) Codec<Value>::encode(w, Value(e.headers));
  if (!e.trace_id.empty()) Codec<std::string>::encode(w, e.trace_id);
  encode_payload(e.payload, w);
}

NativeEnvelope decode_native(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  const std::uint8_t version = r.u8();
  if (version != native_version) r.fail("an envelope version other than 1");
  const std::uint8_t flags = r.u8();
  if ((flags & ~known_flags) != 0) r.fail("unknown envelope flags");
  NativeEnvelope e;
  e.target = Codec<ActorId>::decode(r);
  if (flags & flag_sender) e.sender = Codec<ActorId>::decode(r);
  e.message_id = r.varint();
  e.correlation_id = e.message_id;
  if (flags & flag_correlation) {
    // One form per envelope: the flag is set only for a correlation id of
    // its own (found by fuzzing: 0 here read back as "none").
    e.correlation_id = r.varint();
    if (e.correlation_id == 0 || e.correlation_id == e.message_id) {
      r.fail("a correlation id flagged but 0 or equal to the message id");
    }
  }
  if (flags & flag_deadline) {
    e.deadline = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.zigzag())));
  }
  if (flags & flag_headers) {
    Value h = Codec<Value>::decode(r);
    ValueMap* m = h.get_if<ValueMap>();
    if (m == nullptr || m->empty()) r.fail("envelope headers that are not a non-empty map");
    e.headers = std::move(*m);
  }
  if (flags & flag_trace) {
    e.trace_id = Codec<std::string>::decode(r);
    if (e.trace_id.empty()) r.fail("an empty trace id flagged");
  }
  e.payload = decode_payload(r);
  if (r.remaining() != 0) r.fail("trailing bytes after the envelope");
  return e;
}

}  // namespace ensemble::wire
