// The native transport (transport.hpp; docs/remote.md).
#include "remote/native/transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstring>
#include <cstdio>
#include <deque>
#include <random>
#include <set>
#include <unordered_set>

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
constexpr char transport_key[] = "remote-native";
}  // namespace

// ReplySlot::reject keeps the text for ever (a const char*): refusals from a
// peer are interned, a bounded number of distinct texts, so a peer cannot
// grow this process's memory by inventing reasons.
const char* interned_reason(std::string_view reason) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> texts;
  constexpr std::size_t max_texts = 256;
  constexpr std::size_t max_length = 200;
  if (reason.size() > max_length) reason = reason.substr(0, max_length);
  std::lock_guard lock(mutex);
  auto it = texts.find(reason);
  if (it != texts.end()) return it->c_str();
  if (texts.size() >= max_texts) return "remote delivery refused";
  return texts.emplace(reason).first->c_str();
}

Transport::Transport(runtime::SyndicateCore& core, io::IoLoop& loop, RemoteConfig config)
    : core_(core), loop_(loop), config_(std::move(config)), cells_(core), acceptor_(loop.context()) {
  if (config_.secret.empty()) {
    throw InvalidArgument("remote: a secret is required (RemoteConfig::secret); both peers must share it");
  }
  if (config_.down_after.count() <= 0) throw InvalidArgument("remote: down_after must be positive");
  if (config_.send_queue_limit == 0) throw InvalidArgument("remote: send_queue_limit must be positive");
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(config_.host, ec);
  if (ec) throw InvalidArgument("remote: host '" + config_.host + "' is not an IP address: " + ec.message());
  const tcp::endpoint where(address, config_.port);
  acceptor_.open(where.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(where, ec);
  if (ec) throw SyndicateError("remote: cannot listen on " + config_.host + ":" + std::to_string(config_.port) + ": " + ec.message());
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
  endpoint_ = RemoteEndpoint{config_.host, acceptor_.local_endpoint().port()};
  sweep_timer_ = std::make_unique<boost::asio::steady_timer>(loop.context());
  accept_retry_ = std::make_unique<boost::asio::steady_timer>(loop.context());
  boost::asio::post(loop_.context(), [this] {
    accept_next();
    sweep_tick();
  });
}

Transport::~Transport() = default;

Transport::Counters Transport::counters() const {
  std::lock_guard lock(mutex_);
  Counters c = counters_;
  // relaxed: figures, read together with nothing they order.
  c.messages_sent = messages_sent_.load(std::memory_order_relaxed);
  c.messages_received = messages_received_.load(std::memory_order_relaxed);
  return c;
}

void Transport::log_refusal(const std::string& peer_address, const std::string& why) {
  std::fprintf(stderr, "ensemble: remote: refused %s: %s\n", peer_address.c_str(), why.c_str());
}

// ---- the listener -----------------------------------------------------------

void Transport::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted) return;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
    }
    if (ec) {
      // Out of descriptors, say: try again shortly rather than spin.
      accept_retry_->expires_after(std::chrono::milliseconds(100));
      accept_retry_->async_wait([this](const boost::system::error_code& e) {
        if (!e) accept_next();
      });
      return;
    }
    {
      if (handshaking_ >= max_handshaking) {
        // Half-open connections beyond the bound: closed at once, so they
        // never starve the honest ones of memory or descriptors.
        boost::system::error_code ignored;
        socket.close(ignored);
        std::lock_guard lock(mutex_);
        ++counters_.connections_refused;
      } else {
        ++handshaking_;
        auto link = std::make_shared<Link>(*this, std::move(socket), /*opener=*/false);
        links_.insert(link);
        link->start_inbound();
        std::lock_guard lock(mutex_);
        ++counters_.connections_accepted;
      }
    }
    accept_next();
  });
}

// ---- peers and links ----------------------------------------------------------

std::shared_ptr<Transport::Peer> Transport::peer_to_send(const SyndicateId& id) {
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  auto it = peers_.find(id);
  if (it != peers_.end()) return it->second;
  auto route = routes_.find(id);
  if (route == routes_.end()) return nullptr;
  auto peer = std::make_shared<Peer>(id, loop_.context());
  peers_.emplace(id, peer);
  if (route->second.protocol == RemoteProtocol::spark) {
    peer->spark = true;
    peer->spark_where = route->second.where;
    peer->state = Peer::State::open;  // nothing to open: a connection per message
    return peer;
  }
  boost::asio::post(loop_.context(), [this, peer] { open_link(peer); });
  return peer;
}

void Transport::open_link(const std::shared_ptr<Peer>& peer) {
  if (peer->link && peer->link->state() != Link::State::closed) return;
  tcp::endpoint where;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    auto r = routes_.find(peer->id);
    if (r == routes_.end() || peer->spark) return;
    where = r->second.where;
  }
  // A peer that is down stays down (tells fail at once) until this
  // connection's handshake ends: a reconnection is not a promise.
  auto link = std::make_shared<Link>(*this, tcp::socket(loop_.context()), /*opener=*/true);
  links_.insert(link);
  peer->link = link;
  link->start_outbound(where, peer);
}

bool Transport::admit_inbound(const SyndicateId& id) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  auto it = peers_.find(id);
  if (it == peers_.end()) return true;
  const std::shared_ptr<Link>& existing = it->second->link;
  if (!existing || existing->state() == Link::State::closed) return true;
  // Both sides opened at once: the connection opened by the smaller id
  // stands, on both sides. Ours is that one: refuse this.
  return !(existing->opener() && core_.id() < id);
}

void Transport::link_open(const std::shared_ptr<Link>& link) {
  const SyndicateId id = link->handshake_peer();
  std::shared_ptr<Peer> peer;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      link->close("shutdown");
      return;
    }
    auto it = peers_.find(id);
    if (it == peers_.end()) it = peers_.emplace(id, std::make_shared<Peer>(id, loop_.context())).first;
    peer = it->second;
  }
  if (peer->link && peer->link != link && peer->link->state() != Link::State::closed) {
    // The peer's connection stands over ours (admit_inbound), or a peer that
    // restarted replaces its old one: the newer link wins, quietly (the old
    // one's peer is not put down).
    auto old = peer->link;
    old->set_peer(nullptr);
    old->close("replaced by a newer connection");
  }
  peer->link = link;
  link->set_peer(peer);
  peer->backoff = std::chrono::milliseconds(0);
  peer->reconnect.cancel();
  {
    std::lock_guard lock(peer->mutex);
    peer->state = Peer::State::open;
  }
  for (auto& frame : peer->control) link->send_frame_bytes(frame);
  peer->control.clear();
  flush(peer);
}

void Transport::link_closed(Link& link, const std::string& why) noexcept {
  try {
    for (auto it = links_.begin(); it != links_.end(); ++it) {
      if (it->get() == &link) {
        links_.erase(it);  // `link` lives on: the caller holds it
        break;
      }
    }
    std::shared_ptr<Peer> peer = link.peer();
    if (!peer || peer->link.get() != &link) return;  // a handshake that never became a peer's link
    peer->link.reset();
    bool closing;
    {
      std::lock_guard lock(mutex_);
      closing = closed_;
      if (link.was_open()) ++counters_.peers_down;
    }
    if (!closing && why.find(duplicate_refusal) != std::string::npos) {
      // Both opened at once and the peer's connection stands: it is on its
      // way; the peer is down only if it does not open in time.
      peer->reconnect.expires_after(config_.handshake_timeout);
      peer->reconnect.async_wait([this, peer](const boost::system::error_code& ec) {
        if (ec || (peer->link && peer->link->state() == Link::State::open)) return;
        peer_down(peer, reasons::remote_peer_down);
        schedule_reconnect(peer);
      });
      return;
    }
    if (!closing && link.was_open() && why != "the peer said goodbye") {
      std::fprintf(stderr, "ensemble: remote: peer %s (%s) down: %s\n", peer->id.to_string().c_str(),
                   link.remote_text().c_str(), why.c_str());
    }
    peer_down(peer, closing ? reasons::syndicate_shut_down : reasons::remote_peer_down);
    if (!closing) schedule_reconnect(peer);
  } catch (...) {
    // Out of memory while tidying up: what is left is failed at shutdown.
  }
}

void Transport::peer_down(const std::shared_ptr<Peer>& peer, const char* reason) noexcept {
  try {
    peer_down_unsafe(peer, reason);
  } catch (...) {
    // Out of memory recording dead letters: nothing more can be done here.
  }
}

void Transport::peer_down_unsafe(const std::shared_ptr<Peer>& peer, const char* reason) {
  std::deque<Peer::Queued> lost;
  {
    std::lock_guard lock(peer->mutex);
    peer->state = Peer::State::down;
    lost.swap(peer->queue);
    peer->flush_posted = false;
  }
  for (auto& q : lost) {
    runtime::reject_waiting_ask(q.message.sender().cell(), reason);
    core_.delivery().dead_letter(std::move(q.message), q.to, reason);
  }
  for (std::uint64_t number : peer->asks) fail_ask(number, reason);
  peer->asks.clear();
  peer->control.clear();
  std::vector<std::promise<ActorId>> failed;
  {
    std::lock_guard lock(mutex_);
    for (auto it = lookups_.begin(); it != lookups_.end();) {
      if (it->second.peer == peer->id) {
        failed.push_back(std::move(it->second.found));
        it = lookups_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& p : failed) {
    try {
      p.set_exception(std::make_exception_ptr(MessageDeliveryError(peer->id.to_string(), reason)));
    } catch (...) {
    }
  }
}

void Transport::schedule_reconnect(const std::shared_ptr<Peer>& peer) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || routes_.find(peer->id) == routes_.end()) return;  // it connected to us: it comes back itself
  }
  peer->backoff = peer->backoff.count() == 0 ? std::chrono::milliseconds(backoff_first)
                                             : std::min<std::chrono::milliseconds>(peer->backoff * 2, backoff_cap);
  // Jitter (+-20%), so peers that lost each other at once do not retry in step.
  static thread_local std::minstd_rand jitter(std::random_device{}());
  const auto spread = peer->backoff.count() / 5;
  const auto wait = peer->backoff + std::chrono::milliseconds(spread == 0 ? 0 : static_cast<long>(jitter() % (2 * spread + 1)) - spread);
  peer->reconnect.expires_after(wait);
  peer->reconnect.async_wait([this, peer](const boost::system::error_code& ec) {
    if (!ec) open_link(peer);
  });
}

std::optional<ActorId> Transport::outgoing_id(const ActorAddress& a) {
  detail::Cell* c = a.cell();
  if (c == nullptr) return std::nullopt;
  if (c->kind() == detail::CellKind::remote) {
    const ActorId* far = static_cast<const runtime::RemoteCell*>(c)->remote_id();
    return far != nullptr ? std::optional<ActorId>(*far) : std::nullopt;
  }
  // Another syndicate of this process: the peer reaches it by its own route
  // to that syndicate, as it would one of another process.
  if (c->core() == &core_) exports_.add(a);  // the peer may answer it, or tell it later
  return a.actor_id();
}

ActorAddress Transport::incoming_address(const ActorId& id) {
  if (id.syndicate_id() == core_.id()) return exports_.find(core_.actor_number_of(id.actor_id()));
  return cells_.address_of(id);
}

// An address in a payload: 0 (none) or 1 and the ActorId the peer knows it
// by, exactly as the envelope's sender.
void Transport::encode(ByteWriter& w, const ActorAddress& a) {
  const std::optional<ActorId> id = outgoing_id(a);
  if (!id && a) throw CodecError("the address of an actor in a worker process cannot cross to another syndicate");
  w.u8(id ? 1 : 0);
  if (id) Codec<ActorId>::encode(w, *id);
}

ActorAddress Transport::decode(ByteReader& r) {
  switch (r.u8()) {
    case 0:
      return {};
    case 1:
      return incoming_address(Codec<ActorId>::decode(r));
    default:
      r.fail("an address tag other than 0 or 1");
  }
}

std::vector<std::shared_ptr<Transport::Peer>> Transport::peers_snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Peer>> peers;
  peers.reserve(peers_.size());
  for (const auto& [id, p] : peers_) peers.push_back(p);
  return peers;
}

void Transport::fail_ask(std::uint64_t number, const char* reason) noexcept {
  ActorAddress a = exports_.find(number);
  if (!a) return;
  runtime::reject_waiting_ask(a.cell(), reason);
  exports_.remove(number);
}

// ---- the API's calls --------------------------------------------------------------------

void Transport::connect(const SyndicateId& peer, const std::string& host, std::uint16_t port,
                        RemoteProtocol protocol) {
  if (peer.empty()) throw InvalidArgument("connect: an empty syndicate id");
  if (peer == core_.id()) throw InvalidArgument("connect: " + peer.to_string() + " is this syndicate");
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) throw InvalidArgument("connect: host '" + host + "' is not an IP address");
  std::shared_ptr<Peer> revive;
  {
    std::lock_guard lock(mutex_);
    if (closed_) throw SyndicateError("connect: syndicate '" + core_.name() + "' is shut down");
    auto it = peers_.find(peer);
    if (it != peers_.end() && it->second->spark != (protocol == RemoteProtocol::spark)) {
      throw InvalidArgument("connect: " + peer.to_string() + " is already spoken to with the other protocol");
    }
    routes_.insert_or_assign(peer, Route{tcp::endpoint(address, port), protocol});
    if (it != peers_.end()) {
      if (it->second->spark) {
        std::lock_guard peer_lock(it->second->mutex);
        it->second->spark_where = tcp::endpoint(address, port);  // read on the loop under this lock
      } else {
        revive = it->second;
      }
    }
  }
  if (revive) {
    // A peer known down: try the new route now rather than at the next backoff.
    boost::asio::post(loop_.context(), [this, revive] {
      if (!revive->link) open_link(revive);
    });
  }
}

ActorAddress Transport::remote_actor(const ActorId& id) {
  if (id.syndicate_id().empty() || id.actor_id().empty()) throw InvalidArgument("remote_actor: an empty actor id");
  ActorAddress a = incoming_address(id);
  if (!a) throw InvalidArgument("remote_actor: " + id.to_string() + " is not an actor of this syndicate that was published or sent out");
  return a;
}

void Transport::publish(const std::string& name, const ActorAddress& actor) {
  detail::Cell* c = actor.cell();
  if (c == nullptr || c->kind() != detail::CellKind::actor || c->core() != &core_) {
    throw InvalidArgument("publish: '" + name + "' must name a live actor of this syndicate");
  }
  if (c->has_flag(detail::flag_stopped)) throw InvalidArgument("publish: " + actor.to_string() + " has stopped");
  exports_.publish(name, actor);
}

ActorAddress Transport::lookup(const SyndicateId& peer_id, const std::string& name, std::chrono::nanoseconds timeout) {
  if (core_.on_pool_thread()) {
    throw SyndicateError("lookup would block a worker thread; call it from plain code");
  }
  if (peer_id == core_.id()) {
    ActorAddress a = exports_.published(name);
    if (!a) throw MessageDeliveryError("'" + name + "'", "no actor published under that name");
    return a;
  }
  std::shared_ptr<Peer> peer = peer_to_send(peer_id);
  if (!peer) throw MessageDeliveryError(peer_id.to_string(), reasons::remote_route_not_found);
  if (peer->spark) throw InvalidArgument("lookup: spark's protocol has no published names (" + peer_id.to_string() + ")");
  std::future<ActorId> answer;
  std::uint64_t request;
  {
    std::lock_guard lock(mutex_);
    {
      std::lock_guard peer_lock(peer->mutex);
      if (peer->state == Peer::State::down && routes_.find(peer_id) == routes_.end()) {
        throw MessageDeliveryError(peer_id.to_string(), reasons::remote_peer_down);  // it must come back itself
      }
    }
    request = next_lookup_++;
    auto& pending = lookups_[request];
    pending.peer = peer_id;
    answer = pending.found.get_future();
  }
  std::vector<std::uint8_t> frame;
  write_frame(frame, kind::lookup, [&](ByteWriter& w) {
    w.varint(request);
    w.text(name);
  });
  boost::asio::post(loop_.context(), [this, peer, frame = std::move(frame)]() mutable {
    if (peer->link && peer->link->state() == Link::State::open) {
      peer->link->send_frame_bytes(frame);
    } else {
      peer->control.push_back(std::move(frame));
      if (!peer->link) open_link(peer);
    }
  });
  if (answer.wait_for(timeout) != std::future_status::ready) {
    std::lock_guard lock(mutex_);
    lookups_.erase(request);
    throw ActorTimeout("lookup", timeout);
  }
  const ActorId id = answer.get();  // throws what peer_down set
  if (id.empty()) throw MessageDeliveryError("'" + name + "' at " + peer_id.to_string(), "no actor published under that name");
  return cells_.address_of(id);
}

// ---- upkeep --------------------------------------------------------------------------

void Transport::actor_stopped(runtime::ActorCell& actor) noexcept {
  exports_.unpublish_actor(static_cast<const detail::Cell*>(&actor));
}

void Transport::sweep_tick() {
  exports_.sweep();
  // Asks that ended here (a time-out) are no longer exported: forget them.
  for (auto& p : peers_snapshot()) {
    std::erase_if(p->asks, [&](std::uint64_t n) { return !exports_.find(n); });
    if (p->link) std::erase_if(p->link->asks_by_counter, [&](const auto& kv) { return !exports_.find(kv.second); });
  }
  sweep_timer_->expires_after(std::max(config_.down_after, std::chrono::milliseconds(100)));
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) sweep_tick();
  });
}

void Transport::shutdown() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  core_.delivery().set_remote_router(nullptr);
  // Runs `step` on the loop and waits for it, at most `limit`: a step that
  // fails or a loop that is stuck must not hang the shutdown.
  auto on_loop = [this](auto step, std::chrono::milliseconds limit) -> bool {
    try {
      auto done = std::make_shared<std::promise<bool>>();
      auto answer = done->get_future();
      boost::asio::post(loop_.context(), [done, step]() mutable {
        bool result = false;
        try {
          result = step();
        } catch (...) {
        }
        done->set_value(result);
      });
      return answer.wait_for(limit) == std::future_status::ready && answer.get();
    } catch (...) {
      return false;
    }
  };
  const auto step_limit = std::chrono::milliseconds(2000);
  // Stop listening, flush each open connection and say goodbye.
  on_loop(
      [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        sweep_timer_->cancel();
        accept_retry_->cancel();
        for (auto& p : peers_snapshot()) {
          p->reconnect.cancel();
          if (p->link && p->link->state() == Link::State::open) {
            flush(p);
            p->link->say_goodbye();
          }
        }
        return true;
      },
      step_limit);
  // Wait (up to the grace period) for those writes.
  const auto until = Clock::now() + grace;
  while (Clock::now() < until) {
    const bool written = on_loop(
        [this] {
          for (const auto& l : links_) {
            if (l->state() == Link::State::open && !l->idle_for_write()) return false;
          }
          return true;
        },
        step_limit);
    if (written) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Close every connection (those still in their handshake too) and fail
  // what is left.
  on_loop(
      [this] {
        const std::vector<std::shared_ptr<Link>> open(links_.begin(), links_.end());
        for (const auto& l : open) l->close("shutdown");
        for (auto& p : peers_snapshot()) peer_down(p, reasons::syndicate_shut_down);
        return true;
      },
      step_limit);
}

Transport* transport_of(runtime::SyndicateCore& core) {
  return static_cast<Transport*>(core.services().find(transport_key));
}

void attach_transport(runtime::SyndicateCore& core) {
  io::IoLoop& loop = io::io_loop_of(core);
  runtime::Service* s = core.services().attach(
      transport_key, [&] { return std::make_unique<Transport>(core, loop, core.config().remote); });
  if (s == nullptr) throw SyndicateError("syndicate '" + core.name() + "' is shut down");
  core.delivery().set_remote_router(static_cast<Transport*>(s));
}

}  // namespace ensemble::remote::native
