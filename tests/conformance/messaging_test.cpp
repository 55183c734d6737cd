// The actress reference suite, section "messaging" (B9-B14): the cases, then the
// doctest suite "messaging". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- messaging ---------------------------------------------------------------

// B9: can send message.
Effect<std::string> b09_main() {
  co_await task::send("one");
  co_await task::send("two");
}
std::string b09(Syndicate& syn) { return show(inspect(syn, b09_main())); }
const char* const b09_expect = "{ok: true, value: undefined, mail: [\"one\", \"two\"]}";

// B10: can send message in finally.
Effect<std::string> b10_main() {
  std::exception_ptr pending;
  try {
    co_await task::send("one");
    co_await task::send("two");
  } catch (...) {
    pending = std::current_exception();
  }
  co_await task::send("three");  // finally
  if (pending) std::rethrow_exception(pending);
}
std::string b10(Syndicate& syn) { return show(inspect(syn, b10_main())); }
const char* const b10_expect = "{ok: true, value: undefined, mail: [\"one\", \"two\", \"three\"]}";

// B11: can send message after exception.
Effect<std::string> b11_main() {
  std::exception_ptr pending;
  try {
    co_await task::send("one");
    co_await task::send("two");
    throw error("boom");
  } catch (...) {
    pending = std::current_exception();
  }
  co_await task::send("four");  // finally
  if (pending) std::rethrow_exception(pending);
}
std::string b11(Syndicate& syn) { return show(inspect(syn, b11_main())); }
const char* const b11_expect = "{ok: false, error: Error(boom), mail: [\"one\", \"two\", \"four\"]}";

// B12: can send message after rejected promise.
Effect<std::string> b12_main() {
  std::exception_ptr pending;
  try {
    co_await task::send("one");
    co_await task::send("two");
    auto boom = task::rejected<int>(error("boom"));
    (void)co_await task::wait(boom);
    co_await task::send("three");
  } catch (...) {
    pending = std::current_exception();
  }
  co_await task::send("four");  // finally
  if (pending) std::rethrow_exception(pending);
}
std::string b12(Syndicate& syn) { return show(inspect(syn, b12_main())); }
const char* const b12_expect = "{ok: false, error: Error(boom), mail: [\"one\", \"two\", \"four\"]}";

// B13: can send message after rejected promise (a rejected wait in finally
// replaces the error).
Effect<std::string> b13_main() {
  std::exception_ptr pending;
  try {
    co_await task::send("one");
    co_await task::send("two");
    auto boom = task::rejected<int>(error("boom"));
    (void)co_await task::wait(boom);
    co_await task::send("three");
  } catch (...) {
    pending = std::current_exception();
  }
  // finally:
  auto oops = task::rejected<int>(error("oops"));
  (void)co_await task::wait(oops);
  co_await task::send("four");
  if (pending) std::rethrow_exception(pending);
}
std::string b13(Syndicate& syn) { return show(inspect(syn, b13_main())); }
const char* const b13_expect = "{ok: false, error: Error(oops), mail: [\"one\", \"two\"]}";

// B14: subtasks can send messages.
Effect<std::string> b14_worker() { co_await task::send("c1"); }
Effect<std::string> b14_main() {
  std::exception_ptr pending;
  try {
    co_await task::send("one");
    co_await task::send("two");
    co_await b14_worker();
    co_await task::send("three");
  } catch (...) {
    pending = std::current_exception();
  }
  // finally:
  co_await task::send("four");
  auto oops = task::rejected<int>(error("oops"));
  (void)co_await task::wait(oops);
  co_await task::send("five");
  if (pending) std::rethrow_exception(pending);
}
std::string b14(Syndicate& syn) { return show(inspect(syn, b14_main())); }
const char* const b14_expect =
    "{ok: false, error: Error(oops), mail: [\"one\", \"two\", \"c1\", \"three\", \"four\"]}";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("messaging");

TEST_CASE("can send message") {  // B9
  Syndicate syn("tasks", config());
  CHECK(b09(syn) == b09_expect);
}
TEST_CASE("can send message in finally") {  // B10
  Syndicate syn("tasks", config());
  CHECK(b10(syn) == b10_expect);
}
TEST_CASE("can send message after exception") {  // B11
  Syndicate syn("tasks", config());
  CHECK(b11(syn) == b11_expect);
}
TEST_CASE("can send message after rejected promise") {  // B12
  Syndicate syn("tasks", config());
  CHECK(b12(syn) == b12_expect);
}
TEST_CASE("can send message after rejected promise (rejected in finally)") {  // B13
  Syndicate syn("tasks", config());
  CHECK(b13(syn) == b13_expect);
}
TEST_CASE("subtasks can send messages") {  // B14
  Syndicate syn("tasks", config());
  CHECK(b14(syn) == b14_expect);
}

TEST_SUITE_END();
