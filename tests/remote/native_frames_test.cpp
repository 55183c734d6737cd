// The native protocol's framing: whole frames out of a byte stream however
// it is split, and refusals (wrong preamble, zero, over-long, unknown kind)
// before a body is buffered.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <ensemble/errors.hpp>

#include "remote/native/frames.hpp"

using namespace ensemble::remote::native;

namespace {

std::vector<std::uint8_t> stream_of(std::initializer_list<std::pair<std::uint8_t, std::string>> frames,
                                    bool with_preamble) {
  std::vector<std::uint8_t> out;
  if (with_preamble) out.assign(preamble, preamble + sizeof preamble);
  for (const auto& [k, body] : frames) {
    const std::size_t start = begin_frame(out, k);
    out.insert(out.end(), body.begin(), body.end());
    end_frame(out, start, default_max_frame);
  }
  return out;
}

std::vector<std::pair<std::uint8_t, std::string>> read_all(FrameReader& reader, const std::vector<std::uint8_t>& bytes,
                                                           std::size_t chunk) {
  std::vector<std::pair<std::uint8_t, std::string>> got;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    const std::size_t n = std::min(chunk, bytes.size() - i);
    reader.feed(std::span(bytes.data() + i, n));
    while (auto f = reader.next()) got.emplace_back(f->kind, std::string(f->body.begin(), f->body.end()));
  }
  return got;
}

}  // namespace

TEST_CASE("frames come out whole and in order however the stream is split") {
  const std::string big(70000, 'x');
  const auto bytes = stream_of({{kind::beat, ""}, {kind::message, "hello"}, {kind::lookup, big}}, true);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{4096}, bytes.size()}) {
    CAPTURE(chunk);
    FrameReader reader(default_max_frame, true);
    const auto got = read_all(reader, bytes, chunk);
    REQUIRE(got.size() == 3);
    CHECK(got[0] == std::pair<std::uint8_t, std::string>{kind::beat, ""});
    CHECK(got[1] == std::pair<std::uint8_t, std::string>{kind::message, "hello"});
    CHECK(got[2].first == kind::lookup);
    CHECK(got[2].second == big);
    CHECK(reader.buffered() == 0);
  }
  // The length counts the kind: 1 + body, big-endian.
  const auto one = stream_of({{kind::message, "ab"}}, false);
  CHECK(one == std::vector<std::uint8_t>{0, 0, 0, 3, 'M', 'a', 'b'});
}

TEST_CASE("a stream that does not start with ENSN is refused at the first wrong byte") {
  FrameReader reader(default_max_frame, true);
  CHECK_FALSE(reader.next().has_value());  // nothing yet (found by the fuzzer: UB on an empty buffer)
  reader.feed({});
  CHECK_FALSE(reader.next().has_value());
  const std::uint8_t ok[] = {'E', 'N'};
  reader.feed(ok);
  CHECK_FALSE(reader.next().has_value());
  const std::uint8_t bad[] = {'X'};
  reader.feed(bad);
  CHECK_THROWS_WITH_AS(reader.next(), doctest::Contains("does not start with \"ENSN\""), ensemble::CodecError);
  // spark's first bytes (a length, then SPCB) are not the native preamble.
  FrameReader spark(default_max_frame, true);
  const std::uint8_t spark_start[] = {0, 0, 1, 0x7a, 'S', 'P', 'C', 'B'};
  spark.feed(spark_start);
  CHECK_THROWS_AS(spark.next(), ensemble::CodecError);
}

TEST_CASE("an over-long, empty or unknown frame is refused from its header, before the body") {
  FrameReader reader(1024, false);
  const std::uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};  // 4 GiB announced
  reader.feed(huge);
  CHECK_THROWS_WITH_AS(reader.next(), doctest::Contains("4294967295 bytes, over the limit of 1024"),
                       ensemble::CodecError);
  CHECK(reader.buffered() == 4);  // nothing was reserved for the body

  FrameReader just_over(1024, false);
  const std::uint8_t over[] = {0, 0, 4, 1};
  just_over.feed(over);
  CHECK_THROWS_AS(just_over.next(), ensemble::CodecError);
  FrameReader at_limit(1024, false);
  const std::uint8_t limit[] = {0, 0, 4, 0, 'B'};
  at_limit.feed(limit);
  CHECK_FALSE(at_limit.next().has_value());  // 1024 is allowed: waits for the body

  FrameReader empty(1024, false);
  const std::uint8_t zero[] = {0, 0, 0, 0};
  empty.feed(zero);
  CHECK_THROWS_WITH_AS(empty.next(), doctest::Contains("length 0"), ensemble::CodecError);

  FrameReader unknown(1024, false);
  const std::uint8_t what[] = {0, 0, 3, 0, 'Z'};  // a 768-byte body that never needs to come
  unknown.feed(what);
  CHECK_THROWS_WITH_AS(unknown.next(), doctest::Contains("unknown frame kind 90"), ensemble::CodecError);
}

TEST_CASE("a frame over the limit is not written, and the buffer is left as it was") {
  std::vector<std::uint8_t> out{1, 2, 3};
  const std::size_t start = begin_frame(out, kind::message);
  out.resize(out.size() + 100);
  CHECK_THROWS_WITH_AS(end_frame(out, start, 64), doctest::Contains("101 bytes is over the limit of 64"),
                       ensemble::CodecError);
  CHECK(out == std::vector<std::uint8_t>{1, 2, 3});
}
