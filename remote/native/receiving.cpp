// The native transport, receiving: the frames of an open link (messages,
// refusals, lookups and their answers), on the loop thread. transport.hpp;
// docs/remote.md.
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
void write_nack(std::vector<std::uint8_t>& out, std::uint64_t counter, std::uint64_t message_id,
                const std::string& sender_uuid, std::string_view reason) {
  write_frame(out, kind::nack, [&](ByteWriter& w) {
    w.varint(counter);
    w.varint(message_id);
    w.text(sender_uuid);
    w.text(reason.substr(0, 200));
  });
}
}  // namespace

void Transport::on_message(Link& link, std::span<const std::uint8_t> body) {
  ByteReader r(body);
  const std::uint64_t counter = r.varint();
  if (counter != link.received_counter + 1) {
    throw CodecError("message counter " + std::to_string(counter) + " after " +
                     std::to_string(link.received_counter));
  }
  link.received_counter = counter;
  // relaxed: a figure for counters(), ordered by nothing.
  messages_received_.fetch_add(1, std::memory_order_relaxed);
  wire::NativeEnvelope e;
  try {
    runtime::AddressCodecScope addresses(*this);
    e = wire::decode_native(body.subspan(body.size() - r.remaining()));
  } catch (...) {
    // An authenticated peer sent what we cannot read (a payload type not
    // registered here, say): refused back by counter, the connection goes on.
    std::string why = "bad message";
    try {
      throw;
    } catch (const std::exception& ex) {
      why += std::string(": ") + ex.what();
    } catch (...) {
    }
    write_nack(link.out(), counter, 0, "", why);
    link.kick_write();
    return;
  }
  auto sender_uuid = [&] { return e.sender ? e.sender->actor_id() : std::string(); };
  // A stream from one sender to one actor resolves both ids once: the link
  // keeps the last of each (a reply slot's target is never kept: it takes
  // one message).
  ActorAddress sender;
  if (e.sender) {
    if (link.cached_sender && *e.sender == link.cached_sender_id) {
      sender = link.cached_sender;
    } else {
      sender = incoming_address(*e.sender);
      link.cached_sender_id = *e.sender;
      link.cached_sender = sender;
    }
  }
  Message m(std::move(e.payload), std::move(sender), e.message_id);
  if (e.correlation_id != 0) m.set_correlation_id(e.correlation_id);
  if (e.deadline) m.set_deadline(to_steady(*e.deadline));
  if (!e.headers.empty()) m.set_headers(std::move(e.headers));
  if (!e.trace_id.empty()) m.set_trace_id(std::move(e.trace_id));

  ActorAddress target;
  std::uint64_t number = 0;
  if (link.cached_target && e.target == link.cached_target_id) {
    target = link.cached_target;
  } else if (e.target.syndicate_id() == core_.id()) {
    number = core_.actor_number_of(e.target.actor_id());
    if (number != 0) target = exports_.find(number);
    if (target && !is_ask_sender(target.cell())) {
      link.cached_target_id = e.target;
      link.cached_target = target;
    }
  }
  if (!target) {
    // Not ours, or never sent out: nothing here can take it.
    const std::string_view reason = reasons::not_found;
    core_.delivery().dead_letter(std::move(m), ActorAddress(), std::string(reason));
    write_nack(link.out(), counter, e.message_id, sender_uuid(), reason);
    link.kick_write();
    return;
  }
  if (is_ask_sender(target.cell())) {
    // A reply: the slot takes one message, and is no longer exported.
    if (link.peer()) link.peer()->asks.erase(number);
    exports_.remove(number);
  }
  const DeliveryResult result = core_.delivery().tell(target, std::move(m));
  if (!result.success) {
    write_nack(link.out(), counter, e.message_id, sender_uuid(), result.reason);
    link.kick_write();
  }
}

void Transport::on_nack(Link& link, std::span<const std::uint8_t> body) {
  ByteReader r(body);
  const std::uint64_t counter = r.varint();
  r.varint();  // message id
  const std::string sender_uuid(r.text());
  const std::string reason(r.text());
  if (r.remaining() != 0) throw CodecError("trailing bytes in a refusal");
  {
    std::lock_guard lock(mutex_);
    ++counters_.refusals_received;
  }
  std::uint64_t number = sender_uuid.empty() ? 0 : core_.actor_number_of(sender_uuid);
  if (auto it = link.asks_by_counter.find(counter); it != link.asks_by_counter.end()) {
    if (number == 0) number = it->second;  // the far side could not even read the sender
    link.asks_by_counter.erase(it);
  }
  if (number == 0) return;
  ActorAddress sender = exports_.find(number);
  if (!sender || !is_ask_sender(sender.cell())) return;  // a tell: the far side dead-lettered it
  fail_ask(number, interned_reason(reason));
}

void Transport::on_lookup(Link& link, std::span<const std::uint8_t> body) {
  ByteReader r(body);
  const std::uint64_t request = r.varint();
  const std::string name(r.text());
  if (r.remaining() != 0) throw CodecError("trailing bytes in a lookup");
  ActorAddress a = exports_.published(name);
  write_frame(link.out(), kind::found, [&](ByteWriter& w) {
    w.varint(request);
    w.u8(a ? 1 : 0);
    if (a) w.text(a.actor_id().actor_id());
  });
  link.kick_write();
}

void Transport::on_found(Link& link, std::span<const std::uint8_t> body) {
  ByteReader r(body);
  const std::uint64_t request = r.varint();
  const bool found = r.u8() != 0;
  std::string actor;
  if (found) actor = std::string(r.text());
  if (r.remaining() != 0) throw CodecError("trailing bytes in a lookup's answer");
  std::promise<ActorId> p;
  SyndicateId peer;
  {
    std::lock_guard lock(mutex_);
    auto it = lookups_.find(request);
    if (it == lookups_.end()) return;  // timed out meanwhile
    // Only the peer asked may answer.
    if (!link.peer() || it->second.peer != link.peer()->id) throw CodecError("an answer to a lookup it was not asked");
    p = std::move(it->second.found);
    peer = it->second.peer;
    lookups_.erase(it);
  }
  p.set_value(found ? ActorId(peer, std::move(actor)) : ActorId());
}

}  // namespace ensemble::remote::native
