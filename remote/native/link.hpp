// Internal (remote/native/): what the transport's files share: its limits,
// a peer (Transport::Peer) and a connection (Transport::Link).
//
// transport.cpp: the listener, peers and links coming and going, the API's
// calls and upkeep; sending.cpp: route and flush; receiving.cpp: the frames
// of an open link; spark_link.cpp: spark's protocol.
//
// Thread safety: a Peer's queue and state are under its mutex (any thread);
// everything else here, a Link whole, belongs to the loop thread.
#pragma once

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ensemble/errors.hpp>

#include "remote/native/frames.hpp"
#include "remote/native/handshake.hpp"
#include "remote/native/transport.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "wire/spark/spark_codec.hpp"

namespace ensemble::remote::native {


inline constexpr std::size_t read_chunk = 64 * 1024;
// A flush stops taking messages once this much is waiting for the socket:
// the rest stay queued (and count against send_queue_limit), so a slow peer
// costs bounded memory.
inline constexpr std::size_t write_high_water = 4 * 1024 * 1024;
inline constexpr std::size_t max_handshaking = 256;
inline constexpr auto grace = std::chrono::seconds(1);
inline constexpr auto backoff_first = std::chrono::milliseconds(100);
inline constexpr auto backoff_cap = std::chrono::seconds(5);
// The largest spark frame this listener takes (spark's own bound is 64 MiB).
inline constexpr std::size_t spark_max_inbound = 1024 * 1024;
// Sent (X) by the side whose own connection stands when both opened at once.
inline constexpr char duplicate_refusal[] = "duplicate connection: the other one between these syndicates stands";

// A refusal's text from a peer, kept for ever (ReplySlot::reject takes a
// const char*) but bounded in number and length (transport.cpp).
const char* interned_reason(std::string_view reason);

inline std::chrono::system_clock::time_point to_system(Clock::time_point t) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Clock::now());
}
inline Clock::time_point to_steady(std::chrono::system_clock::time_point t) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(t - std::chrono::system_clock::now());
}

inline bool is_ask_sender(const detail::Cell* c) {
  return c != nullptr && (c->kind() == detail::CellKind::reply || c->kind() == detail::CellKind::run);
}

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

}  // namespace ensemble::remote::native
