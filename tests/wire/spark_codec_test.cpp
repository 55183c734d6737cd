// spark's CBOR envelope: the captured frames decode to what spark sent and
// re-encode to the same bytes; the value mapping matches cbor2 byte for byte;
// every kind of bad input is refused with a message that says what and where.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "tests/wire/spark_frames.hpp"
#include "wire/cbor/cbor_value.hpp"
#include "wire/spark/spark_codec.hpp"

using namespace ensemble;
using namespace ensemble::wire;

namespace {

std::string hex(const std::vector<std::uint8_t>& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t c : b) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 0xf]);
  }
  return s;
}

std::string cbor_hex(const Value& v) {
  std::vector<std::uint8_t> out;
  encode_cbor(v, out);
  return hex(out);
}

// CBOR text of up to 23 bytes, or up to 255 (head 0x78), as hex.
std::string text_hex(std::string_view s) {
  std::vector<std::uint8_t> b;
  if (s.size() < 24) {
    b.push_back(static_cast<std::uint8_t>(0x60 + s.size()));
  } else {
    b.push_back(0x78);
    b.push_back(static_cast<std::uint8_t>(s.size()));
  }
  b.insert(b.end(), s.begin(), s.end());
  return hex(b);
}

Value decode_hex(std::string_view h) {
  std::vector<std::uint8_t> b = spark_frames::bytes(h);
  return decode_cbor(b);
}

std::string decode_error(std::string_view h) {
  std::vector<std::uint8_t> b = spark_frames::bytes(h);
  try {
    decode_cbor(b, "payload");
  } catch (const CodecError& e) {
    return e.what();
  }
  return "(decoded)";
}

std::string body_error(const std::vector<std::uint8_t>& body) {
  try {
    decode_spark_body(body);
  } catch (const CodecError& e) {
    return e.what();
  }
  return "(decoded)";
}

const SyndicateId server = SyndicateId::from_name("spark-peer-server");
const SyndicateId client = SyndicateId::from_name("spark-peer-client");

}  // namespace

TEST_CASE("uuid5 syndicate ids are spark's") {
  CHECK(server.uuid() == "98482603-34d4-5c0f-9cc6-eb3b6b38d1e3");
  CHECK(client.uuid() == "faef7e9a-8622-54eb-b3b3-712b32a05463");
  CHECK(server.to_string() == "System(98482603)");
  CHECK(ActorId(server, "7bc44254-6d13-4c10-a15b-3e1313c06270").to_string() == "Actor(98482603:7bc44254)");
  const SyndicateId r = SyndicateId::random();
  CHECK(r.uuid().size() == 36);
  CHECK(r.uuid()[14] == '4');
  CHECK(r != SyndicateId::random());
}

TEST_CASE("the captured request decodes to what spark sent and re-encodes to the same bytes") {
  const std::vector<std::uint8_t> frame = spark_frames::bytes(spark_frames::request_hex);
  const WireEnvelope e = decode_spark_frame(frame);
  CHECK(e.target == ActorId(server, "7bc44254-6d13-4c10-a15b-3e1313c06270"));
  CHECK(e.payload == Value("hello"));
  CHECK(e.message_id == "6b677246-57a6-4d29-803e-498e3e0f03a9");
  CHECK(e.headers.empty());
  REQUIRE(e.sender.has_value());
  CHECK(*e.sender == ActorId(client, "c0b18c5b-e18a-4a8f-b019-5522d5dbe70b"));
  CHECK_FALSE(e.deadline.has_value());
  CHECK(e.correlation_id == std::optional<std::string>("6b677246-57a6-4d29-803e-498e3e0f03a9"));
  CHECK(e.trace_id == std::optional<std::string>("3fb3b7d4-c1e2-4bc1-9bd6-f31595983d3e"));
  CHECK(hex(encode_spark_frame(e)) == spark_frames::request_hex);
}

TEST_CASE("the captured reply decodes and re-encodes to the same bytes") {
  const std::vector<std::uint8_t> frame = spark_frames::bytes(spark_frames::reply_hex);
  const WireEnvelope e = decode_spark_frame(frame);
  CHECK(e.target == ActorId(client, "c0b18c5b-e18a-4a8f-b019-5522d5dbe70b"));
  CHECK(e.payload == Value("echo:hello"));
  CHECK(e.message_id == "c2af08f8-48ae-4f38-96c5-8c1a94a6d83d");
  CHECK(e.correlation_id == std::optional<std::string>(e.message_id));
  CHECK(*e.sender == ActorId(server, "7bc44254-6d13-4c10-a15b-3e1313c06270"));
  CHECK(hex(encode_spark_frame(e)) == spark_frames::reply_hex);
}

TEST_CASE("the value mapping writes what cbor2 writes (spark-wire.md's example)") {
  ValueMap payload;
  payload.append("i", Value(1));
  payload.append("neg", Value(-2));
  payload.append("f", Value(1.5));
  payload.append("raw", Value(Bytes(std::vector<std::uint8_t>{1, 2})));
  payload.append("pair", Value(ValueTuple{{Value("left"), Value(2)}}));
  payload.append("addr", Value(ActorRef{ActorId(server, "00000000-0000-4000-8000-000000000001")}));
  const std::string marker = text_hex("__spark_cbor_type__");
  const std::string expected =
      "a6" + text_hex("i") + "01" + text_hex("neg") + "21" + text_hex("f") + "fb3ff8000000000000" +
      text_hex("raw") + "420102" + text_hex("pair") + "a2" + marker + text_hex("spark.tuple") +
      text_hex("items") + "82" + text_hex("left") + "02" + text_hex("addr") + "a2" + marker +
      text_hex("spark.actor_address") + text_hex("value") + "a2" + text_hex("system_uuid") +
      text_hex(server.uuid()) + text_hex("actor_id") + text_hex("00000000-0000-4000-8000-000000000001");
  CHECK(cbor_hex(Value(payload)) == expected);
  CHECK(decode_hex(expected) == Value(payload));
}

TEST_CASE("scalars take cbor2's shortest forms; NaN and the infinities are float16") {
  CHECK(cbor_hex(Value(nullptr)) == "f6");
  CHECK(cbor_hex(Value(true)) == "f5");
  CHECK(cbor_hex(Value(false)) == "f4");
  CHECK(cbor_hex(Value(0)) == "00");
  CHECK(cbor_hex(Value(23)) == "17");
  CHECK(cbor_hex(Value(24)) == "1818");
  CHECK(cbor_hex(Value(1000)) == "1903e8");
  CHECK(cbor_hex(Value(-1)) == "20");
  CHECK(cbor_hex(Value(-1000)) == "3903e7");
  CHECK(cbor_hex(Value(std::numeric_limits<std::int64_t>::min())) == "3b7fffffffffffffff");
  CHECK(cbor_hex(Value(std::numeric_limits<std::uint64_t>::max())) == "1bffffffffffffffff");
  CHECK(cbor_hex(Value(0.0)) == "fb0000000000000000");
  CHECK(cbor_hex(Value(std::nan(""))) == "f97e00");
  CHECK(cbor_hex(Value(std::numeric_limits<double>::infinity())) == "f97c00");
  CHECK(cbor_hex(Value(-std::numeric_limits<double>::infinity())) == "f9fc00");
  CHECK(cbor_hex(Value(Bytes())) == "40");
  CHECK(cbor_hex(Value(ValueArray{})) == "80");
  CHECK(cbor_hex(Value(ValueMap{})) == "a0");
}

TEST_CASE("integers beyond 64 bits are bignums both ways; one number has one form") {
  // 2^64: tag 2 over 01 00..00; -2^64 - 1: tag 3 over 2^64.
  const Value two64 = decode_hex("c249010000000000000000");
  REQUIRE(two64.is<BigInt>());
  CHECK(two64.get<BigInt>().magnitude == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(cbor_hex(two64) == "c249010000000000000000");
  const Value neg = decode_hex("c349010000000000000000");
  CHECK(neg.get<BigInt>().negative);
  CHECK(neg.get<BigInt>().magnitude == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(cbor_hex(neg) == "c349010000000000000000");
  // -2^64 fits CBOR's major type 1: a BigInt in memory, a plain head on the wire.
  const Value min = decode_hex("3bffffffffffffffff");
  CHECK(min.get<BigInt>().magnitude == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(cbor_hex(min) == "3bffffffffffffffff");
  // A bignum tag over a small number normalises to an integer.
  CHECK(decode_hex("c24105") == Value(5));
  CHECK(Value(BigInt{true, {0, 0, 7}}) == Value(-7));
}

TEST_CASE("every kind round-trips, nested") {
  ValueMap inner;
  inner.append("id", Value(ActorId(server, "echo")));
  inner.append("syn", Value(client));
  inner.append("list", Value(ValueArray{Value(1), Value("two"), Value(3.25), Value(nullptr)}));
  inner.append("big", Value(BigInt{false, std::vector<std::uint8_t>(25, 0xab)}));
  const Value v(ValueArray{Value(std::move(inner)), Value(ValueTuple{}), Value(Bytes("\0\1\2", 3)),
                           Value(std::string("caf\xc3\xa9"))});
  std::vector<std::uint8_t> out;
  encode_cbor(v, out);
  CHECK(decode_cbor(out) == v);
}

TEST_CASE("a map with an unknown marker is a plain map, marker included") {
  ValueMap m;
  m.append("__spark_cbor_type__", Value("something.else"));
  m.append("x", Value(1));
  std::vector<std::uint8_t> out;
  encode_cbor(Value(m), out);
  CHECK(decode_cbor(out) == Value(m));
}

TEST_CASE("bad values are refused with what and where") {
  CHECK(decode_error("c1fb41d8000000000000") == "payload: unsupported CBOR tag 1 (only bignums, tags 2 and 3, are accepted)");
  CHECK(decode_error("a1616182f701") == "payload.a[0]: CBOR undefined is not a value");
  CHECK(decode_error("a10102") == "payload: a map key is int, not text");
  CHECK(decode_error("a2616101616102") == "payload: duplicate map key \"a\"");
  CHECK(decode_error("62c328") == "payload: text is not valid UTF-8");
  CHECK(decode_error("830102") == "payload[2]: truncated: the input ends inside an item");
  CHECK(decode_error("8301") == "payload: an array of 3 items in 2 bytes");
  CHECK(decode_error("0101") == "payload: trailing bytes after the item (1)");
  CHECK(decode_error("9b00000000ffffffff00") == "payload: an array of 4294967295 items in 10 bytes");
  CHECK(decode_error("e5") == "payload: malformed CBOR at byte 0");  // a simple value: libcbor refuses it
  CHECK(decode_error("a2" + text_hex("__spark_cbor_type__") + text_hex("spark.tuple") + text_hex("items") + "01") ==
        "payload: spark.tuple without an items array");
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "81";
  deep += "01";
  CHECK(decode_error(deep).find("nested deeper than 128 levels") != std::string::npos);
}

TEST_CASE("bad envelopes are refused with the field's name") {
  const std::vector<std::uint8_t> good = spark_frames::bytes(spark_frames::request_hex);
  const std::vector<std::uint8_t> body(good.begin() + 4, good.end());
  auto with = [&](const char* key, const Value& value) {
    Value root = decode_cbor(std::span(body).subspan(6));
    root.get<ValueMap>().set(key, value);
    std::vector<std::uint8_t> out{'S', 'P', 'C', 'B', 0, 1};
    encode_cbor(root, out);
    return body_error(out);
  };
  CHECK(with("type", Value("spark.other")) == "envelope field \"type\" is not \"spark.envelope\"");
  CHECK(with("message_id", Value("")) == "envelope field \"message_id\" is empty text");
  CHECK(with("message_id", Value(7)) == "envelope field \"message_id\" is int, not text");
  CHECK(with("target", Value(nullptr)) == "envelope field \"target\" is missing");
  CHECK(with("headers", Value(ValueArray{})) == "envelope field \"headers\" is array, not a map");
  CHECK(with("deadline", Value("2026-12-02T11:00:00")) ==
        "envelope field \"deadline\" has no UTC offset (a naive time): 2026-12-02T11:00:00");
  CHECK(with("deadline", Value("tomorrow")).find("is not an ISO-8601 time") != std::string::npos);

  std::vector<std::uint8_t> pickle = body;
  std::memcpy(pickle.data(), "SPRK", 4);
  CHECK(body_error(pickle) == "spark frame uses the pickle codec (SPRK), which ensemble does not read");
  std::vector<std::uint8_t> v2 = body;
  v2[5] = 2;
  CHECK(body_error(v2) == "spark frame has codec version 2, not 1");
  CHECK(body_error({'S', 'P'}) == "spark frame too short (2 bytes)");
  const std::uint8_t huge[4] = {0x04, 0x00, 0x00, 0x01};
  CHECK_THROWS_WITH_AS(spark_frame_length(std::span<const std::uint8_t, 4>(huge)),
                       "spark frame announces 67108865 bytes, above 64 MiB", CodecError);
}

TEST_CASE("optional fields: null or missing take spark's defaults") {
  const std::vector<std::uint8_t> frame = spark_frames::bytes(spark_frames::request_hex);
  const std::vector<std::uint8_t> body(frame.begin() + 4, frame.end());
  Value root = decode_cbor(std::span(body).subspan(6));
  ValueMap& m = root.get<ValueMap>();
  m.set("correlation_id", Value(nullptr));
  m.set("trace_id", Value(nullptr));
  m.set("sender", Value(nullptr));
  std::vector<std::uint8_t> out{'S', 'P', 'C', 'B', 0, 1};
  encode_cbor(root, out);
  WireEnvelope e = decode_spark_body(out);
  CHECK(e.correlation_id == std::optional<std::string>(e.message_id));  // spark: message_id when absent
  CHECK_FALSE(e.trace_id.has_value());
  CHECK_FALSE(e.sender.has_value());

  ValueMap without;
  for (const auto& [k, v] : m) {
    if (k != "correlation_id" && k != "trace_id" && k != "sender" && k != "deadline") without.append(k, v);
  }
  out.resize(6);
  encode_cbor(Value(without), out);
  e = decode_spark_body(out);
  CHECK(e.correlation_id == std::optional<std::string>(e.message_id));
  CHECK_FALSE(e.deadline.has_value());
}

TEST_CASE("deadlines travel as isoformat text with an offset") {
  using namespace std::chrono;
  const auto t = sys_days{year{2026} / 12 / 2} + hours{11} + minutes{5} + seconds{7} + microseconds{250000};
  CHECK(format_deadline(t) == "2026-12-02T11:05:07.250000+00:00");
  CHECK(format_deadline(sys_days{year{2026} / 1 / 1}) == "2026-01-01T00:00:00+00:00");
  CHECK(parse_deadline("2026-12-02T11:05:07.250000+00:00") == t);
  CHECK(parse_deadline("2026-12-02T13:05:07.25+02:00") == t);
  CHECK(parse_deadline("2026-12-02T11:05:07.250Z") == t);
  CHECK_THROWS_WITH_AS(parse_deadline("0001-01-01T00:00:00+01:00"),
                       "envelope field \"deadline\" is outside years 1 to 9999: 0001-01-01T00:00:00+01:00", CodecError);
  WireEnvelope e;
  e.target = ActorId(server, "a");
  e.message_id = "m";
  e.deadline = time_point_cast<system_clock::duration>(t);
  const WireEnvelope back = decode_spark_frame(encode_spark_frame(e));
  CHECK(back.deadline == e.deadline);
  CHECK(back.correlation_id == std::optional<std::string>("m"));
}
