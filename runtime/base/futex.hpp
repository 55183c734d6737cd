// Internal: the raw futex calls the parking protocol sleeps on.
//
// libstdc++ 12's std::atomic::wait spins and yields before it sleeps and
// hashes every waiter into a 16-entry table (docs/hardware-floors.md);
// a worker that has decided to park wants neither, so it calls the kernel
// directly. Both calls are private (process-local) futex operations.
#pragma once

#include <atomic>
#include <cstdint>

namespace ensemble::runtime {

// Sleeps while *word == expected (returns at once otherwise, or spuriously).
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected) noexcept;
// Wakes up to `count` threads sleeping on word.
void futex_wake(std::atomic<std::uint32_t>* word, int count) noexcept;

}  // namespace ensemble::runtime
