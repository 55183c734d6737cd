// ensemble's native envelope: every field round-trips; identities that are
// uuids take 16 bytes; bad envelopes are refused.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <ensemble/codec.hpp>

#include "wire/native/native_codec.hpp"

using namespace ensemble;
using namespace ensemble::wire;

namespace {

NativeEnvelope sample() {
  NativeEnvelope e;
  e.target = ActorId(SyndicateId::from_name("a"), "7bc44254-6d13-4c10-a15b-3e1313c06270");
  e.sender = ActorId(SyndicateId::from_name("b"), "not-a-uuid");
  e.payload = Payload(std::string("hello"));
  e.message_id = 1234567;
  e.correlation_id = 99;
  e.deadline = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1'764'000'000'123'456'789));
  e.headers.append("trace", Value("t-1"));
  e.trace_id = "3fb3b7d4-c1e2-4bc1-9bd6-f31595983d3e";
  return e;
}

std::string error_of(const std::vector<std::uint8_t>& b) {
  try {
    decode_native(b);
  } catch (const CodecError& e) {
    return e.what();
  }
  return "(decoded)";
}

}  // namespace

TEST_CASE("every field of a native envelope round-trips") {
  const NativeEnvelope e = sample();
  std::vector<std::uint8_t> out;
  encode_native(e, out);
  const NativeEnvelope back = decode_native(out);
  CHECK(back.target == e.target);
  CHECK(back.sender == e.sender);
  CHECK(back.payload.get<std::string>() == "hello");
  CHECK(back.message_id == e.message_id);
  CHECK(back.correlation_id == 99);
  CHECK(back.deadline == e.deadline);
  CHECK(back.headers == e.headers);
  CHECK(back.trace_id == e.trace_id);
}

TEST_CASE("a minimal envelope is small: uuids as 16 bytes, defaults as flags") {
  NativeEnvelope e;
  e.target = ActorId(SyndicateId::from_name("a"), "7bc44254-6d13-4c10-a15b-3e1313c06270");
  e.payload = Payload(7);
  e.message_id = 5;
  std::vector<std::uint8_t> out;
  encode_native(e, out);
  // version, flags, 2 x (form + 16), id, type hash (8), value.
  CHECK(out.size() == 1 + 1 + 34 + 1 + 8 + 1);
  const NativeEnvelope back = decode_native(out);
  CHECK(back.correlation_id == 5);  // the message id, as a message's own
  CHECK_FALSE(back.sender.has_value());
}

TEST_CASE("identities that are not canonical uuids travel as text, unchanged") {
  NativeEnvelope e;
  e.target = ActorId(SyndicateId("7BC44254-6D13-4C10-A15B-3E1313C06270"), "7bc44254-6d13-4c10-a15b-3e1313c0627g");
  e.sender = ActorId(SyndicateId("echo"), "7bc44254-6d13-4c10-a15b+3e1313c06270");
  e.payload = Payload(1);
  std::vector<std::uint8_t> out;
  encode_native(e, out);
  const NativeEnvelope back = decode_native(out);
  CHECK(back.target == e.target);
  CHECK(back.sender == e.sender);
  CHECK(out.size() == 1 + 1 + 2 * (2 + 36) + (2 + 4) + (2 + 36) + 1 + 8 + 1);
}

TEST_CASE("bad native envelopes are refused") {
  std::vector<std::uint8_t> good;
  encode_native(sample(), good);
  std::vector<std::uint8_t> v = good;
  v[0] = 2;
  CHECK(error_of(v) == "native codec: an envelope version other than 1 at byte 1");
  v = good;
  v[1] |= 0x80;
  CHECK(error_of(v) == "native codec: unknown envelope flags at byte 2");
  {  // a trace id flagged but empty: one form per envelope, as for the correlation id
    NativeEnvelope e;
    e.target = ActorId(SyndicateId::from_name("a"), "7bc44254-6d13-4c10-a15b-3e1313c06270");
    e.payload = Payload(7);
    e.message_id = 5;
    e.trace_id = "t";
    std::vector<std::uint8_t> flagged;
    encode_native(e, flagged);
    REQUIRE(flagged[1] == 16);
    flagged[1 + 1 + 34 + 1] = 0;  // version, flags, target, message id: the trace id's length
    flagged.erase(flagged.begin() + 1 + 1 + 34 + 1 + 1);  // and its one byte
    CHECK(error_of(flagged) == "native codec: an empty trace id flagged at byte 38");
  }
  {  // the correlation flag with a correlation id of 0: the fuzzer's find
    NativeEnvelope e = sample();
    e.headers = ValueMap();
    e.deadline.reset();
    e.sender.reset();
    e.message_id = 1;
    e.correlation_id = 2;
    std::vector<std::uint8_t> flagged;
    encode_native(e, flagged);
    flagged[1 + 1 + 34 + 1] = 0;  // version, flags, target, message id: the correlation id's byte
    CHECK(error_of(flagged) == "native codec: a correlation id flagged but 0 or equal to the message id at byte 38");
  }
  v = good;
  v.push_back(0);
  CHECK(error_of(v).find("trailing bytes") != std::string::npos);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    CHECK(error_of(std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut))) != "(decoded)");
  }
  NativeEnvelope no_codec = sample();
  struct Opaque {
    int x;
  };
  no_codec.payload = Payload(Opaque{1});
  std::vector<std::uint8_t> out;
  CHECK_THROWS_AS(encode_native(no_codec, out), CodecError);
}
