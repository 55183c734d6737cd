// The native protocol's handshake (handshake.hpp).
#include "remote/native/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <string_view>
#include <utility>

#include <ensemble/codec.hpp>
#include <ensemble/errors.hpp>

namespace ensemble::remote::native {
namespace {

constexpr std::size_t max_id_bytes = 256;  // spark's ids are 36; room for any sane name

void fresh_nonce(Handshake::Nonce& n) {
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1) {
    throw Error("native protocol: OpenSSL's random generator failed");
  }
}

std::string_view read_id(ByteReader& r, const char* what) {
  const std::string_view id = r.text();
  if (id.size() > max_id_bytes) throw CodecError(std::string(what) + " longer than 256 bytes");
  return id;
}

void read_raw(ByteReader& r, std::uint8_t* to, std::size_t n) { std::memcpy(to, r.take(n), n); }

void expect_end(const ByteReader& r) {
  if (r.remaining() != 0) throw CodecError("trailing bytes");
}

}  // namespace

Handshake::Handshake(Role role, HandshakeConfig config)
    : role_(role), config_(std::move(config)), state_(role == Role::opener ? State::start : State::await_hello) {
  if (config_.secret.empty()) throw InvalidArgument("the native remote protocol needs a non-empty shared secret");
  if (config_.self.empty()) throw InvalidArgument("the native remote protocol needs this syndicate's id");
  fresh_nonce(own_nonce_);
}

Handshake::~Handshake() { wipe(); }

void Handshake::wipe() noexcept {
  if (!config_.secret.empty()) OPENSSL_cleanse(config_.secret.data(), config_.secret.size());
  config_.secret.clear();
}

Handshake::Proof Handshake::prove(const std::string& secret, Role prover, const Nonce& opener_nonce,
                                  const Nonce& acceptor_nonce, const SyndicateId& prover_id,
                                  const SyndicateId& verifier_id) {
  std::vector<std::uint8_t> transcript;
  ByteWriter w(transcript);
  w.text(prover == Role::opener ? "ensemble-native-1 opener" : "ensemble-native-1 acceptor");
  w.varint(protocol_version);
  w.text(codec_name);
  // Each side's proof covers the peer's nonce first: the one it was challenged with.
  const Nonce& first = prover == Role::opener ? acceptor_nonce : opener_nonce;
  const Nonce& second = prover == Role::opener ? opener_nonce : acceptor_nonce;
  w.bytes(first.data(), first.size());
  w.bytes(second.data(), second.size());
  w.text(prover_id.uuid());
  w.text(verifier_id.uuid());
  Proof p{};
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), transcript.data(), transcript.size(), p.data(),
           &n) == nullptr ||
      n != p.size()) {
    throw Error("native protocol: HMAC-SHA256 failed");
  }
  return p;
}

void Handshake::start(std::vector<std::uint8_t>& out) {
  if (role_ != Role::opener || state_ != State::start) return;
  out.insert(out.end(), preamble, preamble + sizeof preamble);
  write_frame(out, kind::hello, [&](ByteWriter& w) {
    w.varint(protocol_version);
    w.text(codec_name);
    w.text(config_.self.uuid());
    w.text(config_.expected_peer.uuid());
    w.raw(own_nonce_.data(), own_nonce_.size());
  });
  state_ = State::await_challenge;
}

Handshake::Step Handshake::fail(std::string reason) {
  failure_ = std::move(reason);
  state_ = State::failed;
  wipe();
  return Step::failed;
}

Handshake::Step Handshake::refuse(std::vector<std::uint8_t>& out, std::string reason) {
  write_frame(out, kind::refused, [&](ByteWriter& w) { w.text(reason); });
  return fail(std::move(reason));
}

Handshake::Step Handshake::on_frame(const Frame& frame, std::vector<std::uint8_t>& out) {
  if (state_ == State::done || state_ == State::failed) return fail("a frame after the handshake ended");
  if (frame.kind == kind::refused) {
    std::string why;
    try {
      ByteReader r(frame.body);
      why = std::string(r.text());
      expect_end(r);
    } catch (const CodecError&) {
      why = "(unreadable reason)";
    }
    return fail("refused by the peer: " + why);
  }
  try {
    switch (state_) {
      case State::await_hello:
        if (frame.kind == kind::hello) return on_hello(frame, out);
        break;
      case State::await_challenge:
        if (frame.kind == kind::challenge) return on_challenge(frame, out);
        break;
      case State::await_proof:
        if (frame.kind == kind::proof) return on_proof(frame, out);
        break;
      case State::await_welcome:
        if (frame.kind == kind::welcome) {
          if (!frame.body.empty()) return refuse(out, "malformed welcome: trailing bytes");
          state_ = State::done;
          wipe();
          return Step::done;
        }
        break;
      default:
        break;
    }
  } catch (const CodecError& e) {
    return refuse(out, std::string("malformed handshake frame '") + static_cast<char>(frame.kind) + "': " + e.what());
  }
  return refuse(out, std::string("unexpected frame '") + static_cast<char>(frame.kind) + "' during the handshake");
}

std::optional<std::string> Handshake::peer_mismatch(std::uint64_t version, const std::string& codec,
                                                    const SyndicateId& id, const char* role) const {
  if (version != protocol_version) {
    return "protocol version " + std::to_string(version) + " is not spoken here (version " +
           std::to_string(protocol_version) + ")";
  }
  if (codec != codec_name) return "codec '" + codec + "' is not spoken here (" + codec_name + ")";
  if (id.empty()) return std::string("the ") + role + " sent no syndicate id";
  if (id == config_.self) return std::string("the ") + role + " claims this syndicate's own id " + id.uuid();
  return std::nullopt;
}

Handshake::Step Handshake::on_hello(const Frame& f, std::vector<std::uint8_t>& out) {
  ByteReader r(f.body);
  const std::uint64_t version = r.varint();
  const std::string codec(r.text());
  const SyndicateId opener{std::string(read_id(r, "the opener's id"))};
  const SyndicateId expected{std::string(read_id(r, "the expected id"))};
  read_raw(r, peer_nonce_.data(), peer_nonce_.size());
  expect_end(r);
  if (auto why = peer_mismatch(version, codec, opener, "opener")) return refuse(out, std::move(*why));
  if (!expected.empty() && expected != config_.self) {
    return refuse(out, "this is syndicate " + config_.self.uuid() + ", not " + expected.uuid());
  }
  peer_ = opener;
  const Proof mine = prove(config_.secret, Role::acceptor, peer_nonce_, own_nonce_, config_.self, peer_);
  write_frame(out, kind::challenge, [&](ByteWriter& w) {
    w.varint(protocol_version);
    w.text(codec_name);
    w.text(config_.self.uuid());
    w.raw(own_nonce_.data(), own_nonce_.size());
    w.raw(mine.data(), mine.size());
  });
  state_ = State::await_proof;
  return Step::more;
}

Handshake::Step Handshake::on_challenge(const Frame& f, std::vector<std::uint8_t>& out) {
  ByteReader r(f.body);
  const std::uint64_t version = r.varint();
  const std::string codec(r.text());
  const SyndicateId acceptor{std::string(read_id(r, "the acceptor's id"))};
  read_raw(r, peer_nonce_.data(), peer_nonce_.size());
  Proof theirs{};
  read_raw(r, theirs.data(), theirs.size());
  expect_end(r);
  if (auto why = peer_mismatch(version, codec, acceptor, "acceptor")) return refuse(out, std::move(*why));
  if (!config_.expected_peer.empty() && acceptor != config_.expected_peer) {
    return refuse(out, "expected syndicate " + config_.expected_peer.uuid() + ", reached " + acceptor.uuid());
  }
  const Proof expected = prove(config_.secret, Role::acceptor, own_nonce_, peer_nonce_, acceptor, config_.self);
  if (CRYPTO_memcmp(expected.data(), theirs.data(), theirs.size()) != 0) {
    return refuse(out, "authentication failed: the acceptor's proof does not match this side's secret");
  }
  peer_ = acceptor;
  const Proof mine = prove(config_.secret, Role::opener, own_nonce_, peer_nonce_, config_.self, peer_);
  write_frame(out, kind::proof, [&](ByteWriter& w) { w.raw(mine.data(), mine.size()); });
  state_ = State::await_welcome;
  return Step::more;
}

Handshake::Step Handshake::on_proof(const Frame& f, std::vector<std::uint8_t>& out) {
  ByteReader r(f.body);
  Proof theirs{};
  read_raw(r, theirs.data(), theirs.size());
  expect_end(r);
  const Proof expected = prove(config_.secret, Role::opener, peer_nonce_, own_nonce_, peer_, config_.self);
  if (CRYPTO_memcmp(expected.data(), theirs.data(), theirs.size()) != 0) {
    return refuse(out, "authentication failed: the opener's proof does not match this side's secret");
  }
  write_empty_frame(out, kind::welcome);
  state_ = State::done;
  wipe();
  return Step::done;
}

}  // namespace ensemble::remote::native
