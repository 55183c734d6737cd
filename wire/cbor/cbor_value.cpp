// spark's CBOR value mapping: the writer (cbor2's defaults) and the reader
// (libcbor's streaming decoder, limits of our own). cbor_value.hpp says what
// each accepts.
#include "wire/cbor/cbor_value.hpp"

#include <cbor.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <ensemble/errors.hpp>

namespace ensemble::wire {

namespace {

constexpr std::string_view marker_key = "__spark_cbor_type__";

// ---------------------------------------------------------------- writing

template <class F>
void head(std::vector<std::uint8_t>& out, F&& encode) {
  unsigned char buf[9];
  const std::size_t n = encode(buf, sizeof buf);
  out.insert(out.end(), buf, buf + n);
}

void put_text(std::vector<std::uint8_t>& out, std::string_view s) {
  head(out, [&](unsigned char* b, std::size_t n) { return cbor_encode_string_start(s.size(), b, n); });
  out.insert(out.end(), s.begin(), s.end());
}

void put_bytes(std::vector<std::uint8_t>& out, const std::uint8_t* p, std::size_t size) {
  head(out, [&](unsigned char* b, std::size_t n) { return cbor_encode_bytestring_start(size, b, n); });
  out.insert(out.end(), p, p + size);
}

void put_map_head(std::vector<std::uint8_t>& out, std::size_t pairs) {
  head(out, [&](unsigned char* b, std::size_t n) { return cbor_encode_map_start(pairs, b, n); });
}

void put_id_map(std::vector<std::uint8_t>& out, const ActorId& id) {
  put_map_head(out, 2);
  put_text(out, "system_uuid");
  put_text(out, id.syndicate_id().uuid());
  put_text(out, "actor_id");
  put_text(out, id.actor_id());
}

void put_marker(std::vector<std::uint8_t>& out, std::string_view type) {
  put_map_head(out, 2);
  put_text(out, marker_key);
  put_text(out, type);
}

// Big-endian magnitude minus one (a negative bignum stores -1 - v).
std::vector<std::uint8_t> minus_one(std::vector<std::uint8_t> m) {
  for (std::size_t i = m.size(); i-- > 0;) {
    if (m[i] != 0) {
      --m[i];
      break;
    }
    m[i] = 0xff;
  }
  std::size_t first = 0;
  while (first < m.size() && m[first] == 0) ++first;
  m.erase(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(first));
  return m;
}

std::optional<std::uint64_t> fits_u64(const std::vector<std::uint8_t>& m) {
  if (m.size() > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (std::uint8_t b : m) v = (v << 8) | b;
  return v;
}

void put_big(std::vector<std::uint8_t>& out, const BigInt& b) {
  if (!b.negative) {
    if (auto v = fits_u64(b.magnitude)) {
      head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_uint(*v, p, n); });
      return;
    }
    head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_tag(2, p, n); });
    put_bytes(out, b.magnitude.data(), b.magnitude.size());
    return;
  }
  std::vector<std::uint8_t> n = minus_one(b.magnitude);
  if (auto v = fits_u64(n)) {
    head(out, [&](unsigned char* p, std::size_t len) { return cbor_encode_negint(*v, p, len); });
    return;
  }
  head(out, [&](unsigned char* p, std::size_t len) { return cbor_encode_tag(3, p, len); });
  put_bytes(out, n.data(), n.size());
}

void put_double(std::vector<std::uint8_t>& out, double d) {
  // cbor2's default: NaN and the infinities as float16, every other float as
  // float64 (even when a shorter form would be exact).
  if (std::isnan(d)) {
    out.insert(out.end(), {0xf9, 0x7e, 0x00});
  } else if (std::isinf(d)) {
    out.insert(out.end(), {0xf9, static_cast<std::uint8_t>(d > 0 ? 0x7c : 0xfc), 0x00});
  } else {
    head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_double(d, p, n); });
  }
}

struct Writer {
  std::vector<std::uint8_t>& out;

  void operator()(std::nullptr_t) const {
    head(out, [](unsigned char* p, std::size_t n) { return cbor_encode_null(p, n); });
  }
  void operator()(bool b) const {
    head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_bool(b, p, n); });
  }
  void operator()(std::int64_t v) const {
    if (v >= 0) {
      head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_uint(static_cast<std::uint64_t>(v), p, n); });
    } else {
      // -1 - v without overflow: ~v as unsigned.
      const auto m = ~static_cast<std::uint64_t>(v);
      head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_negint(m, p, n); });
    }
  }
  void operator()(const BigInt& b) const { put_big(out, b); }
  void operator()(double d) const { put_double(out, d); }
  void operator()(const std::string& s) const { put_text(out, s); }
  void operator()(const Bytes& b) const { put_bytes(out, b.data.data(), b.data.size()); }
  void operator()(const ValueArray& a) const {
    head(out, [&](unsigned char* p, std::size_t n) { return cbor_encode_array_start(a.size(), p, n); });
    for (const Value& v : a) v.visit(*this);
  }
  void operator()(const ValueMap& m) const {
    put_map_head(out, m.size());
    for (const auto& [k, v] : m) {
      put_text(out, k);
      v.visit(*this);
    }
  }
  void operator()(const ValueTuple& t) const {
    put_marker(out, "spark.tuple");
    put_text(out, "items");
    (*this)(t.items);
  }
  void operator()(const ActorRef& r) const {
    put_marker(out, "spark.actor_address");
    put_text(out, "value");
    put_id_map(out, r.id);
  }
  void operator()(const ActorId& id) const {
    put_marker(out, "spark.actor_id");
    put_text(out, "value");
    put_id_map(out, id);
  }
  void operator()(const SyndicateId& id) const {
    put_marker(out, "spark.syndicate_id");
    put_text(out, "uuid");
    put_text(out, id.uuid());
  }
};

// ---------------------------------------------------------------- reading

std::string describe(const Value& v) { return to_string(v.kind()); }

struct Frame {
  enum class Kind : std::uint8_t { array, map, text, bytes };
  Kind kind;
  bool indefinite;
  std::size_t remaining = 0;  // definite: items (array) or keys and values (map) still to come
  std::uint64_t tag = 0;      // bytes: a bignum tag (2 or 3) that applies to the whole string
  ValueArray array;
  ValueMap map;
  std::string key;
  bool have_key = false;
  std::string text;                 // indefinite text: its chunks
  std::vector<std::uint8_t> bytes;  // indefinite bytes: its chunks
};

class Reader {
 public:
  Reader(const char* where, const CborLimits& limits) : where_(where), limits_(limits) {}

  Value read(std::span<const std::uint8_t> in) {
    cbor_callbacks cb = callbacks();
    std::size_t off = 0;
    while (!failed_ && !root_) {
      if (off == in.size()) {
        fail("truncated: the input ends inside an item");
        break;
      }
      left_ = in.size() - off;
      const std::size_t calls = calls_;
      const cbor_decoder_result r = cbor_stream_decode(in.data() + off, in.size() - off, &cb, this);
      if (r.status == CBOR_DECODER_NEDATA) {
        fail("truncated: the input ends inside an item");
      } else if (r.status == CBOR_DECODER_ERROR) {
        fail("malformed CBOR at byte " + std::to_string(off));
      } else {
        if (calls_ == calls && !failed_) fail("unsupported CBOR simple value at byte " + std::to_string(off));
        off += r.read;
      }
    }
    if (!failed_ && off != in.size()) fail("trailing bytes after the item (" + std::to_string(in.size() - off) + ")");
    if (failed_) throw CodecError(error_);
    return std::move(*root_);
  }

 private:
  // --- the callbacks (C calls them: nothing may throw through) ---
  template <auto Method, class... A>
  static void call(void* self, A... a) noexcept {
    auto* r = static_cast<Reader*>(self);
    ++r->calls_;
    if (r->failed_) return;
    try {
      (r->*Method)(a...);
    } catch (const CodecError& e) {
      r->fail_raw(e.what());
    } catch (const std::exception& e) {
      r->fail(e.what());
    }
  }
  static cbor_callbacks callbacks() {
    cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = [](void* s, std::uint8_t v) { call<&Reader::on_uint>(s, std::uint64_t{v}); };
    cb.uint16 = [](void* s, std::uint16_t v) { call<&Reader::on_uint>(s, std::uint64_t{v}); };
    cb.uint32 = [](void* s, std::uint32_t v) { call<&Reader::on_uint>(s, std::uint64_t{v}); };
    cb.uint64 = [](void* s, std::uint64_t v) { call<&Reader::on_uint>(s, v); };
    cb.negint8 = [](void* s, std::uint8_t v) { call<&Reader::on_negint>(s, std::uint64_t{v}); };
    cb.negint16 = [](void* s, std::uint16_t v) { call<&Reader::on_negint>(s, std::uint64_t{v}); };
    cb.negint32 = [](void* s, std::uint32_t v) { call<&Reader::on_negint>(s, std::uint64_t{v}); };
    cb.negint64 = [](void* s, std::uint64_t v) { call<&Reader::on_negint>(s, v); };
    cb.byte_string = [](void* s, cbor_data d, std::size_t n) { call<&Reader::on_bytes>(s, d, n); };
    cb.byte_string_start = [](void* s) { call<&Reader::on_bytes_start>(s); };
    cb.string = [](void* s, cbor_data d, std::size_t n) { call<&Reader::on_text>(s, d, n); };
    cb.string_start = [](void* s) { call<&Reader::on_text_start>(s); };
    cb.array_start = [](void* s, std::size_t n) { call<&Reader::on_array>(s, n); };
    cb.indef_array_start = [](void* s) { call<&Reader::on_indef>(s, Frame::Kind::array); };
    cb.map_start = [](void* s, std::size_t n) { call<&Reader::on_map>(s, n); };
    cb.indef_map_start = [](void* s) { call<&Reader::on_indef>(s, Frame::Kind::map); };
    cb.tag = [](void* s, std::uint64_t t) { call<&Reader::on_tag>(s, t); };
    cb.float2 = [](void* s, float f) { call<&Reader::on_double>(s, static_cast<double>(f)); };
    cb.float4 = [](void* s, float f) { call<&Reader::on_double>(s, static_cast<double>(f)); };
    cb.float8 = [](void* s, double d) { call<&Reader::on_double>(s, d); };
    cb.undefined = [](void* s) { call<&Reader::on_undefined>(s); };
    cb.null = [](void* s) { call<&Reader::on_null>(s); };
    cb.boolean = [](void* s, bool b) { call<&Reader::on_bool>(s, b); };
    cb.indef_break = [](void* s) { call<&Reader::on_break>(s); };
    return cb;
  }

  void no_tag() {
    if (tag_) {
      const std::uint64_t t = *tag_;
      tag_.reset();
      fail("unsupported CBOR tag " + std::to_string(t) + " (only bignums, tags 2 and 3, are accepted)");
    }
  }
  void on_uint(std::uint64_t v) {
    no_tag();
    deliver(Value(v));
  }
  void on_negint(std::uint64_t n) {  // the value is -1 - n
    no_tag();
    if (n <= static_cast<std::uint64_t>(INT64_MAX)) {
      deliver(Value(-1 - static_cast<std::int64_t>(n)));
      return;
    }
    // Beyond int64: the same arithmetic as a tag-3 bignum holding n.
    std::vector<std::uint8_t> be(8);
    for (int i = 0; i < 8; ++i) be[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
    deliver(bignum(true, std::move(be)));
  }
  void on_double(double d) {
    no_tag();
    deliver(Value(d));
  }
  void on_null() {
    no_tag();
    deliver(Value(nullptr));
  }
  void on_bool(bool b) {
    no_tag();
    deliver(Value(b));
  }
  void on_undefined() {
    no_tag();
    fail("CBOR undefined is not a value");
  }
  void on_tag(std::uint64_t t) {
    if (tag_) fail("nested CBOR tags");
    tag_ = t;
  }
  void on_text(cbor_data d, std::size_t n) {
    no_tag();
    if (!is_valid_utf8(std::string_view(reinterpret_cast<const char*>(d), n))) return fail("text is not valid UTF-8");
    if (!stack_.empty() && stack_.back().kind == Frame::Kind::text) {
      stack_.back().text.append(reinterpret_cast<const char*>(d), n);
      return;
    }
    deliver(Value(std::string(reinterpret_cast<const char*>(d), n)));
  }
  void on_bytes(cbor_data d, std::size_t n) {
    if (!stack_.empty() && stack_.back().kind == Frame::Kind::bytes) {
      no_tag();
      stack_.back().bytes.insert(stack_.back().bytes.end(), d, d + n);
      return;
    }
    if (tag_ && (*tag_ == 2 || *tag_ == 3)) {
      const bool negative = *tag_ == 3;
      tag_.reset();
      deliver(bignum(negative, std::vector<std::uint8_t>(d, d + n)));
      return;
    }
    no_tag();
    deliver(Value(Bytes(d, n)));
  }
  void on_text_start() {
    no_tag();
    open(Frame::Kind::text, true, 0);
  }
  void on_bytes_start() {
    std::uint64_t t = 0;
    if (tag_ && (*tag_ == 2 || *tag_ == 3)) {
      t = *tag_;
      tag_.reset();
    }
    no_tag();
    open(Frame::Kind::bytes, true, 0);
    if (!failed_) stack_.back().tag = t;
  }
  void on_array(std::size_t n) {
    no_tag();
    if (n > left_) return fail("an array of " + std::to_string(n) + " items in " + std::to_string(left_) + " bytes");
    if (n == 0) return deliver(Value(ValueArray{}));
    open(Frame::Kind::array, false, n);
    if (!failed_) stack_.back().array.reserve(n);
  }
  void on_map(std::size_t n) {
    no_tag();
    if (n > left_ / 2) return fail("a map of " + std::to_string(n) + " entries in " + std::to_string(left_) + " bytes");
    if (n == 0) return deliver(Value(ValueMap{}));
    open(Frame::Kind::map, false, 2 * n);
    if (!failed_) stack_.back().map.reserve(n);
  }
  void on_indef(Frame::Kind kind) {
    no_tag();
    open(kind, true, 0);
  }
  void on_break() {
    no_tag();
    if (stack_.empty() || !stack_.back().indefinite) return fail("a CBOR break outside an indefinite item");
    if (stack_.back().kind == Frame::Kind::map && stack_.back().have_key) {
      return fail("the map ends after a key, without its value");
    }
    close_top();
  }

  // --- building ---
  void open(Frame::Kind kind, bool indefinite, std::size_t remaining) {
    if (!stack_.empty() && (stack_.back().kind == Frame::Kind::text || stack_.back().kind == Frame::Kind::bytes)) {
      return fail("an indefinite string holds something other than chunks of its own type");
    }
    if (stack_.size() >= limits_.max_depth) {
      return fail("nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    Frame& f = stack_.emplace_back();
    f.kind = kind;
    f.indefinite = indefinite;
    f.remaining = remaining;
  }

  Value bignum(bool negative, std::vector<std::uint8_t> n) {
    // Tag 2 holds v; tag 3 holds -1 - v, so the magnitude is n + 1.
    if (negative) {
      std::size_t i = n.size();
      while (i > 0 && n[i - 1] == 0xff) n[--i] = 0;
      if (i == 0) {
        n.insert(n.begin(), 1);
      } else {
        ++n[i - 1];
      }
    }
    return Value(BigInt{negative, std::move(n)});
  }

  void deliver(Value v) {
    if (failed_) return;
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    switch (f.kind) {
      case Frame::Kind::array:
        f.array.push_back(std::move(v));
        break;
      case Frame::Kind::map:
        if (!f.have_key) {
          std::string* k = v.get_if<std::string>();
          if (k == nullptr) return fail("a map key is " + describe(v) + ", not text");
          f.key = std::move(*k);
          f.have_key = true;
        } else {
          f.map.append(std::move(f.key), std::move(v));
          f.key.clear();
          f.have_key = false;
        }
        break;
      case Frame::Kind::text:
      case Frame::Kind::bytes:
        return fail("an indefinite string holds something other than chunks of its own type");
    }
    if (!f.indefinite && --f.remaining == 0) close_top();
  }

  void close_top() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    switch (f.kind) {
      case Frame::Kind::array:
        deliver(Value(std::move(f.array)));
        return;
      case Frame::Kind::map: {
        if (const std::string* dup = f.map.duplicate_key()) {
          const std::string key = *dup;
          stack_.push_back(std::move(f));  // so the path names the map
          return fail("duplicate map key \"" + key + "\"");
        }
        const std::string where = path();
        deliver(from_marker_map(std::move(f.map), where.c_str()));
        return;
      }
      case Frame::Kind::text:
        deliver(Value(std::move(f.text)));
        return;
      case Frame::Kind::bytes:
        if (f.tag != 0) {
          deliver(bignum(f.tag == 3, std::move(f.bytes)));
        } else {
          deliver(Value(Bytes(std::move(f.bytes))));
        }
        return;
    }
  }

  std::string path() const {
    std::string p = where_;
    for (const Frame& f : stack_) {
      if (f.kind == Frame::Kind::array) {
        p += "[" + std::to_string(f.array.size()) + "]";
      } else if (f.kind == Frame::Kind::map && f.have_key) {
        p += "." + f.key;
      }
    }
    return p;
  }
  void fail(const std::string& what) {
    if (failed_) return;
    fail_raw(path() + ": " + what);
  }
  void fail_raw(const std::string& message) {
    if (failed_) return;
    failed_ = true;
    error_ = message;
  }

  const char* where_;
  CborLimits limits_;
  std::vector<Frame> stack_;
  std::optional<Value> root_;
  std::optional<std::uint64_t> tag_;
  std::size_t left_ = 0;
  std::size_t calls_ = 0;
  bool failed_ = false;
  std::string error_;
};

std::optional<ActorId> id_from_map(const Value* v) {
  const ValueMap* m = v != nullptr ? v->get_if<ValueMap>() : nullptr;
  if (m == nullptr) return std::nullopt;
  const Value* s = m->find("system_uuid");
  const Value* a = m->find("actor_id");
  const std::string* st = s != nullptr ? s->get_if<std::string>() : nullptr;
  const std::string* at = a != nullptr ? a->get_if<std::string>() : nullptr;
  if (st == nullptr || at == nullptr || st->empty() || at->empty()) return std::nullopt;
  return ActorId(SyndicateId(*st), *at);
}

}  // namespace

void encode_cbor(const Value& v, std::vector<std::uint8_t>& out) { v.visit(Writer{out}); }
void encode_cbor(const ValueMap& m, std::vector<std::uint8_t>& out) { Writer{out}(m); }
void encode_cbor_text(std::string_view s, std::vector<std::uint8_t>& out) { put_text(out, s); }
void encode_cbor_null(std::vector<std::uint8_t>& out) { Writer{out}(nullptr); }
void encode_cbor_actor_id_map(const ActorId& id, std::vector<std::uint8_t>& out) { put_id_map(out, id); }

Value decode_cbor(std::span<const std::uint8_t> bytes, const char* where, const CborLimits& limits) {
  return Reader(where, limits).read(bytes);
}

std::optional<ActorId> actor_id_from_cbor_map(const Value& v) { return id_from_map(&v); }

Value from_marker_map(ValueMap&& m, const char* where) {
  const Value* marker = m.find(marker_key);
  const std::string* type = marker != nullptr ? marker->get_if<std::string>() : nullptr;
  if (type == nullptr) return Value(std::move(m));
  auto bad = [&](const char* what) { return CodecError(std::string(where) + ": " + *type + " " + what); };
  if (*type == "spark.tuple") {
    Value* items = m.find("items");
    if (items == nullptr || !items->is<ValueArray>()) throw bad("without an items array");
    return Value(ValueTuple{std::move(items->get<ValueArray>())});
  }
  if (*type == "spark.actor_address" || *type == "spark.actor_id") {
    std::optional<ActorId> id = id_from_map(m.find("value"));
    if (!id) throw bad("without a value {system_uuid, actor_id} of non-empty text");
    if (*type == "spark.actor_id") return Value(std::move(*id));
    return Value(ActorRef{std::move(*id)});
  }
  if (*type == "spark.syndicate_id") {
    const Value* u = m.find("uuid");
    const std::string* text = u != nullptr ? u->get_if<std::string>() : nullptr;
    if (text == nullptr || text->empty()) throw bad("without a uuid of non-empty text");
    return Value(SyndicateId(*text));
  }
  return Value(std::move(m));  // not one of spark's markers: a plain map, marker key included
}

}  // namespace ensemble::wire
