// ensemble/message.hpp: what a handler receives.
//
// A Message carries its content (a Payload), the sender's address (empty when
// the sender was plain code or a timer), an id unique within the process, a
// correlation id (the id of the message it answers; its own id otherwise) and
// an optional deadline after which delivery turns it into a dead letter
// "message expired".
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
#include <type_traits>
#include <utility>

#include <ensemble/address.hpp>
#include <ensemble/payload.hpp>

namespace ensemble {

using Clock = std::chrono::steady_clock;

namespace detail {
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

  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;

  Payload& content() noexcept { return content_; }
  const Payload& content() const noexcept { return content_; }
  const ActorAddress& sender() const noexcept { return sender_; }
  std::uint64_t id() const noexcept { return id_; }
  std::uint64_t correlation_id() const noexcept { return correlation_id_ != 0 ? correlation_id_ : id_; }
  std::optional<Clock::time_point> deadline() const noexcept {
    if (deadline_ == Clock::time_point{}) return std::nullopt;
    return deadline_;
  }

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
  void set_deadline(Clock::time_point d) noexcept { deadline_ = d; }
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

  Payload content_;
  ActorAddress sender_;
  std::uint64_t id_ = 0;
  std::uint64_t correlation_id_ = 0;
  Clock::time_point deadline_{};
};

}  // namespace ensemble
