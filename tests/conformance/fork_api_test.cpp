// The actress reference suite, section "Fork API" (B56-B62): the cases, then the
// doctest suite "Fork API". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- Fork API ----------------------------------------------------------------------

// B56: can use abort method.
Task<> b56_work(LogRef log) {
  log->add("start work");
  co_await task::sleep(dt(2));
  log->add("end work");
}
Task<> b56_main(LogRef log) {
  auto worker = co_await task::fork(b56_work(log));
  co_await task::sleep(0);
  log->add("kill");
  worker.abort(error("kill"));
  log->add("nap");
  co_await task::sleep(dt(5));
  log->add("exit");
}

// B57: can use exit method.
Task<> b57_work(LogRef log) {
  Finally finally{[log] { log->add("cancel work"); }};
  log->add("start work");
  co_await task::sleep(dt(2));
  log->add("end work");
}
Task<> b57_main(LogRef log) {
  auto worker = co_await task::fork(b57_work(log));
  co_await task::sleep(0);
  log->add("kill");
  worker.exit();
  log->add("nap");
  co_await task::sleep(dt(5));
  log->add("exit");
}

// B58: can use resume method.
Task<> b58_work(LogRef log) {
  log->add("suspend work");
  co_await task::suspend();
  log->add("resume work");
}
Task<> b58_main(LogRef log) {
  auto worker = co_await task::fork(b58_work(log));
  co_await task::sleep(dt(2));
  worker.resume();
  log->add("exit");
}

// B59: can use join method.
Task<int, std::string> b59_work() {
  co_await task::send("a");
  co_await task::sleep(dt(2));
  co_await task::send("b");
  co_return 0;
}
Task<int, std::string> b59_main() {
  auto worker = co_await task::fork(b59_work());
  co_await task::sleep(0);
  const int result = co_await worker.join();
  co_return result;
}

// B60: has toStringTag (inside a task).
Task<std::string> b60_main() {
  auto fork = co_await task::fork(nap(2));
  co_return task::to_string(fork);
}

// B61: is iterator. Spreading a fork is JS-only; ported as: co_await on an
// already-started fork gives the same fork back and sends nothing.
Effect<std::string> b61_work() {
  co_await task::send("a");
  co_await task::send("b");
  co_await task::send("c");
}
Task<bool, std::string> b61_main() {
  auto fork = co_await task::fork(b61_work());
  auto again = co_await fork;
  co_return again.id() == fork.id();
}
std::string b61(Syndicate& syn) { return show(inspect(syn, b61_main())); }
const char* const b61_expect = "{ok: true, value: true, mail: []}";

// B62: can join non-active fork.
Effect<std::string> b62_work() { co_await task::send("hi"); }
Effect<std::string> b62_main(task::Fork<void, std::string> worker) { co_await task::join(worker); }
std::string b62(Syndicate& syn) {
  auto worker = task::fork(b62_work());  // made outside any task, never activated
  return show(inspect(syn, b62_main(worker)));
}
const char* const b62_expect = "{ok: true, value: undefined, mail: [\"hi\"]}";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("Fork API");

TEST_CASE("can use abort method") {  // B56
  auto log = make_log();
  Syndicate syn("tasks", config());
  task::run(syn, task::fork(b56_main(log)));
  CHECK(log->lines() == std::vector<std::string>{"start work", "kill", "nap", "exit"});
}
TEST_CASE("can use exit method") {  // B57
  auto log = make_log();
  Syndicate syn("tasks", config());
  task::run(syn, task::fork(b57_main(log)));
  CHECK(log->lines() == std::vector<std::string>{"start work", "kill", "cancel work", "nap", "exit"});
}
TEST_CASE("can use resume method") {  // B58
  auto log = make_log();
  Syndicate syn("tasks", config());
  task::run(syn, task::fork(b58_main(log)));
  // The worker runs once main has given up control (after "exit").
  CHECK(ensemble_test::wait_until([&] { return log->lines().size() == 3; }));
  CHECK(log->lines() == std::vector<std::string>{"suspend work", "exit", "resume work"});
}
TEST_CASE("can use join method") {  // B59
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b59_main())) == "{ok: true, value: 0, mail: [\"b\"]}");
}
TEST_CASE("has toStringTag (inside a task)") {  // B60
  Syndicate syn("tasks", config());
  CHECK(task::run(syn, task::fork(b60_main())) == "[object Fork]");
}
TEST_CASE("is iterator") {  // B61 (see b61_work)
  Syndicate syn("tasks", config());
  CHECK(b61(syn) == b61_expect);
}
TEST_CASE("can join non-active fork") {  // B62
  Syndicate syn("tasks", config());
  CHECK(b62(syn) == b62_expect);
}

TEST_SUITE_END();
