// ensemble/payload.hpp: the content of a message.
//
// A Payload holds one value of any move-constructible type. Values up to 32 bytes
// and pointer alignment whose move constructor cannot throw (int, double,
// std::string, small structs, ActorAddress) are stored inline, so telling them
// allocates nothing beyond the envelope; larger values are moved into one heap
// block.
//
// String literals and `const char*` become std::string, so `tell(actor, "hi")`
// and `get<std::string>()` agree.
//
// Thread safety: a Payload is a plain value; moving it between threads through
// tell/ask is safe (the runtime's hand-off orders the writes).
#pragma once

#include <ensemble/export.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <ensemble/errors.hpp>

namespace ensemble {

namespace detail {

// One table of operations per stored type; its address is the type's identity,
// which makes is<T>() a single pointer comparison.
struct ENSEMBLE_API PayloadOps {
  void (*move_to)(void* from, void* to) noexcept;  // move-construct into `to`, destroy `from`
  void (*destroy)(void* self) noexcept;
  const std::type_info& (*type)() noexcept;
  bool inline_storage;
  // Stored inline and trivially copyable: moves are a memcpy of the buffer and
  // destruction is nothing, with no indirect call (the common int/struct case).
  bool trivial;
};

inline constexpr std::size_t payload_inline_size = 32;
// Pointer alignment, not max_align_t's 16: a Payload is then 40 bytes instead
// of 48, and an envelope 88 instead of 112 (docs/performance.md). Values that
// need more (long double, SIMD vectors) live on the heap.
inline constexpr std::size_t payload_inline_align = alignof(void*);

template <class T>
inline constexpr bool payload_fits_inline = sizeof(T) <= payload_inline_size &&
                                            alignof(T) <= payload_inline_align &&
                                            std::is_nothrow_move_constructible_v<T>;

template <class T>
struct ENSEMBLE_API InlineOps {
  static void move_to(void* from, void* to) noexcept {
    T* src = std::launder(static_cast<T*>(from));
    ::new (to) T(std::move(*src));
    src->~T();
  }
  static void destroy(void* self) noexcept { std::launder(static_cast<T*>(self))->~T(); }
  static const std::type_info& type() noexcept { return typeid(T); }
  static constexpr PayloadOps ops{&move_to, &destroy, &type, true,
                                  std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>};
};

// Heap-stored values keep only a pointer in the inline buffer.
template <class T>
struct ENSEMBLE_API HeapOps {
  static void move_to(void* from, void* to) noexcept {
    ::new (to) T*(*static_cast<T**>(from));
  }
  static void destroy(void* self) noexcept { delete *static_cast<T**>(self); }
  static const std::type_info& type() noexcept { return typeid(T); }
  static constexpr PayloadOps ops{&move_to, &destroy, &type, false, false};
};

template <class T>
constexpr const PayloadOps* ops_of() noexcept {
  if constexpr (payload_fits_inline<T>) {
    return &InlineOps<T>::ops;
  } else {
    return &HeapOps<T>::ops;
  }
}

// What a value is stored as: string-like arguments become std::string.
template <class T>
using stored_t = std::conditional_t<
    std::is_convertible_v<T, std::string_view> && !std::is_same_v<std::decay_t<T>, std::string> &&
        (std::is_pointer_v<std::decay_t<T>> || std::is_array_v<std::remove_reference_t<T>>),
    std::string, std::decay_t<T>>;

}  // namespace detail

class ENSEMBLE_API Payload {
 public:
  Payload() noexcept = default;

  template <class T, class S = detail::stored_t<T>,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<T>, Payload>>>
  Payload(T&& value) {  // NOLINT: implicit on purpose, so tell(actor, 42) reads naturally
    emplace<S>(std::forward<T>(value));
  }

  Payload(Payload&& other) noexcept { take(other); }
  Payload& operator=(Payload&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Payload(const Payload&) = delete;
  Payload& operator=(const Payload&) = delete;
  ~Payload() { reset(); }

  template <class S, class... Args>
  S& emplace(Args&&... args) {
    reset();
    if constexpr (detail::payload_fits_inline<S>) {
      ::new (static_cast<void*>(buf_)) S(std::forward<Args>(args)...);
    } else {
      ::new (static_cast<void*>(buf_)) S*(new S(std::forward<Args>(args)...));
    }
    ops_ = detail::ops_of<S>();
    return *address<S>();
  }

  bool has_value() const noexcept { return ops_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }

  template <class T>
  bool is() const noexcept {
    return ops_ == detail::ops_of<std::remove_cvref_t<T>>();
  }

  template <class T>
  std::remove_cvref_t<T>* get_if() noexcept {
    return is<T>() ? address<std::remove_cvref_t<T>>() : nullptr;
  }
  template <class T>
  const std::remove_cvref_t<T>* get_if() const noexcept {
    return is<T>() ? const_cast<Payload*>(this)->address<std::remove_cvref_t<T>>() : nullptr;
  }

  // Throws BadPayloadAccess naming both types when the payload holds another type.
  template <class T>
  std::remove_cvref_t<T>& get() {
    if (auto* p = get_if<T>()) return *p;
    throw_bad_access(typeid(std::remove_cvref_t<T>));
  }
  template <class T>
  const std::remove_cvref_t<T>& get() const {
    return const_cast<Payload*>(this)->get<T>();
  }

  // The stored type's (demangled) name, or "empty".
  std::string type_name() const;
  // Internal: the stored type's identity (its operations table), null when
  // empty. The codec registry (ensemble/codec.hpp) finds a type's codec by it.
  const detail::PayloadOps* ops() const noexcept { return ops_; }

  void reset() noexcept {
    if (ops_ != nullptr) {
      if (!ops_->trivial) ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }

 private:
  template <class S>
  S* address() noexcept {
    if constexpr (detail::payload_fits_inline<S>) {
      return std::launder(reinterpret_cast<S*>(buf_));
    } else {
      return *reinterpret_cast<S**>(buf_);
    }
  }
  void take(Payload& other) noexcept {
    if (other.ops_ != nullptr) {
      if (other.ops_->trivial) {
        std::memcpy(buf_, other.buf_, sizeof buf_);
      } else {
        other.ops_->move_to(other.buf_, buf_);
      }
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }
  [[noreturn]] void throw_bad_access(const std::type_info& wanted) const;

  const detail::PayloadOps* ops_ = nullptr;
  alignas(detail::payload_inline_align) unsigned char buf_[detail::payload_inline_size];
};

// Builds a Payload holding T constructed in place.
template <class T, class... Args>
Payload make_payload(Args&&... args) {
  Payload p;
  p.emplace<T>(std::forward<Args>(args)...);
  return p;
}

}  // namespace ensemble
