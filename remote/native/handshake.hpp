// Internal (remote/): the native protocol's handshake (protocol.hpp), as a
// state machine over frames, apart from any socket so that tests and the
// fuzzer drive it directly.
//
// Both sides prove that they hold the shared secret, and neither sends it:
//   acceptor's proof = HMAC-SHA256(secret, "ensemble-native-1 acceptor" ||
//                      version || codec || opener nonce || acceptor nonce ||
//                      acceptor id || opener id)
//   opener's proof   = HMAC-SHA256(secret, "ensemble-native-1 opener" || ...
//                      acceptor nonce || opener nonce || opener id ||
//                      acceptor id)
// (each field length-prefixed). Each side's nonce is 32 fresh bytes from
// OpenSSL's CSPRNG, so a proof recorded from an earlier handshake does not
// answer a new one (a replay is refused), and the role labels keep a side's
// own proof from being reflected back to it. Proofs are compared in
// constant time.
//
// What is checked, each a refusal with a reason sent to the peer (frame X)
// before the close: the protocol version and codec; the opener's expected
// id, when it names one, against the acceptor's; a peer that claims this
// side's own id; the proofs.
//
// Thread safety: none; one handshake per connection, on its reading thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ensemble/identity.hpp>

#include "remote/native/frames.hpp"
#include "remote/native/protocol.hpp"

namespace ensemble::remote::native {

struct HandshakeConfig {
  SyndicateId self;
  std::string secret;         // non-empty; wiped when the handshake ends
  SyndicateId expected_peer;  // the opener's: empty accepts any id
};

class Handshake {
 public:
  enum class Role { opener, acceptor };
  enum class Step { more, done, failed };

  Handshake(Role role, HandshakeConfig config);
  ~Handshake();
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;

  // The opener's first bytes (the preamble and its hello); nothing for the
  // acceptor, which speaks when the hello comes.
  void start(std::vector<std::uint8_t>& out);
  // One frame from the peer. Appends what to send to `out` (a refusal
  // included: send it, then close). `done`: the peer is authenticated and
  // peer() names it; frames after this one are the session's.
  Step on_frame(const Frame& frame, std::vector<std::uint8_t>& out);

  Role role() const noexcept { return role_; }
  const SyndicateId& peer() const noexcept { return peer_; }
  // Why the handshake failed, for the log (the peer's own refusal is quoted).
  const std::string& failure() const noexcept { return failure_; }

  using Nonce = std::array<std::uint8_t, nonce_bytes>;
  using Proof = std::array<std::uint8_t, proof_bytes>;
  // The proofs' formula, exposed for the tests' known-answer check.
  static Proof prove(const std::string& secret, Role prover, const Nonce& opener_nonce, const Nonce& acceptor_nonce,
                     const SyndicateId& prover_id, const SyndicateId& verifier_id);

 private:
  Step refuse(std::vector<std::uint8_t>& out, std::string reason);
  Step fail(std::string reason);
  // Why a peer's version, codec or id is refused (the hello's and the
  // challenge's common checks), or nothing.
  std::optional<std::string> peer_mismatch(std::uint64_t version, const std::string& codec, const SyndicateId& id,
                                           const char* role) const;
  Step on_hello(const Frame& f, std::vector<std::uint8_t>& out);
  Step on_challenge(const Frame& f, std::vector<std::uint8_t>& out);
  Step on_proof(const Frame& f, std::vector<std::uint8_t>& out);
  void wipe() noexcept;

  enum class State { start, await_hello, await_challenge, await_proof, await_welcome, done, failed };
  Role role_;
  HandshakeConfig config_;
  State state_;
  Nonce own_nonce_{};
  Nonce peer_nonce_{};
  SyndicateId peer_;
  std::string failure_;
};

}  // namespace ensemble::remote::native
