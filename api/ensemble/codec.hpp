// ensemble/codec.hpp: how a C++ payload crosses a process boundary.
//
// A message to an actor in a worker process or another syndicate is bytes.
// A payload type crosses only if it has a codec AND is registered under a
// stable name, so that a process built from the same code constructs the
// same type on the other side:
//
//   struct Point { double x, y; };                     // an aggregate:
//   #include <ensemble/codec_aggregates.hpp>           //   field by field (Boost.PFR)
//   static const bool point_registered = ensemble::register_type<Point>("geo.Point");
//
// Built-in codecs: bool, the integer types, float, double, std::string,
// std::vector, std::array, std::map, std::unordered_map, std::optional,
// std::variant, std::pair, std::tuple, Value (and everything it holds),
// ActorId, SyndicateId, ActorRef, Bytes, and ActorAddress (below). Anything
// else: specialise
// ensemble::Codec<T> with
//   static void encode(ByteWriter& w, const T& v);
//   static T decode(ByteReader& r);
// Two types may not share a name, and one type may not take two names:
// register_type throws InvalidArgument for either.
//
// An ActorAddress inside a payload crosses to another syndicate (the remote
// transport) and to a worker process: the far side reads an address it can
// tell, and an address that comes home reads equal to the one that left
// (the same actor). It travels as the actor's ActorId (to a worker process,
// a handle of its proxy), so it is meaningful only in such a message:
// encode_payload or decode_payload called by the program itself throw
// CodecError for a payload holding one. An address whose actor is gone by the
// time it comes home reads as an empty address (telling it dead-letters the
// message, "actor not found").
//
// A payload whose type has no registered codec is refused where it is sent,
// with CodecError("payload type X has no codec ...") (a tell reports it as a
// failed delivery and a dead letter), never dropped silently.
//
// The format (ensemble's native codec) is compact and not self-describing:
// integers are LEB128 varints (signed ones zigzag-coded), doubles 8 bytes
// little-endian, strings and containers a varint length then their items.
// ByteReader checks every length against the bytes left before it
// allocates and throws CodecError on anything short, long or malformed.
//
// Thread safety: ByteWriter and ByteReader are single-threaded values.
// register_type and the payload functions may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <ensemble/address.hpp>
#include <ensemble/errors.hpp>
#include <ensemble/export.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/value.hpp>

namespace ensemble {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) noexcept : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void varint(std::uint64_t v) {
    std::uint8_t buf[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<std::uint8_t>(v);
    out_.insert(out_.end(), buf, buf + n);
  }
  void zigzag(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void f64(double d) {
    std::uint8_t buf[8];
    std::memcpy(buf, &d, 8);  // little-endian hosts only (checked in codec.cpp)
    out_.insert(out_.end(), buf, buf + 8);
  }
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void bytes(const void* p, std::size_t n) {
    varint(n);
    raw(p, n);
  }
  void text(std::string_view s) { bytes(s.data(), s.size()); }
  std::vector<std::uint8_t>& buffer() noexcept { return out_; }

 private:
  std::vector<std::uint8_t>& out_;
};

class ENSEMBLE_API ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> in) noexcept : p_(in.data()), end_(in.data() + in.size()), begin_(in.data()) {}

  std::uint8_t u8() {
    if (p_ == end_) fail("truncated");
    return *p_++;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = u8();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 63 && b > 1) fail("varint beyond 64 bits");
        return v;
      }
    }
    fail("varint beyond 64 bits");
  }
  std::int64_t zigzag() {
    const std::uint64_t u = varint();
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  double f64() {
    double d;
    std::memcpy(&d, take(8), 8);
    return d;
  }
  const std::uint8_t* take(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) fail("truncated");
    const std::uint8_t* at = p_;
    p_ += n;
    return at;
  }
  std::string_view text() {
    const std::size_t n = length(1);
    return {reinterpret_cast<const char*>(take(n)), n};
  }
  // A count of items that each take at least `min_item_bytes`: refused
  // before anything is allocated if the bytes left cannot hold them.
  std::size_t length(std::size_t min_item_bytes) {
    const std::uint64_t n = varint();
    if (min_item_bytes != 0 && n > remaining() / min_item_bytes) fail("a length longer than the bytes left");
    return static_cast<std::size_t>(n);
  }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }

  // Nesting guard for recursive codecs (Value): at most max_depth levels.
  static constexpr int max_depth = 128;
  struct Nest {
    explicit Nest(ByteReader& r) : r_(r) {
      if (++r_.depth_ > max_depth) r_.fail("nested deeper than 128 levels");
    }
    ~Nest() { --r_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    ByteReader& r_;
  };

  [[noreturn]] void fail(const char* what) const;

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  const std::uint8_t* begin_;
  int depth_ = 0;
};

// The customisation point. No definition: a type without a specialisation
// has no codec.
template <class T, class Enable = void>
struct Codec;

template <class T>
concept has_codec = requires(ByteWriter& w, ByteReader& r, const T& v) {
  Codec<T>::encode(w, v);
  { Codec<T>::decode(r) } -> std::same_as<T>;
};

// --- built-in codecs ---

template <>
struct Codec<bool> {
  static void encode(ByteWriter& w, bool v) { w.u8(v ? 1 : 0); }
  static bool decode(ByteReader& r) {
    const std::uint8_t b = r.u8();
    if (b > 1) r.fail("a bool that is neither 0 nor 1");
    return b == 1;
  }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static void encode(ByteWriter& w, T v) {
    if constexpr (std::is_signed_v<T>) {
      w.zigzag(v);
    } else {
      w.varint(v);
    }
  }
  static T decode(ByteReader& r) {
    if constexpr (std::is_signed_v<T>) {
      const std::int64_t v = r.zigzag();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
        r.fail("an integer out of its type's range");
      }
      return static_cast<T>(v);
    } else {
      const std::uint64_t v = r.varint();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) r.fail("an integer out of its type's range");
      return static_cast<T>(v);
    }
  }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_enum_v<T>>> {
  using U = std::underlying_type_t<T>;
  static void encode(ByteWriter& w, T v) { Codec<U>::encode(w, static_cast<U>(v)); }
  static T decode(ByteReader& r) { return static_cast<T>(Codec<U>::decode(r)); }
};

template <>
struct Codec<double> {
  static void encode(ByteWriter& w, double v) { w.f64(v); }
  static double decode(ByteReader& r) { return r.f64(); }
};

template <>
struct Codec<float> {
  static void encode(ByteWriter& w, float v) { w.f64(static_cast<double>(v)); }
  static float decode(ByteReader& r) { return static_cast<float>(r.f64()); }
};

template <>
struct Codec<std::string> {
  static void encode(ByteWriter& w, const std::string& v) { w.text(v); }
  static std::string decode(ByteReader& r) { return std::string(r.text()); }
};

template <class T, class A>
struct Codec<std::vector<T, A>> {
  static void encode(ByteWriter& w, const std::vector<T, A>& v) {
    w.varint(v.size());
    for (const T& x : v) Codec<T>::encode(w, x);
  }
  static std::vector<T, A> decode(ByteReader& r) {
    const std::size_t n = r.length(1);
    std::vector<T, A> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i) v.push_back(Codec<T>::decode(r));
    return v;
  }
};

template <class T, std::size_t N>
struct Codec<std::array<T, N>> {
  static void encode(ByteWriter& w, const std::array<T, N>& v) {
    for (const T& x : v) Codec<T>::encode(w, x);
  }
  static std::array<T, N> decode(ByteReader& r) {
    return decode_all(r, std::make_index_sequence<N>{});
  }

 private:
  template <std::size_t... I>
  static std::array<T, N> decode_all(ByteReader& r, std::index_sequence<I...>) {
    return {{((void)I, Codec<T>::decode(r))...}};  // braced: evaluated in order
  }
};

template <class M>
struct MapCodec {
  using K = typename M::key_type;
  using V = typename M::mapped_type;
  static void encode(ByteWriter& w, const M& m) {
    w.varint(m.size());
    for (const auto& [k, v] : m) {
      Codec<K>::encode(w, k);
      Codec<V>::encode(w, v);
    }
  }
  static M decode(ByteReader& r) {
    const std::size_t n = r.length(2);
    M m;
    for (std::size_t i = 0; i < n; ++i) {
      K k = Codec<K>::decode(r);
      V v = Codec<V>::decode(r);
      if (!m.emplace(std::move(k), std::move(v)).second) r.fail("a duplicate map key");
    }
    return m;
  }
};
template <class K, class V, class C, class A>
struct Codec<std::map<K, V, C, A>> : MapCodec<std::map<K, V, C, A>> {};
template <class K, class V, class H, class E, class A>
struct Codec<std::unordered_map<K, V, H, E, A>> : MapCodec<std::unordered_map<K, V, H, E, A>> {};

template <class T>
struct Codec<std::optional<T>> {
  static void encode(ByteWriter& w, const std::optional<T>& v) {
    w.u8(v ? 1 : 0);
    if (v) Codec<T>::encode(w, *v);
  }
  static std::optional<T> decode(ByteReader& r) {
    if (!Codec<bool>::decode(r)) return std::nullopt;
    return Codec<T>::decode(r);
  }
};

template <class... T>
struct Codec<std::variant<T...>> {
  static void encode(ByteWriter& w, const std::variant<T...>& v) {
    w.varint(v.index());
    std::visit([&](const auto& x) { Codec<std::remove_cvref_t<decltype(x)>>::encode(w, x); }, v);
  }
  static std::variant<T...> decode(ByteReader& r) {
    const std::uint64_t i = r.varint();
    if (i >= sizeof...(T)) r.fail("a variant index out of range");
    return decode_at(r, static_cast<std::size_t>(i), std::index_sequence_for<T...>{});
  }

 private:
  template <std::size_t... I>
  static std::variant<T...> decode_at(ByteReader& r, std::size_t i, std::index_sequence<I...>) {
    std::optional<std::variant<T...>> out;
    ((i == I ? (void)out.emplace(std::in_place_index<I>, Codec<std::variant_alternative_t<I, std::variant<T...>>>::decode(r))
             : (void)0),
     ...);
    return std::move(*out);
  }
};

template <class... T>
struct Codec<std::tuple<T...>> {
  static void encode(ByteWriter& w, const std::tuple<T...>& v) {
    std::apply([&](const auto&... x) { (Codec<std::remove_cvref_t<decltype(x)>>::encode(w, x), ...); }, v);
  }
  static std::tuple<T...> decode(ByteReader& r) { return std::tuple<T...>{Codec<T>::decode(r)...}; }  // braced: in order
};

template <class A, class B>
struct Codec<std::pair<A, B>> {
  static void encode(ByteWriter& w, const std::pair<A, B>& v) {
    Codec<A>::encode(w, v.first);
    Codec<B>::encode(w, v.second);
  }
  static std::pair<A, B> decode(ByteReader& r) {
    A a = Codec<A>::decode(r);
    B b = Codec<B>::decode(r);
    return {std::move(a), std::move(b)};
  }
};

// Identities and Value: out of line (codec.cpp).
template <>
struct ENSEMBLE_API Codec<SyndicateId> {
  static void encode(ByteWriter& w, const SyndicateId& v);
  static SyndicateId decode(ByteReader& r);
};
template <>
struct ENSEMBLE_API Codec<ActorId> {
  static void encode(ByteWriter& w, const ActorId& v);
  static ActorId decode(ByteReader& r);
};
template <>
struct ENSEMBLE_API Codec<Value> {
  static void encode(ByteWriter& w, const Value& v);
  static Value decode(ByteReader& r);
};
template <>
struct Codec<ActorRef> {
  static void encode(ByteWriter& w, const ActorRef& v) { Codec<ActorId>::encode(w, v.id); }
  static ActorRef decode(ByteReader& r) { return ActorRef{Codec<ActorId>::decode(r)}; }
};
// Written and read by the transport the payload crosses (see the top).
template <>
struct ENSEMBLE_API Codec<ActorAddress> {
  static void encode(ByteWriter& w, const ActorAddress& v);
  static ActorAddress decode(ByteReader& r);
};
template <>
struct Codec<Bytes> {
  static void encode(ByteWriter& w, const Bytes& v) { w.bytes(v.data.data(), v.data.size()); }
  static Bytes decode(ByteReader& r) {
    const std::size_t n = r.length(1);
    return Bytes(r.take(n), n);
  }
};

// --- the registry of payload types ---

namespace detail {

struct TypeCodec {
  std::string name;
  std::uint64_t name_hash = 0;                  // what travels: FNV-1a 64 of the name
  const PayloadOps* ops = nullptr;              // the payload type's identity
  const char* (*type_name)() noexcept = nullptr;  // for messages
  void (*encode)(const Payload&, ByteWriter&) = nullptr;
  Payload (*decode)(ByteReader&) = nullptr;
};

ENSEMBLE_API void register_type_codec(TypeCodec codec);

}  // namespace detail

// Registers T under `name` (stable across processes: "geo.Point"). Returns
// true, so that a namespace-scope `static const bool` can do it before main.
// Throws InvalidArgument if the name or T is registered already.
template <class T>
bool register_type(std::string_view name) {
  static_assert(has_codec<T>,
                "ensemble::register_type<T>: T has no codec. Include <ensemble/codec_aggregates.hpp> for an "
                "aggregate, or specialise ensemble::Codec<T>.");
  detail::TypeCodec c;
  c.name = std::string(name);
  c.ops = detail::ops_of<T>();
  c.type_name = []() noexcept { return typeid(T).name(); };
  c.encode = [](const Payload& p, ByteWriter& w) { Codec<T>::encode(w, p.get<T>()); };
  c.decode = [](ByteReader& r) { return Payload(Codec<T>::decode(r)); };
  detail::register_type_codec(std::move(c));
  return true;
}

// The registered name's hash, then the value. Throws CodecError naming the
// type when it has no registered codec.
ENSEMBLE_API void encode_payload(const Payload& p, ByteWriter& w);
// Throws CodecError for an unknown type or malformed bytes.
ENSEMBLE_API Payload decode_payload(ByteReader& r);
// True when `p`'s type can cross (a tell to another process checks it).
ENSEMBLE_API bool payload_has_codec(const Payload& p) noexcept;
// "payload type X has no codec: ...": the reason a tell to another process
// fails with. The text lives as long as the process (one per type), as a
// DeliveryResult's reason must.
ENSEMBLE_API const char* no_codec_reason(const Payload& p);

}  // namespace ensemble
