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

#include "remote/native/frames.hpp"
#include "remote/native/handshake.hpp"
#include "runtime/actor/actor_cell.hpp"
#include "runtime/ask/run_token.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "wire/native/native_codec.hpp"
#include "wire/spark/spark_codec.hpp"

namespace ensemble::remote::native {
namespace {

constexpr char transport_key[] = "remote-native";
constexpr std::size_t read_chunk = 64 * 1024;
// A flush stops taking messages once this much is waiting for the socket:
// the rest stay queued (and count against send_queue_limit), so a slow peer
// costs bounded memory.
constexpr std::size_t write_high_water = 4 * 1024 * 1024;
constexpr std::size_t max_handshaking = 256;
constexpr auto grace = std::chrono::seconds(1);
constexpr auto backoff_first = std::chrono::milliseconds(100);
constexpr auto backoff_cap = std::chrono::seconds(5);
// The largest spark frame this listener takes (spark's own bound is 64 MiB).
constexpr std::size_t spark_max_inbound = 1024 * 1024;
// Sent (X) by the side whose own connection stands when both opened at once.
constexpr char duplicate_refusal[] = "duplicate connection: the other one between these syndicates stands";

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

std::chrono::system_clock::time_point to_system(Clock::time_point t) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Clock::now());
}
Clock::time_point to_steady(std::chrono::system_clock::time_point t) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(t - std::chrono::system_clock::now());
}

bool is_ask_sender(const detail::Cell* c) {
  return c != nullptr && (c->kind() == detail::CellKind::reply || c->kind() == detail::CellKind::run);
}

}  // namespace

// One peer syndicate: its queue (any thread, under `mutex`) and its link
// (loop thread).
struct Transport::Peer {
  explicit Peer(SyndicateId i, boost::asio::io_context& context) : id(std::move(i)), reconnect(context) {}
  const SyndicateId id;
  enum class State { connecting, open, down };

  std::mutex mutex;
  State state = State::connecting;  // [mutex]
  struct Queued {
    ActorAddress to;
    Message message;
  };
  std::deque<Queued> queue;   // [mutex]
  bool flush_posted = false;  // [mutex]

  // [loop]
  std::shared_ptr<Link> link;
  std::unordered_set<std::uint64_t> asks;  // reply slots sent out to it, by number
  std::vector<std::vector<std::uint8_t>> control;  // frames waiting for the link to open
  boost::asio::steady_timer reconnect;
  std::chrono::milliseconds backoff{0};
  // spark's protocol: one connection per message, one at a time (so the
  // peer's order holds).
  bool spark = false;
  tcp::endpoint spark_where;
  bool spark_busy = false;  // [loop]
};

class Transport::Link : public std::enable_shared_from_this<Link> {
 public:
  enum class State { connecting, handshaking, open, closed };

  Link(Transport& t, tcp::socket socket, bool opener)
      : t_(t),
        socket_(std::move(socket)),
        timer_(t.loop_.context()),
        reader_(handshake_max_frame, /*expect_preamble=*/!opener),
        opener_(opener) {}

  // Outbound: connect to `where`, then the handshake.
  void start_outbound(const tcp::endpoint& where, std::shared_ptr<Peer> peer) {
    peer_ = std::move(peer);
    remote_text_ = where.address().to_string() + ":" + std::to_string(where.port());
    state_ = State::connecting;
    arm_handshake_deadline();
    socket_.async_connect(where, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (self->state_ == State::closed) return;
      if (ec) return self->close("connect failed: " + ec.message());
      boost::system::error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      self->begin_handshake();
    });
  }

  // Inbound: the handshake, as the acceptor.
  void start_inbound() {
    boost::system::error_code ec;
    const auto where = socket_.remote_endpoint(ec);
    remote_text_ = ec ? std::string("unknown peer") : where.address().to_string() + ":" + std::to_string(where.port());
    socket_.set_option(tcp::no_delay(true), ec);
    arm_handshake_deadline();
    sniff();
  }

  void send_frame_bytes(const std::vector<std::uint8_t>& bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    kick_write();
  }
  std::vector<std::uint8_t>& out() noexcept { return out_; }
  void kick_write() {
    if (write_in_flight_ || out_.empty() || state_ == State::closed) return;
    writing_.swap(out_);
    out_.clear();
    write_in_flight_ = true;
    last_sent_ = Clock::now();
    boost::asio::async_write(socket_, boost::asio::buffer(writing_),
                             [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                               self->write_in_flight_ = false;
                               self->writing_.clear();
                               if (self->state_ == State::closed) return;
                               if (ec) return self->close("write failed: " + ec.message());
                               if (!self->out_.empty()) return self->kick_write();
                               if (self->goodbye_sent_) return self->close("goodbye");
                               if (!self->close_when_written_.empty()) return self->close(self->close_when_written_);
                               if (self->reading_paused_ && self->out_.size() < write_high_water) {
                                 self->reading_paused_ = false;
                                 self->read_more();
                               }
                               if (self->peer_ && self->state_ == State::open) self->t_.flush(self->peer_);
                             });
  }
  bool idle_for_write() const noexcept { return !write_in_flight_ && out_.empty(); }
  std::size_t pending_bytes() const noexcept { return out_.size() + writing_.size(); }

  // Sends G after what is queued, then closes.
  void say_goodbye() {
    if (state_ != State::open || goodbye_sent_) return;
    write_empty_frame(out_, kind::goodbye);
    goodbye_sent_ = true;
    kick_write();
  }

  // Idempotent. Tells the transport once.
  void close(const std::string& why) noexcept {
    if (state_ == State::closed) return;
    const bool was_inbound_handshake = !opener_ && state_ == State::handshaking;
    if (state_ == State::handshaking && !spark_done_) {
      std::lock_guard lock(t_.mutex_);
      ++t_.counters_.connections_refused;  // closed before its handshake ended
    }
    state_ = State::closed;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (was_inbound_handshake && t_.handshaking_ > 0) --t_.handshaking_;
    t_.link_closed(*this, why);
  }

  State state() const noexcept { return state_; }
  bool opener() const noexcept { return opener_; }
  bool was_open() const noexcept { return was_open_; }
  const std::shared_ptr<Peer>& peer() const noexcept { return peer_; }
  void set_peer(std::shared_ptr<Peer> p) { peer_ = std::move(p); }
  const std::string& remote_text() const noexcept { return remote_text_; }
  std::uint64_t next_sent_counter() noexcept { return ++sent_counter_; }
  void unsend_counter() noexcept { --sent_counter_; }
  SyndicateId handshake_peer() const { return handshake_ ? handshake_->peer() : SyndicateId(); }

 private:
  // The first four bytes tell the protocols apart: "ENSN" starts the native
  // handshake; anything else is spark's length (if spark_compatible).
  void sniff() {
    boost::asio::async_read(
        socket_, boost::asio::buffer(sniff_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (self->state_ == State::closed) return;
          if (ec) return self->close("closed before its first four bytes");
          if (std::memcmp(self->sniff_.data(), preamble, sizeof preamble) == 0) {
            self->reader_.feed(std::span<const std::uint8_t>(self->sniff_.data(), self->sniff_.size()));
            return self->begin_handshake();
          }
          if (!self->t_.config_.spark_compatible) {
            self->t_.log_refusal(self->remote_text_, "not the native protocol (\"ENSN\"), and spark's is off");
            return self->close("bad preamble");
          }
          self->read_spark_frame();
        });
  }

  void read_spark_frame() {
    std::size_t length = 0;
    try {
      length = wire::spark_frame_length(std::span<const std::uint8_t, 4>(sniff_.data(), 4));
      // Below spark's 64 MiB: nobody is authenticated here, so nobody may
      // make this side hold much.
      if (length > spark_max_inbound) {
        throw CodecError("a spark frame of " + std::to_string(length) + " bytes, over this listener's " +
                         std::to_string(spark_max_inbound));
      }
    } catch (const std::exception& e) {
      t_.log_refusal(remote_text_, e.what());
      return close("bad spark frame");
    }
    spark_body_.resize(length);
    boost::asio::async_read(socket_, boost::asio::buffer(spark_body_),
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                              if (self->state_ == State::closed) return;
                              if (ec) return self->close("a spark frame cut short");
                              self->spark_done_ = true;
                              self->t_.on_spark_envelope(self->spark_body_, self->remote_text_);
                              self->close("spark frame done");  // spark: one envelope per connection
                            });
  }

  void arm_handshake_deadline() {
    timer_.expires_after(t_.config_.handshake_timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->state_ == State::open || self->state_ == State::closed) return;
      self->close("no handshake within " + std::to_string(self->t_.config_.handshake_timeout.count()) + " ms");
    });
  }

  void begin_handshake() {
    state_ = State::handshaking;
    HandshakeConfig hc;
    hc.self = t_.core_.id();
    hc.secret = t_.config_.secret;
    if (opener_ && peer_) hc.expected_peer = peer_->id;
    handshake_ = std::make_unique<Handshake>(opener_ ? Handshake::Role::opener : Handshake::Role::acceptor,
                                             std::move(hc));
    if (opener_) {
      handshake_->start(out_);
      kick_write();
    }
    last_heard_ = Clock::now();
    read_more();
  }

  void read_more() {
    socket_.async_read_some(boost::asio::buffer(in_),
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                              if (self->state_ == State::closed || !self->close_when_written_.empty()) return;
                              if (ec) {
                                return self->close(ec == boost::asio::error::eof ? "closed by the peer"
                                                                                 : "read failed: " + ec.message());
                              }
                              self->last_heard_ = Clock::now();
                              try {
                                self->reader_.feed(std::span<const std::uint8_t>(self->in_.data(), n));
                                self->take_frames();
                              } catch (const std::exception& e) {
                                // Bad framing or a malformed frame: beyond repair.
                                self->t_.log_refusal(self->remote_text_, e.what());
                                return self->close(std::string("bad input: ") + e.what());
                              } catch (...) {
                                self->t_.log_refusal(self->remote_text_, "a frame could not be handled");
                                return self->close("bad input");
                              }
                              if (self->state_ == State::closed) return;
                              // A peer that does not read what we answer: stop
                              // reading until the answers are written, so it
                              // cannot grow our buffers.
                              if (self->out_.size() >= write_high_water) {
                                self->reading_paused_ = true;
                                return;
                              }
                              self->read_more();
                            });
  }

  void take_frames() {
    while (state_ != State::closed && close_when_written_.empty()) {
      std::optional<Frame> f = reader_.next();
      if (!f) return;
      if (state_ == State::handshaking) {
        const std::size_t before = out_.size();
        const Handshake::Step step = handshake_->on_frame(*f, out_);
        if (step == Handshake::Step::done && !opener_ && !t_.admit_inbound(handshake_->peer())) {
          // The peer and we opened at once, and ours stands: refuse this one
          // instead of welcoming it (the opener hears why and waits for ours).
          out_.resize(before);
          write_frame(out_, kind::refused, [](ByteWriter& w) { w.text(duplicate_refusal); });
          kick_write();
          close_after_flush(duplicate_refusal);
          return;
        }
        kick_write();
        if (step == Handshake::Step::failed) {
          t_.log_refusal(remote_text_, "handshake: " + handshake_->failure());
          // Let the refusal (X) go out first.
          close_after_flush("handshake failed: " + handshake_->failure());
          return;
        }
        if (step == Handshake::Step::done) {
          state_ = State::open;
          was_open_ = true;
          reader_.set_max_frame(default_max_frame);
          if (!opener_ && t_.handshaking_ > 0) --t_.handshaking_;
          t_.link_open(shared_from_this());
          if (state_ == State::open) start_heartbeats();
        }
        continue;
      }
      on_session_frame(*f);
    }
  }

  // Lets the refusal (X) go out, then closes; nothing more is read.
  void close_after_flush(const std::string& why) {
    if (idle_for_write()) return close(why);
    close_when_written_ = why;
    timer_.expires_after(std::chrono::milliseconds(200));  // a peer that does not read gets no longer
    timer_.async_wait([self = shared_from_this(), why](const boost::system::error_code&) { self->close(why); });
  }

  void on_session_frame(const Frame& f) {
    switch (f.kind) {
      case kind::message:
        return t_.on_message(*this, f.body);
      case kind::nack:
        return t_.on_nack(*this, f.body);
      case kind::beat:
        return;
      case kind::lookup:
        return t_.on_lookup(*this, f.body);
      case kind::found:
        return t_.on_found(*this, f.body);
      case kind::goodbye:
        return close("the peer said goodbye");
      default:
        throw CodecError("frame kind '" + std::string(1, static_cast<char>(f.kind)) + "' after the handshake");
    }
  }

  void start_heartbeats() {
    const auto period = std::max(t_.config_.down_after / 4, std::chrono::milliseconds(1));
    timer_.expires_after(period);
    timer_.async_wait([self = shared_from_this(), period](const boost::system::error_code& ec) {
      if (ec || self->state_ != State::open) return;
      const auto now = Clock::now();
      if (now - self->last_heard_ > self->t_.config_.down_after) {
        return self->close("nothing heard for " + std::to_string(self->t_.config_.down_after.count()) + " ms");
      }
      if (now - self->last_sent_ >= period && self->idle_for_write()) {
        write_empty_frame(self->out_, kind::beat);
        self->kick_write();
      }
      self->start_heartbeats();
    });
  }

  Transport& t_;
  tcp::socket socket_;
  boost::asio::steady_timer timer_;  // the handshake's deadline, then the heartbeats
  FrameReader reader_;
  std::unique_ptr<Handshake> handshake_;
  State state_ = State::handshaking;
  bool opener_;
  bool goodbye_sent_ = false;
  bool reading_paused_ = false;
  std::array<std::uint8_t, 4> sniff_{};
  std::vector<std::uint8_t> spark_body_;
  bool spark_done_ = false;
  bool was_open_ = false;
  std::string close_when_written_;  // non-empty: refused, closing once the refusal is written
  std::shared_ptr<Peer> peer_;
  std::string remote_text_;
  std::array<std::uint8_t, read_chunk> in_{};
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> writing_;
  bool write_in_flight_ = false;
  std::uint64_t sent_counter_ = 0;

 public:
  std::uint64_t received_counter = 0;
  // Asks sent on this link by message counter, so that a refusal that cannot
  // name the sender (the far side could not decode the envelope) still fails
  // the ask at once. Pruned by the sweep.
  std::unordered_map<std::uint64_t, std::uint64_t> asks_by_counter;
  // The last sender and target resolved (Transport::on_message); dropped
  // with the link.
  ActorId cached_sender_id;
  ActorAddress cached_sender;
  ActorId cached_target_id;
  ActorAddress cached_target;
  Clock::time_point last_heard_ = Clock::now();
  Clock::time_point last_sent_ = Clock::now();
};

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
void Transport::PayloadAddresses::encode(ByteWriter& w, const ActorAddress& a) {
  const std::optional<ActorId> id = transport_.outgoing_id(a);
  if (!id && a) throw CodecError("the address of an actor in a worker process cannot cross to another syndicate");
  w.u8(id ? 1 : 0);
  if (id) Codec<ActorId>::encode(w, *id);
}

ActorAddress Transport::PayloadAddresses::decode(ByteReader& r) {
  switch (r.u8()) {
    case 0:
      return {};
    case 1:
      return transport_.incoming_address(Codec<ActorId>::decode(r));
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

// ---- sending ---------------------------------------------------------------------

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
        runtime::AddressCodecScope addresses(payload_addresses_);
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

// ---- receiving ---------------------------------------------------------------------

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
    runtime::AddressCodecScope addresses(payload_addresses_);
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

// ---- spark's protocol ----------------------------------------------------------------

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
