// The native transport, sending: a tell to a remote address is queued for
// its peer (route, any thread) and written in batches (flush, the loop).
// transport.hpp; docs/remote.md.
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

DeliveryResult Transport::route(runtime::RemoteCell& to, Message& message) noexcept {
  const ActorId* id = to.remote_id();
  if (id == nullptr) return {false, reasons::not_found};
  std::shared_ptr<Peer> peer;
  try {
    peer = peer_to_send(id->syndicate_id());
  } catch (...) {
    return {false, reasons::remote_peer_down};
  }
  if (!peer) return {false, reasons::remote_route_not_found};
  bool post = false;
  {
    std::lock_guard lock(peer->mutex);
    if (peer->state == Peer::State::down) return {false, reasons::remote_peer_down};
    if (peer->queue.size() >= config_.send_queue_limit) return {false, reasons::remote_send_queue_full};
    try {
      peer->queue.push_back(Peer::Queued{ActorAddress(&to), std::move(message)});
    } catch (...) {
      return {false, reasons::remote_send_queue_full};
    }
    if (!peer->flush_posted && peer->state == Peer::State::open) {
      peer->flush_posted = true;
      post = true;
    }
  }
  if (post) {
    try {
      boost::asio::post(loop_.context(), [this, peer] { flush(peer); });
    } catch (...) {
      // Out of memory: the next tell or the next write's end flushes it.
      std::lock_guard lock(peer->mutex);
      peer->flush_posted = false;
    }
  }
  return {};
}

void Transport::flush(const std::shared_ptr<Peer>& peer) {
  if (peer->spark) return spark_send_next(peer);
  const std::shared_ptr<Link> link = peer->link;
  {
    std::lock_guard lock(peer->mutex);
    peer->flush_posted = false;
    if (!link || link->state() != Link::State::open) return;
  }
  std::vector<std::uint8_t>& out = link->out();
  std::uint64_t sent = 0;
  std::vector<Peer::Queued> batch;
  constexpr std::size_t chunk = 256;  // messages taken per lock of the queue
  wire::NativeEnvelope e;
  const runtime::RemoteCell* last_target = nullptr;
  const detail::Cell* last_sender = nullptr;
  for (;;) {
    batch.clear();
    // The cells compared below are kept alive only by the batch: a new chunk
    // compares nothing with the last one's (an address may be reused).
    last_target = nullptr;
    last_sender = nullptr;
    {
      std::lock_guard lock(peer->mutex);
      // Under the high-water mark only: the rest stays queued (counted
      // against send_queue_limit) until the write in flight ends.
      if (link->pending_bytes() >= write_high_water) {
        if (!peer->queue.empty()) peer->flush_posted = true;  // the write's end flushes it
        break;
      }
      const std::size_t n = std::min(chunk, peer->queue.size());
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(peer->queue.front()));
        peer->queue.pop_front();
      }
    }
    if (batch.empty()) break;
    for (auto& q : batch) {
      Message& m = q.message;
      const auto* to = static_cast<const runtime::RemoteCell*>(q.to.cell());
      // One envelope reused through the batch: a run of messages to the same
      // actor from the same sender (the common case of a stream) copies the
      // two ids and exports the sender once, not per message.
      if (to != last_target) {
        e.target = *to->remote_id();
        last_target = to;
      }
      detail::Cell* s = m.sender().cell();
      if (s != last_sender || s == nullptr) {
        e.sender = outgoing_id(m.sender());
        last_sender = s;
      }
      // An ask of this syndicate (numbers are per syndicate: another's would
      // name one of ours when its peer fails).
      const bool own_ask = is_ask_sender(s) && s->core() == &core_;
      if (own_ask) peer->asks.insert(s->id());
      e.message_id = m.id();
      e.correlation_id = m.correlation_id() == m.id() ? 0 : m.correlation_id();
      e.deadline.reset();
      if (auto d = m.deadline()) e.deadline = to_system(*d);
      e.headers = m.headers();
      e.trace_id.assign(m.trace_id());
      e.payload = std::move(m.content());
      const std::size_t start = begin_frame(out, kind::message);
      const std::uint64_t counter = link->next_sent_counter();
      std::string failure;
      try {
        ByteWriter w(out);
        w.varint(counter);
        runtime::AddressCodecScope addresses(*this);
        wire::encode_native(e, out);
        end_frame(out, start, default_max_frame);
        ++sent;
        if (own_ask) link->asks_by_counter[counter] = s->id();
        continue;
      } catch (const std::exception& ex) {
        failure = ex.what();
      } catch (...) {
        failure = "the payload's codec failed";
      }
      out.resize(start);
      link->unsend_counter();
      m.content() = std::move(e.payload);
      runtime::reject_waiting_ask(m.sender().cell(), reasons::not_found);
      core_.delivery().dead_letter(std::move(m), q.to, "remote send failed: " + failure);
    }
  }
  // relaxed: a figure for counters(), ordered by nothing.
  messages_sent_.fetch_add(sent, std::memory_order_relaxed);
  link->kick_write();
}

}  // namespace ensemble::remote::native
