// Tests for runtime/sched/run_queue.hpp: owner FIFO, wrap-around (including the u32
// position counters wrapping past 2^32), overflow of half the ring, steal
// of half, a single-threaded randomized check against a std::deque model, and
// a multi-threaded exactly-once stress test.
#include "runtime/sched/run_queue.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

namespace {

using ensemble::runtime::RunQueue;

// Starting positions for the position counters: the plain one, one just
// below 2^32 (so every test crosses the u32 wrap) and one just below 2^31
// (catches accidental signed comparisons).
constexpr std::array<std::uint32_t, 3> kStarts = {0u, 0xFFFFFFFFu - 5u, 0x7FFFFFFFu - 3u};

// Distinct, stable addresses to push; id(p) maps back to the index.
struct Pool {
  explicit Pool(std::size_t n) : values(n) {}
  int* at(std::size_t i) { return &values[i]; }
  std::ptrdiff_t id(const int* p) const { return p - values.data(); }
  std::vector<int> values;
};

// An overflow sink for tests that must never overflow.
struct NoOverflow {
  int* calls;
  void operator()(int**, std::size_t) const { ++*calls; }
};

// Stalls a thief inside steal_into now and then (the window between claiming
// slots and reading them, and between reading and releasing them), so that a
// protocol bug letting the owner reuse claimed slots would lose or duplicate
// items in the stress test instead of hiding in a nanosecond-wide window.
struct StallingHooks {
  static void stall() noexcept {
    thread_local std::uint32_t calls = 0;
    if (++calls % 4 == 0) std::this_thread::yield();
  }
  static void after_claim() noexcept { stall(); }
  static void before_finish() noexcept { stall(); }
};

// A sink that records what it was handed, in order, one vector per call.
struct RecordingSink {
  std::vector<std::vector<int*>>* calls;
  void operator()(int** items, std::size_t n) const { calls->emplace_back(items, items + n); }
};

}  // namespace

TEST_CASE("RunQueue: owner pops in FIFO order and returns nullptr when empty") {
  for (std::uint32_t start : kStarts) {
    CAPTURE(start);
    RunQueue<int*, 16> q(start);
    Pool pool(16);
    int overflows = 0;

    CHECK(q.pop() == nullptr);
    CHECK(q.approx_empty());
    CHECK(q.approx_size() == 0);

    for (std::size_t i = 0; i < 16; ++i) q.push_or_overflow(pool.at(i), NoOverflow{&overflows});
    CHECK(overflows == 0);
    CHECK(q.approx_size() == 16);
    for (std::size_t i = 0; i < 16; ++i) CHECK(q.pop() == pool.at(i));
    CHECK(q.pop() == nullptr);
    CHECK(q.pop() == nullptr);
    CHECK(q.approx_empty());

    // Interleaved pushes and pops keep FIFO order.
    q.push_or_overflow(pool.at(0), NoOverflow{&overflows});
    q.push_or_overflow(pool.at(1), NoOverflow{&overflows});
    CHECK(q.pop() == pool.at(0));
    q.push_or_overflow(pool.at(2), NoOverflow{&overflows});
    CHECK(q.pop() == pool.at(1));
    CHECK(q.pop() == pool.at(2));
    CHECK(q.pop() == nullptr);
    CHECK(overflows == 0);
  }
}

TEST_CASE("RunQueue: many laps of the ring keep FIFO order") {
  constexpr std::uint32_t kCap = 8;
  for (std::uint32_t start : kStarts) {
    CAPTURE(start);
    RunQueue<int*, kCap> q(start);
    Pool pool(kCap);
    int overflows = 0;
    std::size_t next_push = 0;
    std::size_t next_pop = 0;
    bool ok = true;
    // Vary the fill level every lap so the head and tail land on every slot
    // and every fill count; 100000 iterations is tens of thousands of laps.
    for (std::uint32_t iter = 0; iter < 100000 && ok; ++iter) {
      const std::uint32_t k = 1 + iter % kCap;
      for (std::uint32_t i = 0; i < k; ++i) {
        q.push_or_overflow(pool.at(next_push++ % kCap), NoOverflow{&overflows});
      }
      for (std::uint32_t i = 0; i < k; ++i) {
        int* p = q.pop();
        ok = ok && p == pool.at(next_pop++ % kCap);
      }
      ok = ok && q.pop() == nullptr;
    }
    CHECK(ok);
    CHECK(overflows == 0);
    CHECK(q.approx_empty());
  }
}

TEST_CASE("RunQueue: a full ring spills its oldest half plus the new item") {
  constexpr std::uint32_t kCap = 8;
  constexpr std::uint32_t kHalf = kCap / 2;
  for (std::uint32_t start : kStarts) {
    CAPTURE(start);
    RunQueue<int*, kCap> q(start);
    Pool pool(64);
    std::vector<std::vector<int*>> calls;

    for (std::size_t i = 0; i < kCap; ++i) q.push_or_overflow(pool.at(i), RecordingSink{&calls});
    REQUIRE(calls.empty());
    CHECK(q.approx_size() == kCap);

    // Full: pushing item 8 spills items 0..3 and then 8, oldest first.
    q.push_or_overflow(pool.at(kCap), RecordingSink{&calls});
    REQUIRE(calls.size() == 1);
    REQUIRE(calls[0].size() == kHalf + 1);
    for (std::size_t i = 0; i < kHalf; ++i) CHECK(calls[0][i] == pool.at(i));
    CHECK(calls[0][kHalf] == pool.at(kCap));
    CHECK(q.approx_size() == kCap - kHalf);

    // Refill: 4..7 are still there, then 9..12; pushing 13 spills 4..7 + 13.
    for (std::size_t i = 9; i < 9 + kHalf; ++i) q.push_or_overflow(pool.at(i), RecordingSink{&calls});
    REQUIRE(calls.size() == 1);
    q.push_or_overflow(pool.at(13), RecordingSink{&calls});
    REQUIRE(calls.size() == 2);
    REQUIRE(calls[1].size() == kHalf + 1);
    for (std::size_t i = 0; i < kHalf; ++i) CHECK(calls[1][i] == pool.at(kHalf + i));
    CHECK(calls[1][kHalf] == pool.at(13));

    // The ring keeps the newer half, in order.
    for (std::size_t i = 9; i < 9 + kHalf; ++i) CHECK(q.pop() == pool.at(i));
    CHECK(q.pop() == nullptr);
  }
}

TEST_CASE("RunQueue: steal_into takes n - n/2, returns the newest taken, keeps order") {
  constexpr std::uint32_t kCap = 16;
  for (std::uint32_t start : kStarts) {
    for (std::uint32_t n = 0; n <= kCap; ++n) {
      CAPTURE(start);
      CAPTURE(n);
      // Give src and dst different offsets so their slots do not line up.
      RunQueue<int*, kCap> src(start);
      RunQueue<int*, kCap> dst(start + 5);
      Pool pool(kCap);
      int overflows = 0;
      for (std::size_t i = 0; i < n; ++i) src.push_or_overflow(pool.at(i), NoOverflow{&overflows});

      int* got = src.steal_into(dst);
      if (n == 0) {
        CHECK(got == nullptr);
        CHECK(dst.pop() == nullptr);
        continue;
      }
      const std::uint32_t taken = n - n / 2;
      REQUIRE(got != nullptr);
      CHECK(pool.id(got) == static_cast<std::ptrdiff_t>(taken - 1));
      CHECK(dst.approx_size() == taken - 1);
      CHECK(src.approx_size() == n - taken);
      for (std::size_t i = 0; i + 1 < taken; ++i) CHECK(dst.pop() == pool.at(i));
      CHECK(dst.pop() == nullptr);
      for (std::size_t i = taken; i < n; ++i) CHECK(src.pop() == pool.at(i));
      CHECK(src.pop() == nullptr);
      CHECK(overflows == 0);
    }
  }
}

TEST_CASE("RunQueue: steal_into never overfills dst") {
  constexpr std::uint32_t kCap = 16;
  constexpr std::uint32_t kHalf = kCap / 2;
  for (std::uint32_t start : kStarts) {
    CAPTURE(start);
    Pool pool(64);
    int overflows = 0;

    SUBCASE("dst more than half full: refuse, move nothing") {
      RunQueue<int*, kCap> src(start);
      RunQueue<int*, kCap> dst(start + 3);
      for (std::size_t i = 0; i < kCap; ++i) src.push_or_overflow(pool.at(i), NoOverflow{&overflows});
      for (std::size_t i = 0; i < kHalf + 1; ++i) {
        dst.push_or_overflow(pool.at(32 + i), NoOverflow{&overflows});
      }
      CHECK(src.steal_into(dst) == nullptr);
      CHECK(src.approx_size() == kCap);
      CHECK(dst.approx_size() == kHalf + 1);
      for (std::size_t i = 0; i < kCap; ++i) CHECK(src.pop() == pool.at(i));
      for (std::size_t i = 0; i < kHalf + 1; ++i) CHECK(dst.pop() == pool.at(32 + i));
    }

    SUBCASE("dst exactly half full, src full: dst ends one short of full") {
      RunQueue<int*, kCap> src(start);
      RunQueue<int*, kCap> dst(start + 3);
      for (std::size_t i = 0; i < kCap; ++i) src.push_or_overflow(pool.at(i), NoOverflow{&overflows});
      for (std::size_t i = 0; i < kHalf; ++i) dst.push_or_overflow(pool.at(32 + i), NoOverflow{&overflows});
      int* got = src.steal_into(dst);
      REQUIRE(got != nullptr);
      CHECK(got == pool.at(kHalf - 1));
      CHECK(dst.approx_size() == kCap - 1);
      // One more push fits without spilling; the next one spills.
      dst.push_or_overflow(pool.at(63), NoOverflow{&overflows});
      CHECK(overflows == 0);
      for (std::size_t i = 0; i < kHalf; ++i) CHECK(dst.pop() == pool.at(32 + i));
      for (std::size_t i = 0; i + 1 < kHalf; ++i) CHECK(dst.pop() == pool.at(i));
      CHECK(dst.pop() == pool.at(63));
      CHECK(dst.pop() == nullptr);
      for (std::size_t i = kHalf; i < kCap; ++i) CHECK(src.pop() == pool.at(i));
    }
    CHECK(overflows == 0);
  }
}

TEST_CASE("RunQueue: randomized single-thread operations match a deque model") {
  constexpr std::uint32_t kCap = 8;
  using Q = RunQueue<int*, kCap>;
  for (std::uint32_t start : kStarts) {
    CAPTURE(start);
    std::array<std::unique_ptr<Q>, 2> qs = {std::make_unique<Q>(start), std::make_unique<Q>(start + 3)};
    std::array<std::deque<int*>, 2> model;
    Pool pool(400000);
    std::size_t next = 0;
    std::vector<int*> spilled_model;
    std::vector<int*> spilled;
    std::uint64_t rng = 0x9E3779B97F4A7C15ull ^ start;
    bool ok = true;

    for (int step = 0; step < 200000 && ok; ++step) {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      const std::size_t which = rng & 1;
      Q& q = *qs[which];
      std::deque<int*>& m = model[which];
      switch ((rng >> 8) % 5) {
        case 0:
        case 1: {  // push
          int* item = pool.at(next++);
          if (m.size() == kCap) {
            for (std::uint32_t i = 0; i < kCap / 2; ++i) {
              spilled_model.push_back(m.front());
              m.pop_front();
            }
            spilled_model.push_back(item);
          } else {
            m.push_back(item);
          }
          q.push_or_overflow(item, [&](int** items, std::size_t n) {
            ok = ok && n == kCap / 2 + 1;
            spilled.insert(spilled.end(), items, items + n);
          });
          break;
        }
        case 2:
        case 3: {  // pop
          int* expect = nullptr;
          if (!m.empty()) {
            expect = m.front();
            m.pop_front();
          }
          ok = ok && q.pop() == expect;
          break;
        }
        default: {  // steal from the other queue into this one
          Q& victim = *qs[1 - which];
          std::deque<int*>& vm = model[1 - which];
          int* expect = nullptr;
          if (m.size() <= kCap / 2 && !vm.empty()) {
            const std::size_t taken = vm.size() - vm.size() / 2;
            for (std::size_t i = 0; i + 1 < taken; ++i) {
              m.push_back(vm.front());
              vm.pop_front();
            }
            expect = vm.front();
            vm.pop_front();
          }
          ok = ok && victim.steal_into(q) == expect;
          break;
        }
      }
      ok = ok && q.approx_size() == m.size();
    }
    CHECK(ok);
    CHECK(spilled == spilled_model);
    for (std::size_t w = 0; w < 2; ++w) {
      while (!model[w].empty()) {
        CHECK(qs[w]->pop() == model[w].front());
        model[w].pop_front();
      }
      CHECK(qs[w]->pop() == nullptr);
    }
  }
}

TEST_CASE("RunQueue: stress, one owner and three thieves, every item exactly once") {
  // A tiny ring makes overflow and steals happen all the time.
  constexpr std::uint32_t kCap = 8;
  constexpr std::size_t kThieves = 3;
#if defined(ENSEMBLE_TSAN)
  constexpr std::size_t kItems = 1000000;
#else
  constexpr std::size_t kItems = 2000000;
#endif
  using Item = std::atomic<std::uint32_t>;  // counts how many times it was taken
  using Q = RunQueue<Item*, kCap, StallingHooks>;

  std::unique_ptr<Item[]> items(new Item[kItems]);
  for (std::size_t i = 0; i < kItems; ++i) items[i].store(0, std::memory_order_relaxed);
  auto index_of = [&](const Item* p) { return static_cast<std::size_t>(p - items.get()); };

  // Start the owner queue near 2^32 so the wrap happens under contention too.
  Q owner_q(0xFFFFFFFFu - 1000u);
  std::array<std::unique_ptr<Q>, kThieves> thief_q;
  for (std::size_t t = 0; t < kThieves; ++t) thief_q[t] = std::make_unique<Q>(static_cast<std::uint32_t>(t * 7));

  std::atomic<bool> done{false};
  std::atomic<std::size_t> ready{0};
  std::atomic<std::size_t> stolen{0};
  std::atomic<std::size_t> steals_from_owner{0};
  std::atomic<std::size_t> steals_from_thief{0};
  std::atomic<std::size_t> errors{0};
  std::size_t popped = 0;
  std::size_t spilled = 0;
  std::size_t spill_half_calls = 0;
  std::size_t spill_one_calls = 0;

  std::vector<std::thread> thieves;
  for (std::size_t t = 0; t < kThieves; ++t) {
    thieves.emplace_back([&, t] {
      Q& own = *thief_q[t];
      std::size_t mine = 0;
      std::size_t from_owner = 0;
      std::size_t from_thief = 0;
      auto take = [&](Item* p) {
        p->fetch_add(1, std::memory_order_relaxed);
        ++mine;
        // "Run" the item for a moment, and now and then give up the CPU
        // while our queue still holds items: on a 2-core machine that is
        // what lets siblings find something to steal from us.
        for (int k = 0; k < 8; ++k) ensemble::runtime::cpu_relax();
        if (mine % 4 == 0) std::this_thread::yield();
      };
      ready.fetch_add(1, std::memory_order_acq_rel);
      for (std::uint64_t iter = 0;; ++iter) {
        // Read `done` first: if it was already set, the owner's queue had no
        // unclaimed items left and no one will push into `own` but us.
        const bool finished = done.load(std::memory_order_acquire);
        // Steal first and pop our own queue only when the steal finds
        // nothing: our queue then hovers around half full (steal_into
        // refuses beyond that), so siblings find items to steal from it while
        // we pop it.
        const bool rob_sibling = iter % 3 == 2;
        Q& victim = rob_sibling ? *thief_q[(t + 1 + iter % (kThieves - 1)) % kThieves] : owner_q;
        if (Item* p = victim.steal_into(own)) {
          take(p);
          ++(rob_sibling ? from_thief : from_owner);
          continue;
        }
        if (Item* p = own.pop()) {
          take(p);
          continue;
        }
        // Here our queue was empty and the steal found nothing; stop only
        // if that happened after the owner had finished.
        if (finished) break;
        std::this_thread::yield();
      }
      if (!own.approx_empty() || own.pop() != nullptr) errors.fetch_add(1, std::memory_order_relaxed);
      stolen.fetch_add(mine, std::memory_order_relaxed);
      steals_from_owner.fetch_add(from_owner, std::memory_order_relaxed);
      steals_from_thief.fetch_add(from_thief, std::memory_order_relaxed);
    });
  }

  std::thread owner([&] {
    while (ready.load(std::memory_order_acquire) != kThieves) std::this_thread::yield();
    std::size_t last_popped = 0;
    bool any_popped = false;
    auto sink = [&](Item** batch, std::size_t n) {
      if (n == kCap / 2 + 1) {
        ++spill_half_calls;
      } else if (n == 1) {
        ++spill_one_calls;
      } else {
        errors.fetch_add(1, std::memory_order_relaxed);
      }
      for (std::size_t i = 0; i < n; ++i) {
        // Oldest first: indices strictly increase within one batch, and the
        // new item (pushed last, so the largest index) comes last.
        if (i > 0 && index_of(batch[i]) <= index_of(batch[i - 1])) {
          errors.fetch_add(1, std::memory_order_relaxed);
        }
        batch[i]->fetch_add(1, std::memory_order_relaxed);
      }
      spilled += n;
    };
    auto take_popped = [&](Item* p) {
      // The owner's queue holds items in push order and everyone takes from
      // its head, so the owner's own pops come out in increasing order.
      const std::size_t idx = index_of(p);
      if (any_popped && idx <= last_popped) errors.fetch_add(1, std::memory_order_relaxed);
      last_popped = idx;
      any_popped = true;
      p->fetch_add(1, std::memory_order_relaxed);
      ++popped;
    };
    std::uint64_t rng = 0x243F6A8885A308D3ull;
    for (std::size_t i = 0; i < kItems; ++i) {
      owner_q.push_or_overflow(&items[i], sink);
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      // Alternate phases of 4096 pushes: in even phases pop less often than
      // we push (the ring fills and spills), in odd ones pop as often (the
      // ring hovers near empty, where pop and steal race for the last items).
      const bool filling = (i >> 12) % 2 == 0;
      const std::uint64_t r = rng % 16;
      const int pops = filling ? (r < 10 ? 0 : 1) : (r < 8 ? 0 : 2);
      for (int k = 0; k < pops; ++k) {
        if (Item* p = owner_q.pop()) take_popped(p);
      }
      // Give thieves a chance to run, even on a small or busy machine.
      for (std::uint64_t k = rng >> 60; k != 0; --k) ensemble::runtime::cpu_relax();
      if (i % 256 == 255) std::this_thread::yield();
    }
    while (Item* p = owner_q.pop()) take_popped(p);
    done.store(true, std::memory_order_release);
  });

  const auto t0 = std::chrono::steady_clock::now();
  owner.join();
  for (auto& th : thieves) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::size_t missing = 0;
  std::size_t duplicated = 0;
  for (std::size_t i = 0; i < kItems; ++i) {
    const std::uint32_t c = items[i].load(std::memory_order_relaxed);
    missing += c == 0;
    duplicated += c > 1;
  }
  MESSAGE("items=" << kItems << " popped=" << popped << " stolen=" << stolen.load()
                   << " spilled=" << spilled << " (half-spills=" << spill_half_calls
                   << ", single-spills=" << spill_one_calls << ") steals: from owner="
                   << steals_from_owner.load() << " from thieves=" << steals_from_thief.load()
                   << " time=" << secs << "s");
  CHECK(errors.load() == 0);
  CHECK(missing == 0);
  CHECK(duplicated == 0);
  CHECK(popped + stolen.load() + spilled == kItems);
  CHECK(owner_q.pop() == nullptr);
  for (auto& q : thief_q) CHECK(q->pop() == nullptr);
  // Both hand-off paths must have been exercised for the test to mean much.
  CHECK(stolen.load() > 0);
  CHECK(spill_half_calls > 0);
}
