// ensemble/message.hpp: what a handler receives.
//
// A Message carries its content (a Payload), the sender's address (empty when
// the sender was plain code or a timer), an id unique within the process, a
// correlation id (the id of the message it answers; its own id otherwise), an
// optional deadline after which delivery turns it into a dead letter "message
// expired", and what a peer attached: headers (spark's `metadata`,
// string-keyed values) and a trace id.
//
// The deadline, headers and trace id live in one block of their own that most
// messages never allocate: a message holds a null pointer until one is set
// (docs/performance.md has what that costs a local tell).
//
// Typed access: is<T>(), get<T>() (throws BadPayloadAccess), get_if<T>(), and
// match(handlers...), which calls the first handler whose parameter type is
// the stored type:
//
//     msg.match([](const std::string& s) { ... },
//               [](int n) { ... });       // returns false if none matched
//
// Memory ordering: everything the sender wrote before tell() is visible to the
// handler that receives the message.
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <ensemble/address.hpp>
#include <ensemble/payload.hpp>

namespace ensemble {

using Clock = std::chrono::steady_clock;

class ValueMap;  // ensemble/value.hpp: include it to read or write headers

namespace detail {
// The start of a message's out-of-line block; the rest (headers, trace id)
// is the library's. Inline here so that delivery's deadline test needs no call.
struct MessageExtrasHead {
  Clock::time_point deadline{};
};
ENSEMBLE_API MessageExtrasHead* make_message_extras();
ENSEMBLE_API void destroy_message_extras(MessageExtrasHead* extras) noexcept;

template <class F>
struct handler_arg;
template <class R, class C, class A>
struct handler_arg<R (C::*)(A) const> {
  using type = std::remove_cvref_t<A>;
};
template <class R, class C, class A>
struct handler_arg<R (C::*)(A)> {
  using type = std::remove_cvref_t<A>;
};
template <class F>
using handler_arg_t = typename handler_arg<decltype(&std::remove_cvref_t<F>::operator())>::type;
}  // namespace detail

class ENSEMBLE_API Message {
 public:
  Message() = default;
  // The content by rvalue reference: building a message moves it once.
  explicit Message(Payload&& content, ActorAddress sender = {}, std::uint64_t id = 0) noexcept
      : content_(std::move(content)), sender_(std::move(sender)), id_(id) {}

  Message(Message&& other) noexcept
      : content_(std::move(other.content_)),
        sender_(std::move(other.sender_)),
        id_(other.id_),
        correlation_id_(other.correlation_id_),
        extras_(std::exchange(other.extras_, nullptr)) {}
  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      content_ = std::move(other.content_);
      sender_ = std::move(other.sender_);
      id_ = other.id_;
      correlation_id_ = other.correlation_id_;
      drop_extras();
      extras_ = std::exchange(other.extras_, nullptr);
    }
    return *this;
  }
  ~Message() { drop_extras(); }

  Payload& content() noexcept { return content_; }
  const Payload& content() const noexcept { return content_; }
  const ActorAddress& sender() const noexcept { return sender_; }
  std::uint64_t id() const noexcept { return id_; }
  std::uint64_t correlation_id() const noexcept { return correlation_id_ != 0 ? correlation_id_ : id_; }
  std::optional<Clock::time_point> deadline() const noexcept {
    if (extras_ == nullptr || extras_->deadline == Clock::time_point{}) return std::nullopt;
    return extras_->deadline;
  }
  // spark's `metadata`: string-keyed values the sender attached (a spark
  // peer's envelope headers). Empty unless set.
  const ValueMap& headers() const noexcept;
  // The trace id a peer sent (spark writes a uuid4 text per envelope), or
  // empty.
  std::string_view trace_id() const noexcept;

  template <class T>
  bool is() const noexcept {
    return content_.is<T>();
  }
  template <class T>
  decltype(auto) get() {
    return content_.get<T>();
  }
  template <class T>
  decltype(auto) get() const {
    return content_.get<T>();
  }
  template <class T>
  auto* get_if() noexcept {
    return content_.get_if<T>();
  }

  // Calls the first handler taking the stored type; false when none does.
  template <class... F>
  bool match(F&&... handlers) {
    return (try_one(std::forward<F>(handlers)) || ...);
  }

  // Setters used by the runtime and by callers that build a Message by hand.
  void set_sender(ActorAddress s) noexcept { sender_ = std::move(s); }
  // Allocates the message's extras block on first use (so do the header
  // setters); throws std::bad_alloc only when memory runs out.
  void set_deadline(Clock::time_point d) { extras().deadline = d; }
  void set_headers(ValueMap headers);
  // The headers for writing, e.g. msg.mutable_headers().set("k", Value(1)).
  ValueMap& mutable_headers();
  void set_trace_id(std::string trace_id);
  void set_correlation_id(std::uint64_t c) noexcept { correlation_id_ = c; }
  void set_id(std::uint64_t id) noexcept { id_ = id; }

 private:
  template <class F>
  bool try_one(F&& f) {
    using A = detail::handler_arg_t<F>;
    if (auto* p = content_.get_if<A>()) {
      std::forward<F>(f)(*p);
      return true;
    }
    return false;
  }

  detail::MessageExtrasHead& extras() {
    if (extras_ == nullptr) extras_ = detail::make_message_extras();
    return *extras_;
  }
  void drop_extras() noexcept {
    if (extras_ != nullptr) [[unlikely]] {
      detail::destroy_message_extras(extras_);
      extras_ = nullptr;
    }
  }

  Payload content_;
  ActorAddress sender_;
  std::uint64_t id_ = 0;
  std::uint64_t correlation_id_ = 0;
  detail::MessageExtrasHead* extras_ = nullptr;  // owned; null for most messages
};

}  // namespace ensemble
