// The actress reference suite, section "promise" (B33-B37): the cases, then the
// doctest suite "promise". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- promise ---------------------------------------------------------------------

// B33: fails promise if task fails.
Task<> b33_main() {
  throw error("boom");
  co_return;
}
std::string b33(Syndicate& syn) {
  // The fork outlives the read of the error: its (instrumented) reference
  // count then orders the read before the tree frees the exception (see
  // Inspected).
  auto fork = task::fork(b33_main());
  try {
    task::run(syn, fork);
    return "should be unreachable";
  } catch (const std::exception& e) {
    return std::string("rejected: ") + e.what();
  }
}
const char* const b33_expect = "rejected: boom";

// B34: can use then. B36: can use finally. Both are the Promise API of a Fork
// (`await fork`, fork.finally): `await fork` is task::run(syn, fork), and
// fork.finally(f) is task::then over a task that joins the fork, with f on
// both paths.
Task<int> b34_work() {
  co_await task::sleep(1);
  co_return 0;
}

// B35: can use catch.
Task<int> b35_work() {
  co_await task::sleep(1);
  throw error("boom");
}

// B37: has toStringTag.
std::string b37(Syndicate&) {
  auto fork = task::fork(nap(2));
  return task::to_string(fork);
}
const char* const b37_expect = "[object Fork]";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("promise");

TEST_CASE("fails promise if task fails") {  // B33
  Syndicate syn("tasks", config());
  CHECK(b33(syn) == b33_expect);
}
TEST_CASE("can use then") {  // B34
  Syndicate syn("tasks", config());
  auto fork = task::fork(b34_work());
  CHECK(task::run(syn, fork) == 0);
}
TEST_CASE("can use catch") {  // B35
  Syndicate syn("tasks", config());
  std::string caught;
  auto fork = task::fork(b35_work());  // outlives the read (see b33)
  try {
    (void)task::run(syn, fork);
  } catch (const std::exception& e) {
    caught = e.what();
  }
  CHECK(caught == "boom");
}
namespace {
// fork.finally(f) in C++: a task that joins the fork, with f on both paths of
// task::then (a Fork has no promise members; see docs/tasks.md).
template <class T, class M>
Task<T> joined(task::Fork<T, M> fork) {
  co_return co_await fork.join();
}
template <class T, class M>
Task<T> with_finally(task::Fork<T, M> fork, std::shared_ptr<std::vector<std::string>> log) {
  auto on_value = [log](T v) {
    log->push_back("finally");
    return v;
  };
  auto on_error = [log](std::exception_ptr e) -> T {
    log->push_back("finally");
    std::rethrow_exception(e);
  };
  log->push_back("registered");
  co_return co_await task::then(joined(std::move(fork)), on_value, on_error);
}
}  // namespace

TEST_CASE("can use finally") {  // B36
  // fork.finally(f): f runs once the fork settles, whichever way, and the
  // outcome passes through: the value on success, the error on failure.
  Syndicate syn("tasks", config());
  auto log = std::make_shared<std::vector<std::string>>();
  auto ok_fork = task::fork(b34_work());
  CHECK(task::run(syn, with_finally(ok_fork, log)) == 0);
  CHECK(*log == std::vector<std::string>{"registered", "finally"});
  CHECK(task::run(syn, ok_fork) == 0);  // the fork itself settled with its own value

  log->clear();
  auto bad_fork = task::fork(b35_work());
  std::string caught;
  try {
    (void)task::run(syn, with_finally(bad_fork, log));
  } catch (const std::exception& e) {
    caught = e.what();
  }
  CHECK(caught == "boom");
  CHECK(*log == std::vector<std::string>{"registered", "finally"});
}
TEST_CASE("has toStringTag") {  // B37
  Syndicate syn("tasks", config());
  CHECK(b37(syn) == b37_expect);
}

TEST_SUITE_END();
