// Shared test helpers.
//
// Test sizes: full in plain builds, smaller under sanitizers, which run the
// same code 5-20x slower; the property checked is the same.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

#include <malloc.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ENSEMBLE_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define ENSEMBLE_TEST_SANITIZED 1
#endif
#endif
#ifdef ENSEMBLE_TEST_SANITIZED
// From the sanitizer runtime (ASan's and TSan's both export it); declared here
// because g++ ships no <sanitizer/allocator_interface.h>.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace ensemble_test {

#ifdef ENSEMBLE_TEST_SANITIZED
inline constexpr std::uint64_t divisor = 20;
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

// Bytes of heap the program holds right now. The sanitizers replace malloc
// (glibc's mallinfo2 then reports 0), so under them ask their allocator,
// which counts live allocations only (not ASan's quarantine of freed blocks).
inline std::size_t heap_in_use() {
#ifdef ENSEMBLE_TEST_SANITIZED
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

}  // namespace ensemble_test
