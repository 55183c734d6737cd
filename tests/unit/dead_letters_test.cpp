// The dead-letter store in isolation: its count never runs ahead of what a
// snapshot holds.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "runtime/actor/dead_letters.hpp"

#include "tests/test_support.hpp"

using ensemble::runtime::DeadLetters;

TEST_CASE("dead letters: a reader that sees a letter counted finds it in the snapshot") {
  // A writer records letters one by one while a reader alternates count()
  // and snapshot(). Everything recorded is kept, so whatever count() said
  // must already be in the snapshot taken after it. (The store used to count
  // a letter before storing it: the reader then saw counts the snapshot
  // could not show, as tests/api/actor_test.cpp's "first reply wins" once did.)
  constexpr std::uint64_t letters = ensemble_test::scaled(200000);
  DeadLetters store(letters);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t i = 0; i < letters; ++i) {
      store.record(ensemble::Message{}, ensemble::ActorAddress{}, "reason");
    }
    done.store(true);
  });
  std::uint64_t checks = 0, behind = 0, max_seen = 0;
  while (!done.load()) {
    std::uint64_t counted = store.count();
    std::size_t held = store.snapshot().size();
    ++checks;
    if (held < counted) ++behind;
    max_seen = std::max<std::uint64_t>(max_seen, counted);
  }
  writer.join();
  CHECK(behind == 0);
  CHECK(store.count() == letters);
  CHECK(store.snapshot().size() == letters);
  MESSAGE(checks << " checks while recording; the last count seen mid-run was " << max_seen);
}

TEST_CASE("dead letters: beyond `keep` the oldest go from the list, never from the count") {
  DeadLetters store(3);
  for (int i = 0; i < 5; ++i) {
    store.record(ensemble::Message{}, ensemble::ActorAddress{}, "r" + std::to_string(i));
  }
  CHECK(store.count() == 5);
  auto kept = store.snapshot();
  REQUIRE(kept.size() == 3);
  CHECK(kept[0]->reason == "r2");
  CHECK(kept[2]->reason == "r4");
  DeadLetters none(0);
  none.record(ensemble::Message{}, ensemble::ActorAddress{}, "dropped");
  CHECK(none.count() == 1);
  CHECK(none.snapshot().empty());
}
