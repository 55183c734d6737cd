// Shared test helpers.
//
// Test sizes: full in plain builds, smaller under sanitizers, which run the
// same code 5-20x slower; the property checked is the same.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

namespace ensemble_test {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr std::uint64_t divisor = 20;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr std::uint64_t divisor = 20;
#else
inline constexpr std::uint64_t divisor = 1;
#endif
#else
inline constexpr std::uint64_t divisor = 1;
#endif

constexpr std::uint64_t scaled(std::uint64_t n) { return n / divisor > 0 ? n / divisor : 1; }

// Polls `pred` until it holds or `limit` passes; for conditions that must come
// true (never as a sleep that hopes something happened).
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace ensemble_test
