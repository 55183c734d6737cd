// ensemble/value.hpp: the out-of-line parts of Value and ValueMap.
#include <ensemble/value.hpp>

#include <algorithm>
#include <string>

namespace ensemble {

namespace {
constexpr const char* kind_names[] = {"null",  "bool", "int",   "big int", "float",    "text",        "bytes",
                                      "array", "map",  "tuple", "actor ref", "actor id", "syndicate id"};
static_assert(std::size(kind_names) == std::variant_size_v<Value::Storage>);
}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

const char* to_string(ValueKind kind) noexcept {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kind_names) ? kind_names[i] : "?";
}

ValueMap::ValueMap(std::initializer_list<Entry> entries) {
  entries_.reserve(entries.size());
  for (const Entry& e : entries) set(e.first, e.second);
}

const Value* ValueMap::find(std::string_view key) const noexcept {
  for (const Entry& e : entries_) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

Value* ValueMap::find(std::string_view key) noexcept {
  for (Entry& e : entries_) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

Value& ValueMap::set(std::string key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
    return *v;
  }
  return entries_.emplace_back(std::move(key), std::move(value)).second;
}

void ValueMap::append(std::string key, Value value) { entries_.emplace_back(std::move(key), std::move(value)); }

const std::string* ValueMap::duplicate_key() const {
  const std::size_t n = entries_.size();
  if (n < 2) return nullptr;
  if (n <= 16) {  // messages' maps are small: compare pairs, no allocation
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        if (entries_[i].first == entries_[j].first) return &entries_[i].first;
      }
    }
    return nullptr;
  }
  std::vector<const std::string*> keys;
  keys.reserve(n);
  for (const Entry& e : entries_) keys.push_back(&e.first);
  std::sort(keys.begin(), keys.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  for (std::size_t i = 1; i < n; ++i) {
    if (*keys[i - 1] == *keys[i]) return keys[i];
  }
  return nullptr;
}

bool ValueMap::equals(const ValueMap& other) const { return entries_ == other.entries_; }

Value::Value(BigInt b) : v_(nullptr) {
  // Normalise: a magnitude that fits int64 (on its side of zero) is a plain integer.
  std::size_t first = 0;
  while (first < b.magnitude.size() && b.magnitude[first] == 0) ++first;
  b.magnitude.erase(b.magnitude.begin(), b.magnitude.begin() + static_cast<std::ptrdiff_t>(first));
  if (b.magnitude.size() <= 8) {
    std::uint64_t m = 0;
    for (std::uint8_t byte : b.magnitude) m = (m << 8) | byte;
    if (!b.negative && m <= static_cast<std::uint64_t>(INT64_MAX)) {
      v_ = static_cast<std::int64_t>(m);
      return;
    }
    if (b.negative && m <= static_cast<std::uint64_t>(INT64_MAX) + 1) {
      v_ = m == 0 ? std::int64_t{0} : static_cast<std::int64_t>(~(m - 1));  // -m without overflow
      return;
    }
  }
  if (b.magnitude.empty()) b.negative = false;
  v_ = std::move(b);
}

BigInt Value::big_from_unsigned(std::uint64_t n) {
  BigInt b;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const auto byte = static_cast<std::uint8_t>(n >> shift);
    if (!b.magnitude.empty() || byte != 0) b.magnitude.push_back(byte);
  }
  return b;
}

void Value::wrong_kind(std::size_t wanted) const {
  const std::size_t have = v_.index();
  throw BadPayloadAccess(std::string("value holds ") + kind_names[have] + ", not " +
                         (wanted < std::size(kind_names) ? kind_names[wanted] : "that type"));
}

}  // namespace ensemble
