#include "runtime/base/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace ensemble::runtime {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t),
              "futex words must be plain 32-bit integers");

// Both keep errno as they found it: they run inside locks and tells that
// user code calls between a failing call of its own and its errno check.
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected) noexcept {
  const int saved = errno;
  // EINTR and EAGAIN are both fine: every caller re-checks its condition.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected,
            nullptr, nullptr, 0);
  errno = saved;
}

void futex_wake(std::atomic<std::uint32_t>* word, int count) noexcept {
  const int saved = errno;
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr,
            nullptr, 0);
  errno = saved;
}

}  // namespace ensemble::runtime
