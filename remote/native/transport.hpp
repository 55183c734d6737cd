// Internal (remote/): the native transport, one per syndicate with
// SyndicateConfig::remote enabled (docs/remote.md, "The transport").
//
// Where things run:
//   - route(), from any thread (a tell to a remote address): the message is
//     queued on its peer (a mutex per peer), bounded by send_queue_limit, and
//     a flush is posted to io/'s loop unless one is pending. No socket call
//     and no encoding on the caller's thread.
//   - everything else on the loop thread: the listener, each connection's
//     handshake, reads and writes, the flush (which encodes the queued
//     messages into one buffer and one write: the batching), heartbeats,
//     down detection and reconnection.
//
// A peer (per SyndicateId) has at most one connection, used both ways: the
// one we opened (connect() gave a route) or the one it opened. Its states:
// connecting (tells queue), open, down (tells fail at once with
// reasons::remote_peer_down; with a route, reconnection is under way with
// capped exponential backoff).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>

#include <ensemble/address.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/remote.hpp>

#include "io/io_loop.hpp"
#include "remote/exports.hpp"
#include "remote/remote_cells.hpp"
#include "runtime/actor/routing.hpp"
#include "runtime/base/address_codec.hpp"
#include "runtime/core/services.hpp"

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::remote::native {

class Transport final : public runtime::Service, public runtime::RemoteRouter, private runtime::AddressCodec {
 public:
  Transport(runtime::SyndicateCore& core, io::IoLoop& loop, RemoteConfig config);
  ~Transport() override;

  // runtime::Service
  void actor_stopped(runtime::ActorCell& actor) noexcept override;
  // Flushes what is queued, says goodbye, closes every connection (within a
  // grace period), and fails what could not be sent as dead letters.
  void shutdown() noexcept override;
  // runtime::RemoteRouter
  DeliveryResult route(runtime::RemoteCell& to, Message& message) noexcept override;

  RemoteEndpoint local_endpoint() const { return endpoint_; }
  void connect(const SyndicateId& peer, const std::string& host, std::uint16_t port, RemoteProtocol protocol);
  ActorAddress remote_actor(const ActorId& id);
  void publish(const std::string& name, const ActorAddress& actor);
  ActorAddress lookup(const SyndicateId& peer, const std::string& name, std::chrono::nanoseconds timeout);

  // For the tests: figures of what happened.
  struct Counters {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_refused = 0;  // bad preamble, failed handshake, over the limit
    std::uint64_t messages_sent = 0;
    std::uint64_t messages_received = 0;
    std::uint64_t refusals_received = 0;  // N frames
    std::uint64_t peers_down = 0;
    std::uint64_t spark_received = 0;  // spark envelopes delivered or refused here
  };
  Counters counters() const;

  class Link;
  struct Peer;

 private:
  friend class Link;
  using tcp = boost::asio::ip::tcp;

  // [any thread] the peer of `id`, made (connecting) if a route names it.
  std::shared_ptr<Peer> peer_to_send(const SyndicateId& id);
  // [loop]
  void accept_next();
  void open_link(const std::shared_ptr<Peer>& peer);
  void flush(const std::shared_ptr<Peer>& peer);
  // Whether a finished inbound handshake from `peer` may become its link:
  // not when both sides opened at once and ours stands.
  bool admit_inbound(const SyndicateId& peer);
  void link_open(const std::shared_ptr<Link>& link);
  void link_closed(Link& link, const std::string& why) noexcept;
  void peer_down(const std::shared_ptr<Peer>& peer, const char* reason) noexcept;
  void peer_down_unsafe(const std::shared_ptr<Peer>& peer, const char* reason);
  void schedule_reconnect(const std::shared_ptr<Peer>& peer);
  void on_message(Link& link, std::span<const std::uint8_t> body);
  void on_nack(Link& link, std::span<const std::uint8_t> body);
  void on_lookup(Link& link, std::span<const std::uint8_t> body);
  void on_found(Link& link, std::span<const std::uint8_t> body);
  // spark's protocol (spark_link.cpp): one envelope per connection.
  void on_spark_envelope(std::span<const std::uint8_t> body, const std::string& from);
  void spark_send_next(const std::shared_ptr<Peer>& peer);
  void sweep_tick();
  void log_refusal(const std::string& peer_address, const std::string& why);
  // The id a peer knows `a` by; a local address is exported so the peer can
  // name it back. None for no address.
  std::optional<ActorId> outgoing_id(const ActorAddress& a);
  // The address of an id a peer sent: a local export (empty if none), or the
  // interned stand-in of another syndicate's actor.
  ActorAddress incoming_address(const ActorId& id);
  std::vector<std::shared_ptr<Peer>> peers_snapshot() const;
  // runtime::AddressCodec, for addresses inside payloads (Codec<ActorAddress>):
  // the same ids as the envelope's, installed (AddressCodecScope(*this))
  // around each encode and decode of a message.
  void encode(ByteWriter& w, const ActorAddress& a) override;
  ActorAddress decode(ByteReader& r) override;
  // [loop] a reply slot (or run token) sent out to `peer` is failed with `reason`.
  void fail_ask(std::uint64_t number, const char* reason) noexcept;

  runtime::SyndicateCore& core_;
  io::IoLoop& loop_;
  const RemoteConfig config_;
  Exports exports_;
  RemoteCells cells_;
  tcp::acceptor acceptor_;
  RemoteEndpoint endpoint_;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::unique_ptr<boost::asio::steady_timer> accept_retry_;
  std::set<std::shared_ptr<Link>> links_;  // [loop] every connection not yet closed

  mutable std::mutex mutex_;
  std::map<SyndicateId, std::shared_ptr<Peer>> peers_;  // [mutex_]
  struct Route {
    tcp::endpoint where;
    RemoteProtocol protocol = RemoteProtocol::native;
  };
  std::map<SyndicateId, Route> routes_;                  // [mutex_]
  struct PendingLookup {
    SyndicateId peer;
    std::promise<ActorId> found;  // an empty id: no such name
  };
  std::map<std::uint64_t, PendingLookup> lookups_;  // [mutex_]
  std::uint64_t next_lookup_ = 1;                   // [mutex_]
  bool closed_ = false;                             // [mutex_]
  Counters counters_;                               // [mutex_] but the two below
  std::atomic<std::uint64_t> messages_sent_{0};
  std::atomic<std::uint64_t> messages_received_{0};
  std::size_t handshaking_ = 0;                     // [loop] inbound connections before their handshake ended
};

// The syndicate's transport, or null when SyndicateConfig::remote is off.
Transport* transport_of(runtime::SyndicateCore& core);
// Starts it (listening) and makes it the core's remote router.
void attach_transport(runtime::SyndicateCore& core);

}  // namespace ensemble::remote::native
