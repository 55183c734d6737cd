#include "executors/process/channel.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <sys/socket.h>
#include <unistd.h>

namespace ensemble::executors::process {

Channel::~Channel() {
  if (fd_ >= 0) ::close(fd_);
}

void Channel::append(std::uint8_t kind, std::span<const std::uint8_t> body) {
  const std::size_t length = body.size() + 1;
  if (length > max_frame) throw std::length_error("a frame beyond 64 MiB");
  std::uint8_t head[5];
  const auto l = static_cast<std::uint32_t>(length);
  head[0] = static_cast<std::uint8_t>(l);
  head[1] = static_cast<std::uint8_t>(l >> 8);
  head[2] = static_cast<std::uint8_t>(l >> 16);
  head[3] = static_cast<std::uint8_t>(l >> 24);
  head[4] = kind;
  out_.insert(out_.end(), head, head + 5);
  out_.insert(out_.end(), body.begin(), body.end());
}

bool Channel::flush() noexcept {
  std::size_t done = 0;
  while (done < out_.size()) {
    // MSG_NOSIGNAL: a peer that died is an error here, not a SIGPIPE.
    const ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      out_.clear();
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  out_.clear();
  return true;
}

Channel::Next Channel::next(std::uint8_t& kind, std::span<const std::uint8_t>& body) noexcept {
  const std::size_t have = in_end_ - in_begin_;
  if (have < 4) return Next::need_more;
  const std::uint8_t* p = in_.data() + in_begin_;
  const std::uint32_t length = std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
                               std::uint32_t{p[3]} << 24;
  if (length == 0 || length > max_frame) return Next::malformed;
  if (have < 4 + std::size_t{length}) {
    // Room for the whole frame, so the next fill() can complete it.
    if (in_.size() - in_begin_ < 4 + std::size_t{length}) {
      try {
        if (in_begin_ > 0) {
          std::memmove(in_.data(), in_.data() + in_begin_, have);
          in_end_ = have;
          in_begin_ = 0;
        }
        if (in_.size() < 4 + std::size_t{length}) in_.resize(4 + std::size_t{length});
      } catch (...) {
        return Next::malformed;
      }
    }
    return Next::need_more;
  }
  kind = p[4];
  body = std::span<const std::uint8_t>(p + 5, length - 1);
  in_begin_ += 4 + std::size_t{length};
  return Next::frame;
}

bool Channel::fill() noexcept {
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  try {
    if (in_.size() < 64 * 1024) in_.resize(64 * 1024);
    if (in_end_ == in_.size()) {
      // Full: move the unread part to the front, or grow.
      if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
      } else {
        in_.resize(in_.size() * 2);
      }
    }
  } catch (...) {
    return false;
  }
  for (;;) {
    const ssize_t n = ::read(fd_, in_.data() + in_end_, in_.size() - in_end_);
    if (n > 0) {
      in_end_ += static_cast<std::size_t>(n);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

}  // namespace ensemble::executors::process
