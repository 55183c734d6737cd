// The actress reference suite, section "concurrency" (B22-B26): the cases, then the
// doctest suite "concurrency". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_support.hpp"

namespace actress_cases {

// --- concurrency ---------------------------------------------------------------

// B22: can run tasks concurrently.
Effect<std::string> b22_worker(const char* name, int duration, int count) {
  int n = 0;
  while (n++ < count) {
    co_await task::sleep(duration);
    std::string m = std::string(name) + "#" + std::to_string(n);
    co_await task::send(std::move(m));
  }
}
Effect<std::string> b22_main() {
  auto a = co_await task::fork(b22_worker("a", dt(5), 6));
  co_await task::sleep(dt(5));
  auto b = co_await task::fork(b22_worker("b", dt(7), 7));
  co_await task::group(a, b);
}

// B23: can fork and join.
Task<> b23_work(LogRef log, const char* name) {
  log->add(std::string("> ") + name + " sleep");
  co_await task::sleep(dt(5));
  log->add(std::string("< ") + name + " wake");
}
Task<> b23_main(LogRef log) {
  log->add("Spawn A");
  auto a = co_await task::fork(b23_work(log, "A"));
  log->add("Sleep");
  co_await task::sleep(dt(20));
  log->add("Spawn B");
  auto b = co_await task::fork(b23_work(log, "B"));
  log->add("Join");
  auto merge = task::group(a, b);
  co_await merge;
  log->add("Nap");
  co_await task::sleep(dt(2));
  log->add("Exit");
}

// B24: joining failed task throws.
Task<> b24_work() {
  throw error("boom");
  co_return;
}
Task<> b24_main() {
  auto worker = co_await task::fork(b24_work());
  co_await task::sleep(0);
  co_await task::join(worker);
}

// B25: spawn can outlive parent.
Task<> b25_worker(LogRef log) {
  log->add("start fork");
  co_await task::sleep(dt(2));
  log->add("exit fork");
}
Task<> b25_main(LogRef log) {
  log->add("start main");
  co_await task::spawn(b25_worker(log));
  log->add("exit main");
}

// B26: throws on exit.
// The reference's worker throws from its finally while it is exited; a C++
// destructor (the only code exit() runs) cannot throw. Ported as: exit() of a
// worker whose cleanup runs leaves the caller ok.
Task<> b26_work(LogRef log) {
  Finally finally{[log] { log->add("cleanup"); }};
  co_await task::sleep(dt(5));
}
Task<> b26_main(LogRef log, std::shared_ptr<std::string> worker_result) {
  auto worker = co_await task::fork(b26_work(log));
  co_await task::sleep();
  worker.exit();  // Task.exit(worker, undefined)
  *worker_result = worker.ok() ? "ok" : "not ok";
}

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("concurrency");

TEST_CASE("can run tasks concurrently") {  // B22
  Syndicate syn("tasks", config());
  auto r = inspect(syn, b22_main());
  CHECK(r.ok);
  const std::vector<std::string> all{"\"a#1\"", "\"a#2\"", "\"a#3\"", "\"a#4\"", "\"a#5\"", "\"a#6\"", "\"b#1\"",
                                     "\"b#2\"", "\"b#3\"", "\"b#4\"", "\"b#5\"", "\"b#6\"", "\"b#7\""};
  CHECK(sorted(r.mail) == all);      // has all the items
  CHECK(sorted(r.mail) != r.mail);   // messages are not ordered
}
TEST_CASE("can fork and join") {  // B23
  auto log = make_log();
  Syndicate syn("tasks", config());
  auto main = task::fork(b23_main(log), task::ForkOptions{.name = "🤖"});
  task::run(syn, main);
  CHECK(main.name() == "🤖");
  CHECK(log->lines() == std::vector<std::string>{"Spawn A", "Sleep", "> A sleep", "< A wake", "Spawn B", "Join",
                                                 "> B sleep", "< B wake", "Nap", "Exit"});
}
TEST_CASE("joining failed task throws") {  // B24
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b24_main())) == "{ok: false, error: Error(boom), mail: []}");
}
TEST_CASE("spawn can outlive parent") {  // B25
  auto log = make_log();
  Syndicate syn("tasks", config());
  task::run(syn, task::fork(b25_main(log)));
  CHECK(wait_for_lines(log, 4));  // the spawned task finishes after its parent
  CHECK(log->lines() == std::vector<std::string>{"start main", "exit main", "start fork", "exit fork"});
}
TEST_CASE("throws on exit") {  // B26: a C++ cleanup cannot throw (docs/tasks.md, "differs")
  auto log = make_log();
  auto worker_result = std::make_shared<std::string>();
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b26_main(log, worker_result))) == "{ok: true, value: undefined, mail: []}");
  CHECK(log->lines() == std::vector<std::string>{"cleanup"});
  CHECK(*worker_result == "ok");
}

TEST_SUITE_END();
