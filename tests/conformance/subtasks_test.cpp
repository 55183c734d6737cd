// The actress reference suite, section "subtasks" (B15-B21): the cases, then the
// doctest suite "subtasks". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- subtasks ----------------------------------------------------------------

// B15: crashes parent. worker(x, y) waits on each argument, a number or a promise.
using Awaitable = std::variant<int, task::Deferred<int>>;
Task<int> await_value(Awaitable v) {
  if (auto* d = std::get_if<task::Deferred<int>>(&v)) co_return co_await task::wait(*d);
  co_return co_await task::wait(std::get<int>(v));
}
Task<int> b15_worker(Awaitable x, Awaitable y) {
  int a = co_await await_value(std::move(x));
  int b = co_await await_value(std::move(y));
  co_return a + b;
}
Task<int> b15_main() {
  Awaitable one_x = 1;
  Awaitable one_y = 2;
  const int one = co_await b15_worker(std::move(one_x), std::move(one_y));
  Awaitable two_x = task::rejected<int>(error("5"));
  Awaitable two_y = one;
  const int two = co_await b15_worker(std::move(two_x), std::move(two_y));
  co_return two;
}
std::string b15(Syndicate& syn) { return show(inspect(syn, b15_main())); }
const char* const b15_expect = "{ok: false, error: Error(5), mail: []}";

// B16: fork does not crash parent.
Task<int, std::string> b16_work(LogRef log, const char* id) {
  log->add(std::string("start ") + id);
  std::string first = std::string(id) + "#1";
  co_await task::send(std::move(first));
  auto boom = task::rejected<int>(error("boom"));
  (void)co_await task::wait(boom);
  co_return 0;
}
Task<std::string> b16_main(LogRef log) {
  (void)co_await task::fork(b16_work(log, "A"));
  auto one = task::resolved(std::string("one"));
  (void)co_await task::wait(one);
  (void)co_await task::fork(b16_work(log, "B"));
  auto two = task::resolved(std::string("two"));
  co_return co_await task::wait(two);
}
std::string b16(Syndicate& syn) {
  auto log = make_log();
  const std::string result = show(inspect(syn, b16_main(log)));  // before reading the log
  return result + " log: " + show(log->lines());
}
const char* const b16_expect = "{ok: true, value: \"two\", mail: []} log: [\"start A\", \"start B\"]";

// B17: waiting on forks result crashes parent (group([a, b]), both fail).
Effect<std::string> b17_worker(LogRef log, const char* id) {
  log->add(std::string("Start ") + id);
  std::string first = std::string(id) + "#1";
  co_await task::send(std::move(first));
  auto boom = task::rejected<int>(error(std::string(id) + "!boom"));
  (void)co_await task::wait(boom);
}
Task<int, std::string> b17_main(LogRef log) {
  auto a = co_await task::fork(b17_worker(log, "A"));
  auto one = task::resolved(std::string("one"));
  (void)co_await task::wait(one);
  auto b = co_await task::fork(b17_worker(log, "B"));
  co_await task::send("hi");
  co_await task::group(a, b);
  auto two = task::resolved(std::string("two"));
  (void)co_await task::wait(two);
  co_return 0;
}
std::string b17(Syndicate& syn) {
  auto log = make_log();
  const std::string result = show(inspect(syn, b17_main(log)));  // before reading the log
  return result + " log: " + show(log->lines());
}
const char* const b17_expect =
    "{ok: false, error: Error(A!boom), mail: [\"hi\", \"B#1\"]} log: [\"Start A\", \"Start B\"]";

// B18: joining failed forks crashes parent (join(b) then join(a), both succeed).
Task<std::string, std::string> b18_work(LogRef log, const char* id) {
  log->add(std::string("Start ") + id);
  std::string first = std::string(id) + "#1";
  co_await task::send(std::move(first));
  co_return std::string(id);
}
Effect<std::string> b18_main(LogRef log, std::shared_ptr<std::vector<std::string>> joined) {
  auto a = co_await task::fork(b18_work(log, "A"));
  auto one = task::resolved(std::string("one"));
  (void)co_await task::wait(one);
  auto b = co_await task::fork(b18_work(log, "B"));
  co_await task::send("hi");
  std::string result = co_await task::join(b);
  joined->push_back(result);  // assert.deepEqual(result, "B")
  std::string result2 = co_await task::join(a);
  joined->push_back(result2);  // assert.deepEqual(result2, "A")
}
std::string b18(Syndicate& syn) {
  auto log = make_log();
  auto joined = std::make_shared<std::vector<std::string>>();
  const std::string result = show(inspect(syn, b18_main(log, joined)));  // before reading the log
  return result + " log: " + show(log->lines()) + " joined: " + show(*joined);
}
const char* const b18_expect =
    "{ok: true, value: undefined, mail: [\"hi\", \"B#1\"]} log: [\"Start A\", \"Start B\"] joined: [\"B\", \"A\"]";

// B19: faling group member terminates group.
Task<> b19_work(LogRef log, int ms, const char* name, bool crash) {
  log->add(std::string(name) + " on duty");
  if (crash) {
    co_await task::sleep(ms);
    throw error("boom");
  }
  Finally finally{[log, name] { log->add(std::string(name) + " cancelled"); }};
  co_await task::sleep(ms);
  log->add(std::string(name) + " is done");
}
Task<std::exception_ptr> b19_main(LogRef log) {
  auto a = co_await task::fork(b19_work(log, dt(1), "A", false));
  co_await task::sleep(dt(2));
  auto b = co_await task::fork(b19_work(log, dt(8), "B", false));
  auto c = co_await task::fork(b19_work(log, dt(14), "C", false));
  auto d = co_await task::fork(b19_work(log, dt(4), "D", true));
  auto e = co_await task::fork(b19_work(log, dt(10), "E", false));
  std::exception_ptr failure;
  try {
    co_await task::group(a, b, c, d, e);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {  // the reference's catch block (C++ cannot co_await in a handler)
    co_await task::sleep(dt(30));
    co_return failure;  // { error }
  }
  co_return nullptr;
}

// B20: failed task fails the group.
Task<> b20_fail() {
  throw error("boom");
  co_return;
}
Task<> b20_work(LogRef log, int ms, const char* name) {
  log->add(std::string(name) + " on duty");
  Finally finally{[log, name] { log->add(std::string(name) + " cancelled"); }};
  co_await task::sleep(ms);
  log->add(std::string(name) + " is done");
}
Task<> b20_main(LogRef log, std::shared_ptr<std::string> f_result) {
  auto f = co_await task::fork(b20_fail());
  auto a = co_await task::fork(b20_work(log, dt(2), "a"));
  co_await task::sleep();
  // assert.deepEqual(f.result, { ok: false, error: boom })
  *f_result = !f.finished() ? "not finished" : f.ok() ? "ok" : "{ok: false, error: " + show(f.error()) + "}";
  // The reference forks b and c while building the array, in order.
  auto b = co_await task::fork(b20_work(log, dt(4), "b"));
  auto c = co_await task::fork(b20_work(log, dt(2), "c"));
  co_await task::group(a, b, f, c);
}

// B21: can make empty group.
Task<> b21_main() {
  std::vector<task::Controller> none;
  co_await task::group(std::move(none));
}
std::string b21(Syndicate& syn) { return show(inspect(syn, b21_main())); }
const char* const b21_expect = "{ok: true, value: undefined, mail: []}";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("subtasks");

TEST_CASE("crashes parent") {  // B15
  Syndicate syn("tasks", config());
  CHECK(b15(syn) == b15_expect);
}
TEST_CASE("fork does not crash parent") {  // B16
  Syndicate syn("tasks", config());
  CHECK(b16(syn) == b16_expect);
}
TEST_CASE("waiting on forks result crashes parent") {  // B17
  Syndicate syn("tasks", config());
  CHECK(b17(syn) == b17_expect);
}
TEST_CASE("joining failed forks crashes parent") {  // B18
  Syndicate syn("tasks", config());
  CHECK(b18(syn) == b18_expect);
}
TEST_CASE("faling group member terminates group") {  // B19
  auto log = make_log();
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b19_main(log))) == "{ok: true, value: Error(boom), mail: []}");
  const std::vector<std::string> expected{"A on duty", "B on duty",   "C on duty",   "D on duty",   "E on duty",
                                          "A is done", "E cancelled", "A cancelled", "B cancelled", "C cancelled"};
  CHECK(sorted(log->lines()) == sorted(expected));
}
TEST_CASE("failed task fails the group") {  // B20
  auto log = make_log();
  auto f_result = std::make_shared<std::string>();
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b20_main(log, f_result))) == "{ok: false, error: Error(boom), mail: []}");
  CHECK(*f_result == "{ok: false, error: Error(boom)}");
  task::run(syn, nap(dt(10)));
  CHECK(log->lines() == std::vector<std::string>{"a on duty", "a cancelled"});
}
TEST_CASE("can make empty group") {  // B21
  Syndicate syn("tasks", config());
  CHECK(b21(syn) == b21_expect);
}

TEST_SUITE_END();
