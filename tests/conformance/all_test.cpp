// The actress reference suite, section "all" (B53-B55): the cases, then the
// doctest suite "all operator". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- all ---------------------------------------------------------------------------

// B53: can get all results.
Task<std::string> b53_work(LogRef log, int duration, const char* result) {
  co_await task::sleep(duration);
  log->add(result);
  co_return result;
}
Task<std::vector<std::string>> b53_main(LogRef log) {
  std::vector<Task<std::string>> tasks;
  tasks.push_back(b53_work(log, dt(2), "a"));
  tasks.push_back(b53_work(log, dt(9), "b"));
  tasks.push_back(b53_work(log, dt(5), "c"));
  tasks.push_back(b53_work(log, dt(0), "d"));
  co_return co_await task::all(std::move(tasks));
}

// B54: on failur all other tasks are aborted.
Task<std::string> b54_work(LogRef log, int duration, const char* name, bool crash) {
  co_await task::sleep(duration);
  log->add(name);
  if (crash) throw error(name);
  co_return name;
}
Task<std::vector<std::string>> b54_main(LogRef log) {
  std::vector<Task<std::string>> tasks;
  tasks.push_back(b54_work(log, dt(2), "a", false));
  tasks.push_back(b54_work(log, dt(9), "b", false));
  tasks.push_back(b54_work(log, dt(5), "c", true));
  tasks.push_back(b54_work(log, dt(0), "d", false));
  tasks.push_back(b54_work(log, dt(8), "e", false));
  co_return co_await task::all(std::move(tasks));
}

// B55: can make all of none.
std::string b55(Syndicate& syn) {
  std::vector<Task<std::string>> none;
  return show(task::run(syn, task::fork(task::all(std::move(none)))));
}
const char* const b55_expect = "[]";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("all operator");

TEST_CASE("can get all results") {  // B53
  auto log = make_log();
  Syndicate syn("tasks", config());
  const auto result = task::run(syn, task::fork(b53_main(log)));
  const auto output = log->lines();
  CHECK(result == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(result != output);
  CHECK(sorted(result) == sorted(output));
}
TEST_CASE("on failur all other tasks are aborted") {  // B54
  auto log = make_log();
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b54_main(log))) == "{ok: false, error: Error(c), mail: []}");
  task::run(syn, nap(dt(20)));
  CHECK(sorted(log->lines()) == std::vector<std::string>{"a", "c", "d"});
}
TEST_CASE("can make all of none") {  // B55
  Syndicate syn("tasks", config());
  CHECK(b55(syn) == b55_expect);
}

TEST_SUITE_END();
