// ensemble/codec.hpp: the registry of payload types, the payload frame
// (name hash + value), and the native codecs of identities and Value.
#include <ensemble/codec.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <cstdio>
#include <memory>
#include <mutex>
#include <atomic>
#include <string>
#include <unordered_map>

#include <ensemble/errors.hpp>
#include <ensemble/messages.hpp>

#include "runtime/base/address_codec.hpp"
#include "runtime/base/hex_swar.hpp"

namespace ensemble {

static_assert(std::endian::native == std::endian::little,
              "ByteWriter::f64 and the payload hash are written in the host's order: little-endian only");

void ByteReader::fail(const char* what) const {
  throw CodecError(std::string("native codec: ") + what + " at byte " + std::to_string(offset()));
}

namespace {

std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The registry: written at registration (usually before main), read on
// every encode and decode. Readers take no lock: they load the current
// tables (acquire, pairing with the release that published them) and look
// up. A registration copies the tables under the mutex, adds the type and
// publishes the copy; old tables are kept until exit, because a reader may
// still be looking at them (registrations are few). Entries are never
// removed, so a pointer found stays valid.
class Registry {
 public:
  static Registry& instance() {
    static Registry r;
    return r;
  }
  void add(detail::TypeCodec c) {
    std::lock_guard lock(mutex_);
    c.name_hash = fnv1a64(c.name);
    if (c.name.empty()) throw InvalidArgument("register_type: the name is empty");
    const Tables& now = *tables_.back();
    if (auto it = now.by_hash.find(c.name_hash); it != now.by_hash.end()) {
      throw InvalidArgument(it->second->name == c.name
                                ? "register_type: \"" + c.name + "\" is registered already"
                                : "register_type: \"" + c.name + "\" has the same hash as \"" + it->second->name +
                                      "\"; choose another name");
    }
    if (auto it = now.by_ops.find(c.ops); it != now.by_ops.end()) {
      throw InvalidArgument("register_type: this type is registered already as \"" + it->second->name + "\"");
    }
    auto next = std::make_unique<Tables>(now);
    auto* entry = entries_.emplace_back(std::make_unique<detail::TypeCodec>(std::move(c))).get();
    next->by_hash.emplace(entry->name_hash, entry);
    next->by_ops.emplace(entry->ops, entry);
    current_.store(next.get(), std::memory_order_release);  // readers see the entry complete
    tables_.push_back(std::move(next));
  }
  const detail::TypeCodec* by_ops(const detail::PayloadOps* ops) const noexcept {
    const Tables* t = current_.load(std::memory_order_acquire);  // pairs with the release in add()
    auto it = t->by_ops.find(ops);
    return it == t->by_ops.end() ? nullptr : it->second;
  }
  const detail::TypeCodec* by_hash(std::uint64_t h) const noexcept {
    const Tables* t = current_.load(std::memory_order_acquire);  // as above
    auto it = t->by_hash.find(h);
    return it == t->by_hash.end() ? nullptr : it->second;
  }

 private:
  struct Tables {
    std::unordered_map<std::uint64_t, const detail::TypeCodec*> by_hash;
    std::unordered_map<const detail::PayloadOps*, const detail::TypeCodec*> by_ops;
  };
  Registry();
  std::mutex mutex_;  // registrations
  std::vector<std::unique_ptr<detail::TypeCodec>> entries_;
  std::vector<std::unique_ptr<Tables>> tables_;  // every version published, the newest last
  std::atomic<const Tables*> current_{nullptr};
};

template <class T>
void add_builtin(Registry& r, const char* name) {
  detail::TypeCodec c;
  c.name = name;
  c.ops = detail::ops_of<T>();
  c.type_name = []() noexcept { return typeid(T).name(); };
  c.encode = [](const Payload& p, ByteWriter& w) { Codec<T>::encode(w, p.get<T>()); };
  c.decode = [](ByteReader& rd) { return Payload(Codec<T>::decode(rd)); };
  r.add(std::move(c));
}

// The types every ensemble process can exchange without registering them.
Registry::Registry() {
  tables_.push_back(std::make_unique<Tables>());
  current_.store(tables_.back().get(), std::memory_order_release);
  add_builtin<Value>(*this, "ensemble.Value");
  add_builtin<std::string>(*this, "ensemble.string");
  add_builtin<bool>(*this, "ensemble.bool");
  add_builtin<int>(*this, "ensemble.int32");
  add_builtin<long>(*this, "ensemble.int64");
  add_builtin<long long>(*this, "ensemble.longlong");
  add_builtin<unsigned>(*this, "ensemble.uint32");
  add_builtin<unsigned long>(*this, "ensemble.uint64");
  add_builtin<double>(*this, "ensemble.float64");
  add_builtin<Bytes>(*this, "ensemble.Bytes");
  add_builtin<ActorId>(*this, "ensemble.ActorId");
  add_builtin<SyndicateId>(*this, "ensemble.SyndicateId");
  add_builtin<ActorRef>(*this, "ensemble.ActorRef");
}

// --- identities: a canonical lower-case uuid as 16 bytes, anything else as text ---

// Lower-case hex only: the canonical form is what goes out as 16 bytes, so
// that the text comes back byte for byte.
bool parse_uuid(std::string_view s, unsigned char (&out)[16]) noexcept {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  // The 32 digits without the dashes, eight at a time (runtime/base/hex_swar.hpp).
  char d[32];
  std::memcpy(d, s.data(), 8);
  std::memcpy(d + 8, s.data() + 9, 4);
  std::memcpy(d + 12, s.data() + 14, 4);
  std::memcpy(d + 16, s.data() + 19, 4);
  std::memcpy(d + 20, s.data() + 24, 12);
  // Parse without checking, format back, compare: equal only for canonical
  // lower-case digits (anything else travels as text, unchanged).
  char back[32];
  for (int i = 0; i < 4; ++i) {
    runtime::hex8_to_bytes_unchecked(d + 8 * i, out + 4 * i);
    runtime::bytes_to_hex8(out + 4 * i, back + 8 * i);
  }
  return std::memcmp(d, back, 32) == 0;
}

void put_id_text(ByteWriter& w, std::string_view s) {
  unsigned char b[16];
  if (parse_uuid(s, b)) {
    w.u8(0);
    w.raw(b, 16);
  } else {
    w.u8(1);
    w.text(s);
  }
}

std::string get_id_text(ByteReader& r) {
  const std::uint8_t form = r.u8();
  if (form == 0) {
    unsigned char b[16];
    std::memcpy(b, r.take(16), 16);
    return uuid_text(b);
  }
  if (form != 1) r.fail("an identity form that is neither uuid nor text");
  const std::string_view t = r.text();
  if (t.empty()) r.fail("an empty identity");
  if (!is_valid_utf8(t)) r.fail("an identity that is not UTF-8");
  return std::string(t);
}

std::string checked_text(ByteReader& r) {
  const std::string_view t = r.text();
  if (!is_valid_utf8(t)) r.fail("text that is not UTF-8");
  return std::string(t);
}

}  // namespace

namespace runtime {
namespace {
// The codec of the transport this thread is encoding or decoding for. A
// thread-local: each transport thread installs its own, and nothing else
// reads it.
thread_local AddressCodec* address_codec_in_force = nullptr;
}  // namespace

AddressCodec* current_address_codec() noexcept { return address_codec_in_force; }

AddressCodecScope::AddressCodecScope(AddressCodec& codec) noexcept : previous_(address_codec_in_force) {
  address_codec_in_force = &codec;
}
AddressCodecScope::~AddressCodecScope() { address_codec_in_force = previous_; }
}  // namespace runtime

void Codec<ActorAddress>::encode(ByteWriter& w, const ActorAddress& v) {
  runtime::AddressCodec* c = runtime::current_address_codec();
  if (c == nullptr) {
    throw CodecError("an ActorAddress crosses only inside a message to another syndicate or a worker process");
  }
  c->encode(w, v);
}

ActorAddress Codec<ActorAddress>::decode(ByteReader& r) {
  runtime::AddressCodec* c = runtime::current_address_codec();
  if (c == nullptr) {
    throw CodecError("an ActorAddress can be read only from a message of another syndicate or a worker process");
  }
  return c->decode(r);
}

void Codec<SyndicateId>::encode(ByteWriter& w, const SyndicateId& v) { put_id_text(w, v.uuid()); }
SyndicateId Codec<SyndicateId>::decode(ByteReader& r) { return SyndicateId(get_id_text(r)); }

void Codec<ActorId>::encode(ByteWriter& w, const ActorId& v) {
  put_id_text(w, v.syndicate_id().uuid());
  put_id_text(w, v.actor_id());
}
ActorId Codec<ActorId>::decode(ByteReader& r) {
  SyndicateId s(get_id_text(r));
  std::string a = get_id_text(r);
  return ActorId(std::move(s), std::move(a));
}

// Value: a kind byte (ValueKind), then the kind's body.
void Codec<Value>::encode(ByteWriter& w, const Value& v) {
  w.u8(static_cast<std::uint8_t>(v.kind()));
  v.visit([&](const auto& x) {
    using X = std::remove_cvref_t<decltype(x)>;
    if constexpr (std::is_same_v<X, std::nullptr_t>) {
    } else if constexpr (std::is_same_v<X, bool>) {
      w.u8(x ? 1 : 0);
    } else if constexpr (std::is_same_v<X, std::int64_t>) {
      w.zigzag(x);
    } else if constexpr (std::is_same_v<X, BigInt>) {
      w.u8(x.negative ? 1 : 0);
      w.bytes(x.magnitude.data(), x.magnitude.size());
    } else if constexpr (std::is_same_v<X, double>) {
      w.f64(x);
    } else if constexpr (std::is_same_v<X, std::string>) {
      w.text(x);
    } else if constexpr (std::is_same_v<X, ValueArray>) {
      w.varint(x.size());
      for (const Value& e : x) encode(w, e);
    } else if constexpr (std::is_same_v<X, ValueTuple>) {
      w.varint(x.items.size());
      for (const Value& e : x.items) encode(w, e);
    } else if constexpr (std::is_same_v<X, ValueMap>) {
      w.varint(x.size());
      for (const auto& [k, e] : x) {
        w.text(k);
        encode(w, e);
      }
    } else {
      Codec<X>::encode(w, x);  // Bytes, ActorRef, ActorId, SyndicateId
    }
  });
}

Value Codec<Value>::decode(ByteReader& r) {
  ByteReader::Nest nest(r);
  const std::uint8_t kind = r.u8();
  switch (static_cast<ValueKind>(kind)) {
    case ValueKind::null:
      return Value(nullptr);
    case ValueKind::boolean:
      return Value(Codec<bool>::decode(r));
    case ValueKind::integer:
      return Value(r.zigzag());
    case ValueKind::big_integer: {
      BigInt b;
      b.negative = Codec<bool>::decode(r);
      const std::size_t n = r.length(1);
      const std::uint8_t* p = r.take(n);
      b.magnitude.assign(p, p + n);
      return Value(std::move(b));  // normalised: one number, one form
    }
    case ValueKind::real:
      return Value(r.f64());
    case ValueKind::text:
      return Value(checked_text(r));
    case ValueKind::bytes:
      return Value(Codec<Bytes>::decode(r));
    case ValueKind::array:
    case ValueKind::tuple: {
      const std::size_t n = r.length(1);
      ValueArray items;
      items.reserve(n);
      for (std::size_t i = 0; i < n; ++i) items.push_back(decode(r));
      if (static_cast<ValueKind>(kind) == ValueKind::tuple) return Value(ValueTuple{std::move(items)});
      return Value(std::move(items));
    }
    case ValueKind::map: {
      const std::size_t n = r.length(2);
      ValueMap m;
      m.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        std::string k = checked_text(r);
        m.append(std::move(k), decode(r));
      }
      if (m.duplicate_key() != nullptr) r.fail("a map with a duplicate key");
      return Value(std::move(m));
    }
    case ValueKind::actor_ref:
      return Value(Codec<ActorRef>::decode(r));
    case ValueKind::actor_id:
      return Value(Codec<ActorId>::decode(r));
    case ValueKind::syndicate_id:
      return Value(Codec<SyndicateId>::decode(r));
  }
  r.fail("an unknown value kind");
}

void detail::register_type_codec(TypeCodec codec) { Registry::instance().add(std::move(codec)); }

bool payload_has_codec(const Payload& p) noexcept {
  return p.ops() != nullptr && Registry::instance().by_ops(p.ops()) != nullptr;
}

namespace {
std::string no_codec_text(const Payload& p) {
  return "payload type " + p.type_name() + " has no codec: register it with ensemble::register_type<T>(\"a.stable.Name\")";
}
}  // namespace

const char* no_codec_reason(const Payload& p) {
  // One text per type, kept until exit: a bounded set (the program's types).
  static std::mutex mutex;
  static std::unordered_map<const detail::PayloadOps*, std::unique_ptr<const std::string>> texts;
  std::lock_guard lock(mutex);
  auto& text = texts[p.ops()];
  if (!text) text = std::make_unique<const std::string>(no_codec_text(p));
  return text->c_str();
}

namespace runtime {
const char* executor_no_codec_reason(const Payload& p) {
  static std::mutex mutex;
  static std::unordered_map<const detail::PayloadOps*, std::unique_ptr<const std::string>> texts;
  std::lock_guard lock(mutex);
  auto& text = texts[p.ops()];
  if (!text) text = std::make_unique<const std::string>(std::string(reasons::executor_delivery_failed) + ": " + no_codec_text(p));
  return text->c_str();
}
}  // namespace runtime

void encode_payload(const Payload& p, ByteWriter& w) {
  const detail::TypeCodec* c = p.ops() != nullptr ? Registry::instance().by_ops(p.ops()) : nullptr;
  if (c == nullptr) throw CodecError(no_codec_text(p));
  std::uint8_t h[8];
  std::memcpy(h, &c->name_hash, 8);
  w.raw(h, 8);
  c->encode(p, w);
}

Payload decode_payload(ByteReader& r) {
  std::uint64_t h;
  std::memcpy(&h, r.take(8), 8);
  const detail::TypeCodec* c = Registry::instance().by_hash(h);
  if (c == nullptr) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "native codec: unknown payload type %016llx (not registered in this process)",
                  static_cast<unsigned long long>(h));
    throw CodecError(buf);
  }
  return c->decode(r);
}

}  // namespace ensemble
