// The mailbox protocol (api/ensemble/detail/mailbox.hpp) in isolation.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "runtime/actor/mailbox.hpp"

#include "tests/test_support.hpp"

using ensemble::runtime::Mailbox;
using ensemble::runtime::MailboxNode;

namespace {
struct Item : MailboxNode {
  std::uint32_t producer = 0;
  std::uint32_t seq = 0;
};
}  // namespace

TEST_CASE("mailbox: a new mailbox is idle; the first push takes the token, later ones do not") {
  Mailbox box;
  Item a, b;
  CHECK(box.push(&a));
  CHECK_FALSE(box.push(&b));
  CHECK(box.pop() == &a);
  CHECK(box.pop() == &b);
  CHECK(box.pop() == nullptr);
  CHECK(box.try_mark_idle());
  CHECK(box.push(&a));  // idle again: this push takes the token
  CHECK(box.pop() == &a);
  CHECK(box.try_mark_idle());
}

TEST_CASE("mailbox: try_mark_idle fails while a message is queued; try_acquire_idle takes only an idle token") {
  Mailbox box;
  CHECK(box.try_acquire_idle());
  CHECK_FALSE(box.try_acquire_idle());  // we hold it now
  Item a;
  CHECK_FALSE(box.push(&a));            // held: no wake-up for the producer
  CHECK_FALSE(box.try_mark_idle());
  CHECK(box.pop() == &a);
  CHECK(box.try_mark_idle());
  CHECK(box.try_acquire_idle());
  CHECK(box.try_mark_idle());
}

TEST_CASE("mailbox: many producers, one token holder at a time; each item once, FIFO per producer") {
  // Producers push; whoever gets "was idle" becomes the consumer, drains, and
  // marks idle; exactly the protocol the runtime uses, with no scheduler.
  const std::uint32_t producers = 3;
  const std::uint32_t per_producer = static_cast<std::uint32_t>(ensemble_test::scaled(300'000));
  Mailbox box;
  std::vector<Item> items(static_cast<std::size_t>(producers) * per_producer);
  std::vector<std::uint32_t> next(producers, 0);  // touched only by the token holder
  std::atomic<std::uint64_t> consumed{0};
  std::atomic<int> holders{0};
  std::atomic<std::uint64_t> errors{0};

  auto consume = [&] {
    if (holders.fetch_add(1) != 0) errors.fetch_add(1);
    for (;;) {
      while (MailboxNode* n = box.pop()) {
        auto* it = static_cast<Item*>(n);
        if (it->seq != next[it->producer]) errors.fetch_add(1);
        next[it->producer] = it->seq + 1;
        consumed.fetch_add(1, std::memory_order_relaxed);
      }
      holders.fetch_sub(1);
      if (box.try_mark_idle()) return;
      holders.fetch_add(1);  // still ours: a push arrived or is in flight
      std::this_thread::yield();
    }
  };
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint32_t i = 0; i < per_producer; ++i) {
        Item& it = items[static_cast<std::size_t>(p) * per_producer + i];
        it.producer = p;
        it.seq = i;
        if (box.push(&it)) consume();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(consumed.load() == static_cast<std::uint64_t>(producers) * per_producer);
  CHECK(errors.load() == 0);
  CHECK(box.try_acquire_idle());  // it ended idle
}
