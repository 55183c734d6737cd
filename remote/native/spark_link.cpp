// spark's TCP protocol on the transport's listener and peers: one envelope
// per connection, spark's CBOR (wire/spark/). transport.hpp; docs/remote.md,
// "spark's protocol".
#include <boost/asio/post.hpp>

#include <cstdio>
#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/messages.hpp>

#include "remote/native/link.hpp"
#include "runtime/actor/actor_cell.hpp"
#include "runtime/ask/run_token.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "wire/native/native_codec.hpp"
#include "wire/spark/spark_codec.hpp"

namespace ensemble::remote::native {

namespace {
// A payload as spark carries it: a Value, or one of its scalars; an address
// becomes spark's actor address (ActorRef). Nothing else can cross.
std::optional<Value> to_spark_value(const Payload& p) {
  if (!p.has_value()) return Value();
  if (auto* v = p.get_if<Value>()) return *v;
  if (auto* s = p.get_if<std::string>()) return Value(*s);
  if (auto* i = p.get_if<std::int64_t>()) return Value(*i);
  if (auto* i = p.get_if<int>()) return Value(static_cast<std::int64_t>(*i));
  if (auto* d = p.get_if<double>()) return Value(*d);
  if (auto* b = p.get_if<bool>()) return Value(*b);
  if (auto* r = p.get_if<ActorRef>()) return Value(*r);
  if (auto* a = p.get_if<ActorAddress>()) return Value(ActorRef{a->actor_id()});
  return std::nullopt;
}

// What spark sent, as a C++ handler matches it: scalars as their C++ types,
// the rest as a Value.
Payload from_spark_value(Value v) {
  switch (v.kind()) {
    case ValueKind::text:
      return Payload(std::move(v.get<std::string>()));
    case ValueKind::integer:
      return Payload(v.get<std::int64_t>());
    case ValueKind::real:
      return Payload(v.get<double>());
    case ValueKind::boolean:
      return Payload(v.get<bool>());
    default:
      return Payload(std::move(v));
  }
}
}  // namespace

void Transport::on_spark_envelope(std::span<const std::uint8_t> body, const std::string& from) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.spark_received;
  }
  wire::WireEnvelope e;
  try {
    e = wire::decode_spark_body(body);
  } catch (const std::exception& ex) {
    // spark drops what it cannot decode silently; we say so once.
    return log_refusal(from, std::string("spark envelope: ") + ex.what());
  }
  if (e.target.syndicate_id() != core_.id()) {
    return log_refusal(from, "spark envelope for another syndicate (" + e.target.syndicate_id().to_string() + ")");
  }
  ActorAddress sender;
  if (e.sender) sender = incoming_address(*e.sender);
  Message m = runtime::Delivery::make_message(from_spark_value(std::move(e.payload)), std::move(sender));
  if (e.deadline) m.set_deadline(to_steady(*e.deadline));
  if (!e.headers.empty()) m.set_headers(std::move(e.headers));
  if (e.trace_id) m.set_trace_id(std::move(*e.trace_id));
  const std::uint64_t number = core_.actor_number_of(e.target.actor_id());
  ActorAddress target = number == 0 ? ActorAddress() : exports_.find(number);
  if (!target) {
    core_.delivery().dead_letter(std::move(m), ActorAddress(), reasons::not_found);
    return;
  }
  if (is_ask_sender(target.cell())) exports_.remove(number);  // a reply: the slot takes one
  core_.delivery().tell(target, std::move(m));  // a failure is a dead letter there
}

void Transport::spark_send_next(const std::shared_ptr<Peer>& peer) {
  for (;;) {
    if (peer->spark_busy) return;
    auto q = std::make_shared<Peer::Queued>();
    tcp::endpoint where;
    {
      std::lock_guard lock(peer->mutex);
      peer->flush_posted = false;
      if (peer->queue.empty()) return;
      *q = std::move(peer->queue.front());
      peer->queue.pop_front();
      where = peer->spark_where;
    }
    Message& m = q->message;
    std::string failure;
    auto frame = std::make_shared<std::vector<std::uint8_t>>();
    try {
      std::optional<Value> v = to_spark_value(m.content());
      if (!v) throw CodecError("payload type " + m.content().type_name() + " cannot cross to a spark peer (a Value or its scalars can)");
      if (auto* a = m.content().get_if<ActorAddress>(); a != nullptr && a->cell() != nullptr &&
                                                      a->cell()->kind() != detail::CellKind::remote) {
        exports_.add(*a);  // the peer may tell the address it was given
      }
      wire::WireEnvelope e;
      e.target = *static_cast<const runtime::RemoteCell*>(q->to.cell())->remote_id();
      e.payload = std::move(*v);
      e.message_id = std::to_string(m.id());
      e.headers = m.headers();
      e.sender = outgoing_id(m.sender());
      if (auto d = m.deadline()) e.deadline = to_system(*d);
      if (m.correlation_id() != m.id()) e.correlation_id = std::to_string(m.correlation_id());
      if (!m.trace_id().empty()) e.trace_id = std::string(m.trace_id());
      *frame = wire::encode_spark_frame(e);
    } catch (const std::exception& ex) {
      failure = ex.what();
    } catch (...) {
      failure = "the payload could not be encoded";
    }
    if (!failure.empty()) {
      runtime::reject_waiting_ask(m.sender().cell(), reasons::not_found);
      core_.delivery().dead_letter(std::move(m), q->to, "remote send failed: " + failure);
      continue;
    }
    peer->spark_busy = true;
    auto socket = std::make_shared<tcp::socket>(loop_.context());
    // One connection per envelope, written and closed (spark reads one frame
    // and closes); the next waits for this one, so the peer's order holds.
    auto done = [this, peer, q, socket](const boost::system::error_code& ec) {
      boost::system::error_code ignored;
      socket->close(ignored);
      peer->spark_busy = false;
      if (ec) {
        runtime::reject_waiting_ask(q->message.sender().cell(), reasons::remote_peer_down);
        core_.delivery().dead_letter(std::move(q->message), q->to, "remote send failed: " + ec.message());
      } else {
        messages_sent_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a figure
      }
      spark_send_next(peer);
    };
    socket->async_connect(where, [socket, frame, done](const boost::system::error_code& ec) {
      if (ec) return done(ec);
      boost::asio::async_write(*socket, boost::asio::buffer(*frame),
                               [frame, done](const boost::system::error_code& e, std::size_t) { done(e); });
    });
    return;
  }
}

}  // namespace ensemble::remote::native
