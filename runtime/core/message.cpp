// ensemble/message.hpp's out-of-line part: the block that holds what most
// messages lack (a deadline, headers, a trace id). A message allocates it on
// the first setter and frees it with itself.
#include <ensemble/message.hpp>
#include <ensemble/value.hpp>

namespace ensemble {

namespace detail {

namespace {
struct MessageExtras : MessageExtrasHead {
  ValueMap headers;
  std::string trace_id;
};

const MessageExtras& full(const MessageExtrasHead* head) noexcept {
  return *static_cast<const MessageExtras*>(head);
}
}  // namespace

MessageExtrasHead* make_message_extras() { return new MessageExtras(); }

void destroy_message_extras(MessageExtrasHead* extras) noexcept {
  delete static_cast<MessageExtras*>(extras);
}

}  // namespace detail

const ValueMap& Message::headers() const noexcept {
  static const ValueMap empty;
  return extras_ == nullptr ? empty : detail::full(extras_).headers;
}

std::string_view Message::trace_id() const noexcept {
  return extras_ == nullptr ? std::string_view() : std::string_view(detail::full(extras_).trace_id);
}

void Message::set_headers(ValueMap headers) { static_cast<detail::MessageExtras&>(extras()).headers = std::move(headers); }

ValueMap& Message::mutable_headers() { return static_cast<detail::MessageExtras&>(extras()).headers; }

void Message::set_trace_id(std::string trace_id) { static_cast<detail::MessageExtras&>(extras()).trace_id = std::move(trace_id); }

}  // namespace ensemble
