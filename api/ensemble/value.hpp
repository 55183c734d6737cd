// ensemble/value.hpp: a message whose shape is not known in advance.
//
// A peer in another language (a Python spark syndicate) sends dicts, lists,
// tuples, ints of any size, floats, strings, bytes, None and actor
// addresses. A C++ actor receives them as one Value and walks it:
//
//   void process(Message& m) {
//     if (const Value* v = m.get_if<Value>(); v && v->is<ValueMap>()) {
//       if (const Value* n = v->get<ValueMap>().find("count")) total += n->get<std::int64_t>();
//     }
//   }
//
// A Value is a tree of plain data: null, bool, a 64-bit integer or a bigger
// one (BigInt), double, text (UTF-8), bytes, an array, a map with text keys
// (in insertion order, as Python keeps them), a tuple (an array that stays a
// tuple on the way back), and three identities: an actor reference (spark's
// ActorAddress: the ActorId of an actor in any syndicate), an ActorId and a
// SyndicateId. A Payload holding a Value is told and matched like any other.
//
// Integers: a value that fits int64 is always stored as std::int64_t;
// anything beyond (up to Python's arbitrary size) is a BigInt, so one number
// has one representation and == compares it exactly.
//
// Thread safety: a plain value; const access from many threads is safe.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <ensemble/errors.hpp>
#include <ensemble/export.hpp>
#include <ensemble/identity.hpp>

namespace ensemble {

class Value;

// An integer outside int64's range: its sign and the big-endian bytes of
// its absolute value, without leading zero bytes.
struct ENSEMBLE_API BigInt {
  bool negative = false;
  std::vector<std::uint8_t> magnitude;
  friend bool operator==(const BigInt&, const BigInt&) = default;
};

// Raw bytes (Python's bytes), kept apart from text.
struct ENSEMBLE_API Bytes {
  std::vector<std::uint8_t> data;
  Bytes() = default;
  explicit Bytes(std::vector<std::uint8_t> d) : data(std::move(d)) {}
  Bytes(const void* p, std::size_t n)
      : data(static_cast<const std::uint8_t*>(p), static_cast<const std::uint8_t*>(p) + n) {}
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

// spark's ActorAddress as data: names an actor of any syndicate by its
// ActorId. The remote layer makes it an ActorAddress one can tell.
struct ENSEMBLE_API ActorRef {
  ActorId id;
  friend bool operator==(const ActorRef&, const ActorRef&) = default;
};

using ValueArray = std::vector<Value>;

// A tuple: an array that must come back as a tuple (spark encodes tuples
// apart from lists).
struct ENSEMBLE_API ValueTuple {
  std::vector<Value> items;
  friend bool operator==(const ValueTuple&, const ValueTuple&) = default;
};

// A map with text keys, in insertion order. Lookups are linear: messages
// carry small maps, and order matters to peers that compare bytes.
class ENSEMBLE_API ValueMap {
 public:
  using Entry = std::pair<std::string, Value>;

  ValueMap() = default;
  ValueMap(std::initializer_list<Entry> entries);

  // The value under `key`, or null.
  const Value* find(std::string_view key) const noexcept;
  Value* find(std::string_view key) noexcept;
  // Sets `key`, keeping its place if it exists, appending it if not.
  Value& set(std::string key, Value value);
  // Appends without looking for an existing key (decoders, which then call
  // duplicate_key() once).
  void append(std::string key, Value value);
  // A key that appears more than once, or null. O(n log n).
  const std::string* duplicate_key() const;

  // Defined below Value: an entry's type is complete only there.
  using iterator = std::vector<Entry>::iterator;
  using const_iterator = std::vector<Entry>::const_iterator;
  std::size_t size() const noexcept;
  bool empty() const noexcept;
  void reserve(std::size_t n);
  const_iterator begin() const noexcept;
  const_iterator end() const noexcept;
  iterator begin() noexcept;
  iterator end() noexcept;

  // Same keys and values in the same order.
  bool equals(const ValueMap& other) const;
  friend bool operator==(const ValueMap& a, const ValueMap& b) { return a.equals(b); }

 private:
  std::vector<Entry> entries_;
};

enum class ValueKind : std::uint8_t {
  null,
  boolean,
  integer,      // std::int64_t
  big_integer,  // BigInt
  real,         // double
  text,         // std::string
  bytes,        // Bytes
  array,        // ValueArray
  map,          // ValueMap
  tuple,        // ValueTuple
  actor_ref,    // ActorRef
  actor_id,     // ActorId
  syndicate_id  // SyndicateId
};

ENSEMBLE_API const char* to_string(ValueKind kind) noexcept;

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
// Decoders check text from outside with it.
ENSEMBLE_API bool is_valid_utf8(std::string_view s) noexcept;

class ENSEMBLE_API Value {
 public:
  using Storage = std::variant<std::nullptr_t, bool, std::int64_t, BigInt, double, std::string, Bytes,
                               ValueArray, ValueMap, ValueTuple, ActorRef, ActorId, SyndicateId>;

  Value() noexcept : v_(nullptr) {}
  Value(std::nullptr_t) noexcept : v_(nullptr) {}
  Value(bool b) noexcept : v_(b) {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  Value(T n) : v_(nullptr) {
    if constexpr (std::is_signed_v<T> || sizeof(T) < sizeof(std::int64_t)) {
      v_ = static_cast<std::int64_t>(n);
    } else if (n <= static_cast<T>(INT64_MAX)) {
      v_ = static_cast<std::int64_t>(n);
    } else {
      v_ = big_from_unsigned(static_cast<std::uint64_t>(n));
    }
  }
  Value(double d) noexcept : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(std::string s) noexcept : v_(std::move(s)) {}
  Value(Bytes b) noexcept : v_(std::move(b)) {}
  Value(ValueArray a) noexcept : v_(std::move(a)) {}
  Value(ValueMap m) noexcept : v_(std::move(m)) {}
  Value(ValueTuple t) noexcept : v_(std::move(t)) {}
  Value(ActorRef r) noexcept : v_(std::move(r)) {}
  Value(ActorId id) noexcept : v_(std::move(id)) {}
  Value(SyndicateId id) noexcept : v_(std::move(id)) {}
  // A BigInt is normalised: one that fits int64 becomes a plain integer.
  Value(BigInt b);

  ValueKind kind() const noexcept { return static_cast<ValueKind>(v_.index()); }
  bool is_null() const noexcept { return v_.index() == 0; }

  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(v_);
  }
  // Throws BadPayloadAccess naming both kinds when the value is another kind.
  template <class T>
  const T& get() const& {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    wrong_kind(index_of<T>());
  }
  template <class T>
  T& get() & {
    if (T* p = std::get_if<T>(&v_)) return *p;
    wrong_kind(index_of<T>());
  }
  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&v_);
  }
  template <class T>
  T* get_if() noexcept {
    return std::get_if<T>(&v_);
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), v_);
  }
  const Storage& storage() const noexcept { return v_; }

  // Structural equality; doubles compare as doubles (NaN != NaN).
  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  template <class T>
  static constexpr std::size_t index_of() {
    return index_in<T>(std::make_index_sequence<std::variant_size_v<Storage>>{});
  }
  template <class T, std::size_t... I>
  static constexpr std::size_t index_in(std::index_sequence<I...>) {
    std::size_t found = sizeof...(I);
    ((found = std::is_same_v<T, std::variant_alternative_t<I, Storage>> ? I : found), ...);
    return found;
  }
  [[noreturn]] void wrong_kind(std::size_t wanted) const;
  static BigInt big_from_unsigned(std::uint64_t n);

  Storage v_;
};

inline std::size_t ValueMap::size() const noexcept { return entries_.size(); }
inline bool ValueMap::empty() const noexcept { return entries_.empty(); }
inline void ValueMap::reserve(std::size_t n) { entries_.reserve(n); }
inline ValueMap::const_iterator ValueMap::begin() const noexcept { return entries_.begin(); }
inline ValueMap::const_iterator ValueMap::end() const noexcept { return entries_.end(); }
inline ValueMap::iterator ValueMap::begin() noexcept { return entries_.begin(); }
inline ValueMap::iterator ValueMap::end() noexcept { return entries_.end(); }

}  // namespace ensemble
