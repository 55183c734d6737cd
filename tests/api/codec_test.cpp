// ensemble/codec.hpp through the shared library, as a user writes it: plain
// structs and standard containers cross by registered name; a type without
// a codec is refused by name; malformed bytes are refused, never trusted.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <ensemble/codec_aggregates.hpp>
#include <ensemble/ensemble.hpp>

using namespace ensemble;

namespace {

struct Point {
  double x;
  double y;
  friend bool operator==(const Point&, const Point&) = default;
};

enum class Side : std::uint8_t { buy, sell };

struct Order {
  std::string item;
  int quantity;
  Side side;
  std::optional<double> limit;
  std::vector<Point> path;
  std::map<std::string, std::variant<int, std::string>> tags;
  std::tuple<bool, std::int64_t> flags;
  ActorId owner;
  friend bool operator==(const Order&, const Order&) = default;
};

struct Unregistered {
  int x;
};

const bool order_registered = register_type<Order>("test.Order");
const bool point_registered = register_type<Point>("test.Point");

std::vector<std::uint8_t> encode(const Payload& p) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  encode_payload(p, w);
  return out;
}

Payload decode(const std::vector<std::uint8_t>& bytes) {
  ByteReader r(bytes);
  Payload p = decode_payload(r);
  CHECK(r.remaining() == 0);
  return p;
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  try {
    decode(bytes);
  } catch (const CodecError& e) {
    return e.what();
  }
  return "(decoded)";
}

}  // namespace

TEST_CASE("a registered aggregate crosses field by field") {
  REQUIRE(order_registered);
  REQUIRE(point_registered);
  Order o{"widget", 3, Side::sell, 9.5, {{1, 2}, {3, 4}}, {{"a", 1}, {"b", std::string("two")}}, {true, -7},
          ActorId(SyndicateId::from_name("shop"), "clerk")};
  const Payload back = decode(encode(Payload(o)));
  REQUIRE(back.is<Order>());
  CHECK(back.get<Order>() == o);
  CHECK(decode(encode(Payload(Point{0.5, -1}))).get<Point>() == Point{0.5, -1});
}

TEST_CASE("built-in types cross without registering") {
  CHECK(decode(encode(Payload(42))).get<int>() == 42);
  CHECK(decode(encode(Payload(std::string(16, 'x')))).get<std::string>() == std::string(16, 'x'));
  CHECK(decode(encode(Payload(-1.25))).get<double>() == -1.25);
  Value v(ValueMap{{"k", ValueArray{1, "two", ValueTuple{{nullptr, 2.5}}}},
                   {"big", BigInt{true, std::vector<std::uint8_t>(12, 0xee)}},
                   {"who", ActorRef{ActorId(SyndicateId::random(), "x")}}});
  CHECK(decode(encode(Payload(v))).get<Value>() == v);
}

TEST_CASE("a payload type without a codec is refused by name") {
  CHECK_FALSE(payload_has_codec(Payload(Unregistered{1})));
  CHECK(payload_has_codec(Payload(Order{})));
  try {
    encode(Payload(Unregistered{1}));
    FAIL("encoded a type without a codec");
  } catch (const CodecError& e) {
    const std::string what = e.what();
    CHECK(what.find("Unregistered") != std::string::npos);
    CHECK(what.find("has no codec") != std::string::npos);
  }
}

TEST_CASE("two types may not share a name, nor one type take two") {
  CHECK_THROWS_WITH_AS(register_type<Unregistered>("test.Order"), "register_type: \"test.Order\" is registered already",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(register_type<Point>("test.Point2"),
                       "register_type: this type is registered already as \"test.Point\"", InvalidArgument);
}

TEST_CASE("malformed bytes are refused with what and where") {
  std::vector<std::uint8_t> good = encode(Payload(Order{"w", 1, Side::buy, std::nullopt, {}, {}, {}, {}}));
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    std::vector<std::uint8_t> part(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    const std::string e = error_of(part);  // "truncated", or a length longer than what is left
    CHECK_MESSAGE(e.rfind("native codec: ", 0) == 0, "cut at ", cut, ": ", e);
  }
  std::vector<std::uint8_t> unknown = good;
  unknown[0] ^= 0xff;
  CHECK(error_of(unknown).find("unknown payload type") != std::string::npos);

  // int32 payload: the hash, then a zigzag varint too large for int.
  std::vector<std::uint8_t> wide = encode(Payload(1));
  wide.resize(8);
  ByteWriter(wide).zigzag(std::int64_t{1} << 40);
  CHECK(error_of(wide).find("out of its type's range") != std::string::npos);

  // A Value array that claims a billion items in four bytes.
  std::vector<std::uint8_t> claim = encode(Payload(Value(ValueArray{})));
  claim.resize(9);
  ByteWriter(claim).varint(1'000'000'000);
  CHECK(error_of(claim).find("a length longer than the bytes left") != std::string::npos);

  // 200 nested arrays.
  std::vector<std::uint8_t> deep = encode(Payload(Value(nullptr)));
  deep.resize(8);
  for (int i = 0; i < 200; ++i) {
    deep.push_back(static_cast<std::uint8_t>(ValueKind::array));
    deep.push_back(1);
  }
  deep.push_back(0);
  CHECK(error_of(deep).find("nested deeper than 128 levels") != std::string::npos);

  std::vector<std::uint8_t> overlong = encode(Payload(std::uint64_t{5}));
  overlong.resize(8);
  for (int i = 0; i < 10; ++i) overlong.push_back(0xff);
  overlong.push_back(0x01);
  CHECK(error_of(overlong).find("varint beyond 64 bits") != std::string::npos);
}
