// The native protocol's framing (frames.hpp).
#include "remote/native/frames.hpp"

#include <cstring>
#include <string>

#include <ensemble/errors.hpp>

namespace ensemble::remote::native {

bool known_kind(std::uint8_t k) noexcept {
  switch (k) {
    case kind::hello:
    case kind::challenge:
    case kind::proof:
    case kind::welcome:
    case kind::refused:
    case kind::message:
    case kind::nack:
    case kind::beat:
    case kind::lookup:
    case kind::found:
    case kind::goodbye:
      return true;
    default:
      return false;
  }
}

void FrameReader::feed(std::span<const std::uint8_t> bytes) {
  // Drop what was handed out before growing: the buffer holds at most one
  // partial frame plus what this read brought.
  if (read_ != 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_));
    read_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<Frame> FrameReader::next() {
  if (preamble_left_ != 0) {
    const std::size_t have = buffer_.size() - read_;
    const std::size_t offset = sizeof preamble - preamble_left_;
    const std::size_t n = have < preamble_left_ ? have : preamble_left_;
    if (n == 0) return std::nullopt;  // (and no memcmp of an empty buffer's null data)
    if (std::memcmp(buffer_.data() + read_, preamble + offset, n) != 0) {
      throw CodecError("native protocol: the connection does not start with \"ENSN\"");
    }
    read_ += n;
    preamble_left_ -= n;
    if (preamble_left_ != 0) return std::nullopt;
  }
  const std::size_t have = buffer_.size() - read_;
  if (have < 4) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + read_;
  const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
  if (length == 0) throw CodecError("native protocol: a frame of length 0 (no kind)");
  if (length > max_frame_) {
    throw CodecError("native protocol: a frame of " + std::to_string(length) + " bytes, over the limit of " +
                     std::to_string(max_frame_));
  }
  // The kind is checked as soon as it is here, before the body is waited for.
  if (have >= 5 && !known_kind(p[4])) {
    throw CodecError("native protocol: unknown frame kind " + std::to_string(p[4]));
  }
  if (have < 4 + length) return std::nullopt;
  Frame f{p[4], std::span<const std::uint8_t>(p + 5, length - 1)};
  read_ += 4 + length;
  return f;
}

std::size_t begin_frame(std::vector<std::uint8_t>& out, std::uint8_t kind) {
  const std::size_t start = out.size();
  out.insert(out.end(), {0, 0, 0, 0, kind});
  return start;
}

void end_frame(std::vector<std::uint8_t>& out, std::size_t start, std::size_t max_frame) {
  const std::size_t length = out.size() - start - 4;
  if (length > max_frame) {
    out.resize(start);
    throw CodecError("native protocol: a frame of " + std::to_string(length) + " bytes is over the limit of " +
                     std::to_string(max_frame));
  }
  out[start] = static_cast<std::uint8_t>(length >> 24);
  out[start + 1] = static_cast<std::uint8_t>(length >> 16);
  out[start + 2] = static_cast<std::uint8_t>(length >> 8);
  out[start + 3] = static_cast<std::uint8_t>(length);
}

}  // namespace ensemble::remote::native
