// The native handshake as a state machine: both sides authenticated by a
// shared secret that never crosses, and each way to get it wrong refused
// with a reason (and no exception).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <ensemble/codec.hpp>
#include <ensemble/errors.hpp>

#include "remote/native/handshake.hpp"

using namespace ensemble::remote::native;
using ensemble::SyndicateId;
using Role = Handshake::Role;
using Step = Handshake::Step;

namespace {

const SyndicateId alpha = SyndicateId::from_name("alpha");
const SyndicateId beta = SyndicateId::from_name("beta");

HandshakeConfig config(SyndicateId self, std::string secret, SyndicateId expected = {}) {
  return HandshakeConfig{std::move(self), std::move(secret), std::move(expected)};
}

// The frames in `bytes` (after the preamble when `preamble`).
std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> frames_of(const std::vector<std::uint8_t>& bytes,
                                                                            bool preamble) {
  FrameReader r(default_max_frame, preamble);
  r.feed(bytes);
  std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> out;
  while (auto f = r.next()) out.emplace_back(f->kind, std::vector<std::uint8_t>(f->body.begin(), f->body.end()));
  return out;
}

Step deliver(Handshake& to, std::uint8_t kind, const std::vector<std::uint8_t>& body, std::vector<std::uint8_t>& out) {
  return to.on_frame(Frame{kind, body}, out);
}

struct Run {
  Step opener = Step::more;
  Step acceptor = Step::more;
  std::vector<std::uint8_t> wire;  // everything both sides wrote, in order
};

// Passes frames back and forth until both sides have ended.
Run converse(Handshake& opener, Handshake& acceptor) {
  Run run;
  std::vector<std::uint8_t> to_acceptor;
  opener.start(to_acceptor);
  bool first = true;
  for (int round = 0; round < 8; ++round) {
    run.wire.insert(run.wire.end(), to_acceptor.begin(), to_acceptor.end());
    std::vector<std::uint8_t> to_opener;
    for (auto& [k, body] : frames_of(to_acceptor, first)) {
      if (run.acceptor == Step::more) run.acceptor = deliver(acceptor, k, body, to_opener);
    }
    first = false;
    run.wire.insert(run.wire.end(), to_opener.begin(), to_opener.end());
    to_acceptor.clear();
    for (auto& [k, body] : frames_of(to_opener, false)) {
      if (run.opener == Step::more) run.opener = deliver(opener, k, body, to_acceptor);
    }
    if (to_acceptor.empty() && to_opener.empty()) break;
  }
  return run;
}

// Gives `acceptor` an honest opener's hello; returns its challenge's body.
std::vector<std::uint8_t> challenged_by(Handshake& acceptor) {
  Handshake honest(Role::opener, config(alpha, "secret"));
  std::vector<std::uint8_t> hello_bytes;
  honest.start(hello_bytes);
  const auto hello = frames_of(hello_bytes, true);
  std::vector<std::uint8_t> challenge_bytes;
  REQUIRE(deliver(acceptor, hello[0].first, hello[0].second, challenge_bytes) == Step::more);
  const auto challenge = frames_of(challenge_bytes, false);
  REQUIRE(challenge.size() == 1);
  REQUIRE(challenge[0].first == kind::challenge);
  return challenge[0].second;
}

std::string hex(const Handshake::Proof& p) {
  std::string s;
  char b[3];
  for (auto c : p) {
    std::snprintf(b, sizeof b, "%02x", c);
    s += b;
  }
  return s;
}

}  // namespace

TEST_CASE("both sides prove the secret; each learns the other's id; the secret never crosses") {
  const std::string secret = "correct horse battery staple";
  Handshake opener(Role::opener, config(alpha, secret, beta));
  Handshake acceptor(Role::acceptor, config(beta, secret));
  const Run run = converse(opener, acceptor);
  CHECK(run.opener == Step::done);
  CHECK(run.acceptor == Step::done);
  CHECK(opener.peer() == beta);
  CHECK(acceptor.peer() == alpha);
  const std::string wire(run.wire.begin(), run.wire.end());
  CHECK(wire.rfind("ENSN", 0) == 0);
  CHECK(wire.find(secret) == std::string::npos);
  CHECK(wire.find(alpha.uuid()) != std::string::npos);  // ids do cross, in the clear
}

TEST_CASE("the proof formula is pinned (a known answer, computed apart with Python's hmac)") {
  Handshake::Nonce on{};
  Handshake::Nonce an{};
  on.fill(1);
  an.fill(2);
  CHECK(hex(Handshake::prove("s3cret", Role::opener, on, an, SyndicateId("A"), SyndicateId("B"))) ==
        "b8350d27ee9fe4bd150bea2c8dee4a5559ed77489e944468f98c930d2588da8e");
  CHECK(hex(Handshake::prove("s3cret", Role::acceptor, on, an, SyndicateId("B"), SyndicateId("A"))) ==
        "a38ee8a2f42eeff7bd9f4d30512405646a74b13982ee1095049dd2b9cf21cda2");
}

TEST_CASE("a wrong secret is refused by the side that checks first, and the other hears why") {
  Handshake opener(Role::opener, config(alpha, "one secret"));
  Handshake acceptor(Role::acceptor, config(beta, "another secret"));
  const Run run = converse(opener, acceptor);
  CHECK(run.opener == Step::failed);
  CHECK(run.acceptor == Step::failed);
  CHECK(opener.failure() == "authentication failed: the acceptor's proof does not match this side's secret");
  CHECK(acceptor.failure() ==
        "refused by the peer: authentication failed: the acceptor's proof does not match this side's secret");
}

TEST_CASE("an opener without the secret cannot pass the acceptor with a made-up proof") {
  Handshake acceptor(Role::acceptor, config(beta, "secret"));
  challenged_by(acceptor);
  std::vector<std::uint8_t> out;
  const std::vector<std::uint8_t> forged(proof_bytes, 0x5a);
  CHECK(deliver(acceptor, kind::proof, forged, out) == Step::failed);
  CHECK(acceptor.failure() == "authentication failed: the opener's proof does not match this side's secret");
  const auto refusal = frames_of(out, false);
  REQUIRE(refusal.size() == 1);
  CHECK(refusal[0].first == kind::refused);
}

TEST_CASE("a recorded handshake replayed to a new acceptor is refused") {
  Handshake opener(Role::opener, config(alpha, "secret"));
  Handshake first(Role::acceptor, config(beta, "secret"));
  const Run run = converse(opener, first);
  REQUIRE(run.acceptor == Step::done);
  // What the opener sent: its hello, then its proof.
  FrameReader r(default_max_frame, true);
  r.feed(run.wire);
  std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> sent;
  while (auto f = r.next()) {
    if (f->kind == kind::hello || f->kind == kind::proof) {
      sent.emplace_back(f->kind, std::vector<std::uint8_t>(f->body.begin(), f->body.end()));
    }
  }
  REQUIRE(sent.size() == 2);
  Handshake second(Role::acceptor, config(beta, "secret"));
  std::vector<std::uint8_t> out;
  CHECK(deliver(second, sent[0].first, sent[0].second, out) == Step::more);
  CHECK(deliver(second, sent[1].first, sent[1].second, out) == Step::failed);
  CHECK(second.failure().rfind("authentication failed", 0) == 0);
}

TEST_CASE("the acceptor's own proof reflected back as the opener's is refused") {
  Handshake acceptor(Role::acceptor, config(beta, "secret"));
  const std::vector<std::uint8_t> body = challenged_by(acceptor);
  const std::vector<std::uint8_t> its_proof(body.end() - proof_bytes, body.end());
  std::vector<std::uint8_t> out;
  CHECK(deliver(acceptor, kind::proof, its_proof, out) == Step::failed);
}

TEST_CASE("version, codec, ids and order are checked, each refused with its reason") {
  auto hello_with = [](std::uint64_t version, const char* codec, const SyndicateId& from, const SyndicateId& expected) {
    std::vector<std::uint8_t> body;
    ensemble::ByteWriter w(body);
    w.varint(version);
    w.text(codec);
    w.text(from.uuid());
    w.text(expected.uuid());
    std::vector<std::uint8_t> nonce(nonce_bytes, 7);
    w.raw(nonce.data(), nonce.size());
    return body;
  };
  struct Case {
    const char* name;
    std::uint8_t kind;
    std::vector<std::uint8_t> body;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"version", kind::hello, hello_with(2, codec_name, alpha, {}), "protocol version 2 is not spoken here (version 1)"},
      {"codec", kind::hello, hello_with(1, "json", alpha, {}), "codec 'json' is not spoken here (ensemble-native-1)"},
      {"expected id", kind::hello, hello_with(1, codec_name, alpha, SyndicateId::from_name("gamma")),
       "this is syndicate " + beta.uuid() + ", not " + SyndicateId::from_name("gamma").uuid()},
      {"own id", kind::hello, hello_with(1, codec_name, beta, {}),
       "the opener claims this syndicate's own id " + beta.uuid()},
      {"no id", kind::hello, hello_with(1, codec_name, SyndicateId(), {}), "the opener sent no syndicate id"},
      {"message first", kind::message, {1, 2, 3}, "unexpected frame 'M' during the handshake"},
      {"truncated hello", kind::hello, {1, 5, 'e', 'n'}, "malformed handshake frame 'H': native codec: a length longer than the bytes left at byte 2"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Handshake acceptor(Role::acceptor, config(beta, "secret"));
    std::vector<std::uint8_t> out;
    CHECK(deliver(acceptor, c.kind, c.body, out) == Step::failed);
    CHECK(acceptor.failure() == c.reason);
    auto sent = frames_of(out, false);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].first == kind::refused);
    ensemble::ByteReader r(sent[0].second);
    CHECK(std::string(r.text()) == c.reason);
  }
  // An opener that expects another syndicate: the acceptor refuses, the
  // opener hears why.
  const SyndicateId gamma = SyndicateId::from_name("gamma");
  Handshake opener(Role::opener, config(alpha, "secret", gamma));
  Handshake acceptor(Role::acceptor, config(beta, "secret"));
  const Run run = converse(opener, acceptor);
  CHECK(run.acceptor == Step::failed);
  CHECK(run.opener == Step::failed);
  CHECK(opener.failure() == "refused by the peer: this is syndicate " + beta.uuid() + ", not " + gamma.uuid());
  // And the opener checks the id itself, whatever the acceptor does: a
  // challenge from the wrong syndicate is refused before its proof is looked at.
  Handshake careful(Role::opener, config(alpha, "secret", gamma));
  std::vector<std::uint8_t> ignored;
  careful.start(ignored);
  std::vector<std::uint8_t> challenge;
  ensemble::ByteWriter w(challenge);
  w.varint(protocol_version);
  w.text(codec_name);
  w.text(beta.uuid());
  const std::vector<std::uint8_t> filler(nonce_bytes + proof_bytes, 9);
  w.raw(filler.data(), filler.size());
  std::vector<std::uint8_t> out;
  CHECK(deliver(careful, kind::challenge, challenge, out) == Step::failed);
  CHECK(careful.failure() == "expected syndicate " + gamma.uuid() + ", reached " + beta.uuid());
}

TEST_CASE("a handshake needs a secret and an id") {
  CHECK_THROWS_AS(Handshake(Role::opener, config(alpha, "")), ensemble::InvalidArgument);
  CHECK_THROWS_AS(Handshake(Role::acceptor, config(SyndicateId(), "s")), ensemble::InvalidArgument);
}
