// The floor under the N:1 and counting rows of ensemble-bench on this
// machine: plain threads push preallocated nodes into one runtime::Mailbox
// and one thread pops them, spinning. No allocation, no envelopes, no
// scheduling, no wake-ups: what is left is the mailbox's exchange on its
// shared head and the cache lines that cross to the consumer
// (docs/bench/README.md reads ensemble's rows against it).
//   mailbox-floor PRODUCERS EACH     e.g. 2 2500000 (N:1), 1 1000000 (counting)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "runtime/actor/mailbox.hpp"

using ensemble::runtime::Mailbox;
using ensemble::runtime::MailboxNode;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mailbox-floor PRODUCERS EACH\n");
    return 2;
  }
  const long producers = std::atol(argv[1]);
  const long each = std::atol(argv[2]);
  if (producers < 1 || each < 1) return 2;
  std::vector<MailboxNode> nodes(static_cast<std::size_t>(producers * each));  // touched before timing
  Mailbox box;
  box.try_acquire_idle();  // this thread holds the token throughout: pushes never schedule
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (long p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (long i = 0; i < each; ++i) box.push(&nodes[static_cast<std::size_t>(p * each + i)]);
    });
  }
  long popped = 0;
  while (popped < producers * each) {
    if (box.pop() != nullptr) ++popped;
  }
  for (auto& t : threads) t.join();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("mailbox floor: %ld producer thread(s) x %ld messages -> 1 consumer: %.1f ms\n", producers, each, ms);
  return 0;
}
