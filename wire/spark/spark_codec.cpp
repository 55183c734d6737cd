// spark's CBOR envelope and framing (spark_codec.hpp).
#include "wire/spark/spark_codec.hpp"

#include <cbor.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <ensemble/errors.hpp>

#include "wire/cbor/cbor_value.hpp"

namespace ensemble::wire {

namespace {

using namespace std::chrono;

void put_text(std::vector<std::uint8_t>& out, std::string_view s) { encode_cbor_text(s, out); }

void put_optional_text(std::vector<std::uint8_t>& out, const std::optional<std::string>& s) {
  if (s) {
    encode_cbor_text(*s, out);
  } else {
    encode_cbor_null(out);
  }
}

CodecError field_error(std::string_view field, std::string_view what) {
  return CodecError("envelope field \"" + std::string(field) + "\" " + std::string(what));
}

// spark's _require_str: present and not null means non-empty text.
const std::string* optional_text(const ValueMap& m, std::string_view field) {
  const Value* v = m.find(field);
  if (v == nullptr || v->is_null()) return nullptr;
  const std::string* s = v->get_if<std::string>();
  if (s == nullptr) throw field_error(field, std::string("is ") + to_string(v->kind()) + ", not text");
  if (s->empty()) throw field_error(field, "is empty text");
  return s;
}

const std::string& required_text(const ValueMap& m, std::string_view field) {
  if (const std::string* s = optional_text(m, field)) return *s;
  throw field_error(field, "is missing");
}

ActorId required_id(const ValueMap& m, std::string_view field) {
  const Value* v = m.find(field);
  if (v == nullptr || v->is_null()) throw field_error(field, "is missing");
  std::optional<ActorId> id = actor_id_from_cbor_map(*v);
  if (!id) throw field_error(field, "is not a {system_uuid, actor_id} map of non-empty text");
  return std::move(*id);
}

int digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) throw CodecError("envelope field \"deadline\" is not an ISO-8601 time: " + std::string(s));
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      throw CodecError("envelope field \"deadline\" is not an ISO-8601 time: " + std::string(s));
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string format_deadline(system_clock::time_point t) {
  const auto us = time_point_cast<microseconds>(t);
  const auto day = floor<days>(us);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> tod{us - day};
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                        static_cast<int>(tod.seconds().count()));
  if (tod.subseconds().count() != 0) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%06lld",
                       static_cast<long long>(tod.subseconds().count()));
  }
  std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "+00:00");
  return buf;
}

system_clock::time_point parse_deadline(std::string_view s) {
  // YYYY-MM-DD[T ]HH:MM[:SS[.f{1,6}]](Z|[+-]HH:MM[:SS[.ffffff]])
  const int y = digits(s, 0, 4);
  if (s.size() < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') {
    throw CodecError("envelope field \"deadline\" is not an ISO-8601 time: " + std::string(s));
  }
  const int mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2);
  std::size_t at = 16;
  int sec = 0;
  long long us = 0;
  if (at < s.size() && s[at] == ':') {
    sec = digits(s, at + 1, 2);
    at += 3;
    if (at < s.size() && s[at] == '.') {
      std::size_t n = 0;
      ++at;
      while (at + n < s.size() && s[at + n] >= '0' && s[at + n] <= '9') ++n;
      if (n == 0 || n > 6) throw CodecError("envelope field \"deadline\" has a bad fraction: " + std::string(s));
      us = digits(s, at, n);
      for (std::size_t k = n; k < 6; ++k) us *= 10;
      at += n;
    }
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) {
    throw CodecError("envelope field \"deadline\" is not a valid time: " + std::string(s));
  }
  if (at == s.size()) throw CodecError("envelope field \"deadline\" has no UTC offset (a naive time): " + std::string(s));
  seconds offset{0};
  if (s[at] == 'Z' && at + 1 == s.size()) {
    // UTC
  } else if ((s[at] == '+' || s[at] == '-') && at + 6 <= s.size() && s[at + 3] == ':') {
    const int oh = digits(s, at + 1, 2), om = digits(s, at + 4, 2);
    int os = 0;
    std::size_t end = at + 6;
    if (end < s.size() && s[end] == ':') {
      os = digits(s, end + 1, 2);
      end += 3;
    }
    if (end != s.size() || oh > 23 || om > 59 || os > 59) {
      throw CodecError("envelope field \"deadline\" has a bad UTC offset: " + std::string(s));
    }
    offset = hours{oh} + minutes{om} + seconds{os};
    if (s[at] == '-') offset = -offset;
  } else {
    throw CodecError("envelope field \"deadline\" has a bad UTC offset: " + std::string(s));
  }
  const auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{us};
  const auto utc = local - offset;
  // Python's datetime holds years 1 to 9999; so must the UTC time we would
  // write back.
  const year_month_day utc_day{floor<days>(utc)};
  if (y < 1 || utc_day.year() < year{1} || utc_day.year() > year{9999}) {
    throw CodecError("envelope field \"deadline\" is outside years 1 to 9999: " + std::string(s));
  }
  return time_point_cast<system_clock::duration>(utc);
}

std::vector<std::uint8_t> encode_spark_body(const WireEnvelope& e) {
  if (e.target.empty() || e.target.syndicate_id().empty()) throw CodecError("envelope has no target");
  if (e.message_id.empty()) throw CodecError("envelope has no message_id");
  std::vector<std::uint8_t> out;
  out.reserve(256);
  out.insert(out.end(), spark_cbor_magic, spark_cbor_magic + 4);
  out.push_back(static_cast<std::uint8_t>(spark_codec_version >> 8));
  out.push_back(static_cast<std::uint8_t>(spark_codec_version & 0xff));
  unsigned char buf[9];
  const std::size_t n = cbor_encode_map_start(9, buf, sizeof buf);
  out.insert(out.end(), buf, buf + n);
  put_text(out, "type");
  put_text(out, "spark.envelope");
  put_text(out, "target");
  encode_cbor_actor_id_map(e.target, out);
  put_text(out, "payload");
  encode_cbor(e.payload, out);
  put_text(out, "message_id");
  put_text(out, e.message_id);
  put_text(out, "headers");
  encode_cbor(e.headers, out);
  put_text(out, "sender");
  if (e.sender) {
    encode_cbor_actor_id_map(*e.sender, out);
  } else {
    encode_cbor_null(out);
  }
  put_text(out, "deadline");
  put_optional_text(out, e.deadline ? std::optional<std::string>(format_deadline(*e.deadline)) : std::nullopt);
  put_text(out, "correlation_id");
  put_text(out, e.correlation_id ? *e.correlation_id : e.message_id);
  put_text(out, "trace_id");
  put_optional_text(out, e.trace_id);
  return out;
}

WireEnvelope decode_spark_body(std::span<const std::uint8_t> body) {
  if (body.size() < 6) throw CodecError("spark frame too short (" + std::to_string(body.size()) + " bytes)");
  if (std::memcmp(body.data(), spark_cbor_magic, 4) != 0) {
    throw CodecError(std::memcmp(body.data(), "SPRK", 4) == 0
                         ? "spark frame uses the pickle codec (SPRK), which ensemble does not read"
                         : "spark frame has a wrong magic (not SPCB)");
  }
  const unsigned version = (unsigned{body[4]} << 8) | body[5];
  if (version != spark_codec_version) {
    throw CodecError("spark frame has codec version " + std::to_string(version) + ", not 1");
  }
  Value root = decode_cbor(body.subspan(6), "envelope");
  ValueMap* m = root.get_if<ValueMap>();
  if (m == nullptr) throw CodecError(std::string("envelope is ") + to_string(root.kind()) + ", not a map");
  const Value* type = m->find("type");
  const std::string* type_text = type != nullptr ? type->get_if<std::string>() : nullptr;
  if (type_text == nullptr || *type_text != "spark.envelope") {
    throw CodecError("envelope field \"type\" is not \"spark.envelope\"");
  }
  WireEnvelope e;
  e.target = required_id(*m, "target");
  Value* payload = m->find("payload");
  if (payload == nullptr) throw field_error("payload", "is missing");
  e.payload = std::move(*payload);
  e.message_id = required_text(*m, "message_id");
  Value* headers = m->find("headers");
  if (headers == nullptr) throw field_error("headers", "is missing");
  ValueMap* h = headers->get_if<ValueMap>();
  if (h == nullptr) throw field_error("headers", std::string("is ") + to_string(headers->kind()) + ", not a map");
  e.headers = std::move(*h);
  if (const Value* s = m->find("sender"); s != nullptr && !s->is_null()) e.sender = required_id(*m, "sender");
  if (const std::string* d = optional_text(*m, "deadline")) e.deadline = parse_deadline(*d);
  const std::string* corr = optional_text(*m, "correlation_id");
  e.correlation_id = corr != nullptr ? *corr : e.message_id;
  if (const std::string* t = optional_text(*m, "trace_id")) e.trace_id = *t;
  return e;
}

std::vector<std::uint8_t> encode_spark_frame(const WireEnvelope& e) {
  std::vector<std::uint8_t> body = encode_spark_body(e);
  if (body.size() > spark_max_frame) throw CodecError("spark frame of " + std::to_string(body.size()) + " bytes is above 64 MiB");
  std::vector<std::uint8_t> frame(4 + body.size());
  const auto n = static_cast<std::uint32_t>(body.size());
  frame[0] = static_cast<std::uint8_t>(n >> 24);
  frame[1] = static_cast<std::uint8_t>(n >> 16);
  frame[2] = static_cast<std::uint8_t>(n >> 8);
  frame[3] = static_cast<std::uint8_t>(n);
  std::memcpy(frame.data() + 4, body.data(), body.size());
  return frame;
}

std::size_t spark_frame_length(std::span<const std::uint8_t, 4> p) {
  const std::size_t n = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
  if (n > spark_max_frame) throw CodecError("spark frame announces " + std::to_string(n) + " bytes, above 64 MiB");
  return n;
}

WireEnvelope decode_spark_frame(std::span<const std::uint8_t> frame) {
  if (frame.size() < 4) throw CodecError("spark frame too short for its length prefix");
  const std::size_t n = spark_frame_length(frame.first<4>());
  if (frame.size() - 4 != n) {
    throw CodecError("spark frame announces " + std::to_string(n) + " bytes but carries " +
                     std::to_string(frame.size() - 4));
  }
  return decode_spark_body(frame.subspan(4));
}

}  // namespace ensemble::wire
