// Internal: the byte stream between a process-mode actor's stand-in (in the
// parent) and its worker process: one end of a Unix socketpair, framed.
//
// A frame is a 4-byte little-endian length L, then L bytes: a kind byte and
// its body (executors/process/protocol.hpp says what each kind carries).
// Frames are checked against max_frame before anything is allocated for
// them, so a confused peer cannot make the other side allocate gigabytes.
//
// Writes are queued with append() and leave in one send() at flush(): the
// worker sends a handler's reply and its "done" in one system call. Reads
// fill a buffer with whatever the socket holds and hand out whole frames.
//
// Thread safety: none; the owner serialises (the worker's writer takes a
// lock, the stand-in is one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ensemble::executors::process {

inline constexpr std::size_t max_frame = std::size_t{64} << 20;  // spark's limit for a TCP frame

class Channel {
 public:
  explicit Channel(int fd) noexcept : fd_(fd) {}
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  int fd() const noexcept { return fd_; }

  // Queues a frame. Throws std::length_error beyond max_frame.
  void append(std::uint8_t kind, std::span<const std::uint8_t> body);
  // Sends what is queued; false once the peer is gone (the queue is dropped).
  bool flush() noexcept;
  bool send(std::uint8_t kind, std::span<const std::uint8_t> body) {
    append(kind, body);
    return flush();
  }

  enum class Next { frame, need_more, malformed };
  // The next whole frame in the buffer, if there is one. `body` stays valid
  // until the next call to next() or fill().
  Next next(std::uint8_t& kind, std::span<const std::uint8_t>& body) noexcept;
  // One read() of what the socket holds (blocks if it holds nothing);
  // false at end of stream or on an error.
  bool fill() noexcept;

 private:
  int fd_;
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> in_;
  std::size_t in_begin_ = 0;  // first unread byte of in_
  std::size_t in_end_ = 0;    // one past the last byte read into in_
};

}  // namespace ensemble::executors::process
