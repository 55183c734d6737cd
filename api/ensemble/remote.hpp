// ensemble/remote.hpp: talking to other syndicates (docs/remote.md).
//
//     ensemble::SyndicateConfig config;
//     config.remote.enabled = true;
//     config.remote.secret = "shared between the peers";
//     ensemble::Syndicate syn("orders", config);
//     syn.publish("ledger", ledger);                 // peers may look it up
//     syn.connect(peer_id, "10.0.0.7", 7100);        // where a peer listens
//     auto prices = syn.lookup(peer_id, "prices");   // an address to tell and ask
//
// The native protocol: one TCP connection per pair of syndicates, opened by
// whichever side sends first and used both ways, after a handshake in which
// both sides prove they hold the shared secret (HMAC-SHA256 over fresh
// nonces; the secret never crosses). Frames are not encrypted: use a private
// network or a tunnel where that matters.
//
// What fails, and how (each a dead letter with the reason, or a failed ask):
//   reasons::remote_route_not_found  a syndicate nobody connect()ed and that
//                                    never connected here
//   reasons::remote_peer_down        the peer is unreachable, stopped
//                                    answering (RemoteConfig::down_after) or
//                                    closed; asks waiting on it fail at once
//   reasons::remote_send_queue_full  more than send_queue_limit messages
//                                    waiting for one peer
// A message refused on the far side (no such actor, say) comes back as a
// refusal: an ask fails at once with the far side's reason, a tell becomes a
// dead letter there.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <ensemble/export.hpp>

namespace ensemble {

// How a peer is spoken to (Syndicate::connect).
//   native  ensemble's protocol: one authenticated connection per pair.
//   spark   spark's TCP protocol at the seed's commit: one connection per
//           message (a 4-byte big-endian length, "SPCB", version 1, the CBOR
//           envelope), no handshake and NO AUTHENTICATION: anyone who can
//           reach the port can send to the published actors. Payloads must
//           be Values (or their scalars: text, integers, reals, booleans).
enum class RemoteProtocol { native, spark };

struct RemoteConfig {
  // Off by default: a syndicate listens on nothing unless asked to.
  bool enabled = false;
  // Where to listen; port 0 picks a free port (remote_address() tells which).
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // Shared by the peers; required when enabled (the constructor refuses an
  // empty one). Make it random, at least 128 bits (openssl rand -hex 32): a
  // recorded handshake lets anyone test guesses offline. Kept in memory only
  // while the syndicate lives.
  std::string secret = {};
  // A peer that sent nothing (heartbeats included) for this long is down.
  // Heartbeats go every quarter of it on an idle connection.
  std::chrono::milliseconds down_after{2000};
  // Messages waiting for one peer (not yet written to its socket) beyond
  // this are refused with reasons::remote_send_queue_full.
  std::size_t send_queue_limit = 1u << 16;
  // A connection that has not finished its handshake within this is closed
  // (a slow or silent peer never holds a slot).
  std::chrono::milliseconds handshake_timeout{5000};
  // Also accept spark's frames on the listener (told apart by their first
  // four bytes). Off by default: spark's protocol has no authentication.
  bool spark_compatible = false;

  friend bool operator==(const RemoteConfig&, const RemoteConfig&) = default;
};

// Where a syndicate listens.
struct ENSEMBLE_API RemoteEndpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
  friend bool operator==(const RemoteEndpoint&, const RemoteEndpoint&) = default;
};

}  // namespace ensemble
