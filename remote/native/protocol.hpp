// Internal (remote/): ensemble's native protocol between two syndicates, on
// one TCP connection per pair, used both ways (docs/remote.md).
//
//   connection = preamble frame*
//   preamble   = "ENSN" (4 bytes)
//   frame      = length (uint32, big-endian: the bytes after it, kind
//                included; 1 .. max_frame) || kind (u8) || body
//
// The preamble's first byte, 'E' (0x45), read as spark's big-endian length,
// would announce more than spark's 64 MiB limit: one listener tells the two
// protocols apart by their first four bytes (spark's are a length, then
// "SPCB").
//
// The handshake (remote/native/handshake.hpp) comes first, and nothing else
// is accepted until it is done:
//   opener   -> acceptor  H hello      version, codec, own syndicate id,
//                                      the id it expects (empty: any), nonce
//   acceptor -> opener    C challenge  version, codec, own syndicate id,
//                                      nonce, proof
//   opener   -> acceptor  P proof      proof
//   acceptor -> opener    W welcome    (empty)
//   either way            X refused    a reason (text); the sender closes
// After it, either side may send:
//   M message   counter (varint: 1, 2, 3 ... per direction), native
//               envelope (wire/native/native_codec.hpp)
//   N nack      the counter of a message that could not be delivered on this
//               side, its message id, and the reason (text)
//   B beat      (empty) a heartbeat, sent when nothing else was for a while
//   L lookup    request id, a published name
//   R found     request id, found (u8 0/1), the actor id when found
//   G goodbye   (empty) the sender has flushed and will close
//
// Every decoder here refuses (CodecError) an unknown kind, a truncated or
// over-long body and trailing bytes: outside bytes never crash the reader.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ensemble::remote::native {

inline constexpr char preamble[4] = {'E', 'N', 'S', 'N'};
inline constexpr std::uint32_t protocol_version = 1;
inline constexpr char codec_name[] = "ensemble-native-1";
// The default bound on one frame: a larger length is refused before any
// allocation (SyndicateConfig can lower or raise it).
inline constexpr std::size_t default_max_frame = 16 * 1024 * 1024;
// The bound before the handshake is done: its frames are small, so a peer
// that has proved nothing cannot make this side buffer more than this.
inline constexpr std::size_t handshake_max_frame = 4096;
inline constexpr std::size_t nonce_bytes = 32;
inline constexpr std::size_t proof_bytes = 32;  // HMAC-SHA256

namespace kind {
inline constexpr std::uint8_t hello = 'H';
inline constexpr std::uint8_t challenge = 'C';
inline constexpr std::uint8_t proof = 'P';
inline constexpr std::uint8_t welcome = 'W';
inline constexpr std::uint8_t refused = 'X';
inline constexpr std::uint8_t message = 'M';
inline constexpr std::uint8_t nack = 'N';
inline constexpr std::uint8_t beat = 'B';
inline constexpr std::uint8_t lookup = 'L';
inline constexpr std::uint8_t found = 'R';
inline constexpr std::uint8_t goodbye = 'G';
}  // namespace kind

bool known_kind(std::uint8_t k) noexcept;

}  // namespace ensemble::remote::native
