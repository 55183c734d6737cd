// Internal (remote/): the native protocol's framing (protocol.hpp): an
// incremental reader that takes bytes as the socket gives them and hands out
// whole frames, and the writer's side of the same format.
//
// Thread safety: none; one reader per connection, used by the thread that
// reads the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <ensemble/codec.hpp>

#include "remote/native/protocol.hpp"

namespace ensemble::remote::native {

struct Frame {
  std::uint8_t kind = 0;
  std::span<const std::uint8_t> body;  // valid until the next feed() or next()
};

class FrameReader {
 public:
  // `expect_preamble`: the stream starts with "ENSN" (the acceptor's side;
  // the opener writes it and the acceptor's reader checks it).
  FrameReader(std::size_t max_frame, bool expect_preamble) noexcept
      : max_frame_(max_frame), preamble_left_(expect_preamble ? sizeof preamble : 0) {}

  void feed(std::span<const std::uint8_t> bytes);
  // The next whole frame, or nothing until more bytes come. Throws
  // CodecError for a wrong preamble, a zero or over-long length (before the
  // body is buffered: an announced 4 GiB allocates nothing) or an unknown
  // kind; the connection is then beyond repair and must be closed.
  std::optional<Frame> next();
  // A new bound for the frames not yet announced (the transport raises it
  // once the handshake is done: before it, only small frames may come).
  void set_max_frame(std::size_t max_frame) noexcept { max_frame_ = max_frame; }
  // Bytes held that are not yet a whole frame.
  std::size_t buffered() const noexcept { return buffer_.size() - read_; }

 private:
  std::size_t max_frame_;
  std::size_t preamble_left_;
  std::vector<std::uint8_t> buffer_;
  std::size_t read_ = 0;  // start of the bytes not yet handed out
};

// Starts a frame of `kind` at the end of `out` (a length to be patched);
// append the body, then call end_frame with the returned offset.
std::size_t begin_frame(std::vector<std::uint8_t>& out, std::uint8_t kind);
// Patches the length; throws CodecError if the body made it longer than
// max_frame (nothing that large must be sent: the peer would refuse it).
void end_frame(std::vector<std::uint8_t>& out, std::size_t start, std::size_t max_frame);
// A whole frame of `kind` at the end of `out`: `body(ByteWriter&)` writes its
// body (nothing, for an empty one).
template <class Body>
void write_frame(std::vector<std::uint8_t>& out, std::uint8_t kind, Body&& body) {
  const std::size_t start = begin_frame(out, kind);
  ByteWriter w(out);
  body(w);
  end_frame(out, start, default_max_frame);
}
inline void write_empty_frame(std::vector<std::uint8_t>& out, std::uint8_t kind) {
  write_frame(out, kind, [](ByteWriter&) {});
}

}  // namespace ensemble::remote::native
