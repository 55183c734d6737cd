// The actress reference suite, section "wait" (B1-B8): the cases, then the
// doctest suite "wait". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- wait ------------------------------------------------------------------

// B1: it does wait on non-promise.
// The reference sets isSync = false right after the synchronous part of the
// test; the stand-in is a task that clears the flag in a later turn (after a
// wait on a settled Deferred). wait(5) must resume before that, in the same
// drain.
Task<> clear_in_a_later_turn(std::shared_ptr<bool> flag) {
  auto settled = task::resolved(0);
  (void)co_await task::wait(settled);
  *flag = false;
}
// The strand's drain count, read inside a task: equal before and after an
// await means the task resumed in the same synchronous drain (white-box; the
// reference observes it through isSync).
std::uint64_t drain_now() { return ensemble::runtime::current_strand()->drain_number(); }

Task<int> b01_worker(std::shared_ptr<bool> is_sync, std::shared_ptr<bool> seen_sync,
                     std::shared_ptr<bool> same_drain) {
  const std::uint64_t before = drain_now();
  int message = co_await task::wait(5);
  *same_drain = drain_now() == before;
  *seen_sync = *is_sync;  // "expect to be sync"
  co_return message;
}
Task<Inspected<int>> b01_root(std::shared_ptr<bool> is_sync, std::shared_ptr<bool> seen_sync,
                              std::shared_ptr<bool> same_drain) {
  (void)co_await task::fork(clear_in_a_later_turn(is_sync));
  co_return co_await inspector(b01_worker(is_sync, seen_sync, same_drain));
}
std::string b01(Syndicate& syn) {
  auto is_sync = std::make_shared<bool>(true);
  auto seen_sync = std::make_shared<bool>(false);
  auto same_drain = std::make_shared<bool>(false);
  auto r = task::run(syn, b01_root(is_sync, seen_sync, same_drain));
  return show(r) + " sync: " + show(*seen_sync) + " same drain: " + show(*same_drain);
}
const char* const b01_expect = "{ok: true, value: 5, mail: []} sync: true same drain: true";

// B2: does await on promise.
// isSync is cleared by a task that runs as soon as the waiting task gives up
// control; wait(resolved(5)) must resume only in a later turn.
Task<> clear_now(std::shared_ptr<bool> flag) {
  *flag = false;
  co_return;
}
Task<int> b02_main(std::shared_ptr<bool> is_sync, std::shared_ptr<bool> seen_sync,
                   std::shared_ptr<bool> same_drain) {
  auto five = task::resolved(5);
  const std::uint64_t before = drain_now();
  int message = co_await task::wait(five);
  *same_drain = drain_now() == before;
  *seen_sync = *is_sync;  // "expect to be async"
  co_return message;
}
Task<Inspected<int>> b02_root(std::shared_ptr<bool> is_sync, std::shared_ptr<bool> seen_sync,
                              std::shared_ptr<bool> same_drain) {
  (void)co_await task::fork(clear_now(is_sync));
  co_return co_await inspector(b02_main(is_sync, seen_sync, same_drain));
}
std::string b02(Syndicate& syn) {
  auto is_sync = std::make_shared<bool>(true);
  auto seen_sync = std::make_shared<bool>(true);
  auto same_drain = std::make_shared<bool>(true);
  auto r = task::run(syn, b02_root(is_sync, seen_sync, same_drain));
  return show(r) + " sync: " + show(*seen_sync) + " same drain: " + show(*same_drain);
}
const char* const b02_expect = "{ok: true, value: 5, mail: []} sync: false same drain: false";

// B3: lets you yield. A plain `yield 5` is a send; it gives back nothing.
Effect<int> b03_main() { co_await task::send(5); }
std::string b03(Syndicate& syn) { return show(inspect(syn, b03_main())); }
const char* const b03_expect = "{ok: true, value: undefined, mail: [5]}";

// B4: does throw on failed promise.
Task<int> b04_main() {
  auto boom = task::rejected<int>(error("boom!"));
  int message = co_await task::wait(boom);
  co_return message;
}
std::string b04(Syndicate& syn) { return show(inspect(syn, b04_main())); }
const char* const b04_expect = "{ok: false, error: Error(boom!), mail: []}";

// B5: can catch promise errors.
Task<std::exception_ptr> b05_main() {
  auto boom = task::rejected<int>(error("boom!"));
  try {
    (void)co_await task::wait(boom);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}
std::string b05(Syndicate& syn) { return show(inspect(syn, b05_main())); }
const char* const b05_expect = "{ok: true, value: Error(boom!), mail: []}";

[[noreturn]] void fail_boom() { throw error("boom!"); }

// B6: can intercept thrown errors.
Task<> b06_main() {
  fail_boom();
  co_return;
}
std::string b06(Syndicate& syn) { return show(inspect(syn, b06_main())); }
const char* const b06_expect = "{ok: false, error: Error(boom!), mail: []}";

// B7: can catch thrown errors.
Task<std::exception_ptr> b07_main() {
  try {
    fail_boom();
  } catch (...) {
    co_return std::current_exception();
  }
}
std::string b07(Syndicate& syn) { return show(inspect(syn, b07_main())); }
const char* const b07_expect = "{ok: true, value: Error(boom!), mail: []}";

// B8: use finally.
Task<int> b08_main(std::shared_ptr<bool> finalized) {
  Finally finally{[finalized] { *finalized = true; }};
  auto boom = task::rejected<int>(error("boom!"));
  int message = co_await task::wait(boom);
  co_return message;
}
std::string b08(Syndicate& syn) {
  auto finalized = std::make_shared<bool>(false);
  const std::string result = show(inspect(syn, b08_main(finalized)));  // before reading the flag
  return result + " finalized: " + show(*finalized);
}
const char* const b08_expect = "{ok: false, error: Error(boom!), mail: []} finalized: true";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("wait");

TEST_CASE("it does wait on non-promise") {  // B1
  Syndicate syn("tasks", config());
  CHECK(b01(syn) == b01_expect);
}
TEST_CASE("does await on promise") {  // B2
  Syndicate syn("tasks", config());
  CHECK(b02(syn) == b02_expect);
}
TEST_CASE("lets you yield") {  // B3
  Syndicate syn("tasks", config());
  CHECK(b03(syn) == b03_expect);
}
TEST_CASE("does throw on failed promise") {  // B4
  Syndicate syn("tasks", config());
  CHECK(b04(syn) == b04_expect);
}
TEST_CASE("can catch promise errors") {  // B5
  Syndicate syn("tasks", config());
  CHECK(b05(syn) == b05_expect);
}
TEST_CASE("can intercept thrown errors") {  // B6
  Syndicate syn("tasks", config());
  CHECK(b06(syn) == b06_expect);
}
TEST_CASE("can catch thrown errors") {  // B7
  Syndicate syn("tasks", config());
  CHECK(b07(syn) == b07_expect);
}
TEST_CASE("use finally") {  // B8
  Syndicate syn("tasks", config());
  CHECK(b08(syn) == b08_expect);
}

TEST_SUITE_END();
