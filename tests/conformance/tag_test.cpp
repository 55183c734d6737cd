// The actress reference suite, section "tag" (B38-B43): the cases, then the
// doctest suite "tag". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- tag ---------------------------------------------------------------------------

// B38: tags effect.
Effect<int> b38_fx() {
  co_await task::send(1);
  co_await task::sleep(2);
  co_await task::send(2);
}

// B39: tags with errors.
Effect<int> b39_fx() {
  co_await task::send(1);
  throw error("boom");
}
Effect<task::Tagged> b39_main() {
  auto tagged = task::tag(b39_fx(), "fx");
  co_await std::move(tagged);
}
std::string b39(Syndicate& syn) { return show(inspect(syn, b39_main())); }
const char* const b39_expect = "{ok: false, error: Error(boom), mail: [{type: \"fx\", fx: 1}]}";

// B40: can terminate tagged. B41: can abort tagged.
Effect<int> b40_fx(LogRef log) {
  co_await task::send(1);
  log->add("send 1");
  co_await task::sleep(dt(1));
  co_await task::send(2);
  log->add("send 2");
}
Task<> b40_main(LogRef log) {
  auto tagged = task::tag(b40_fx(log), "fx");
  auto fork = co_await task::fork(std::move(tagged));
  co_await task::sleep(dt(1));
  task::terminate(fork);
}
Task<> b41_main(LogRef log, std::shared_ptr<std::string> tag_string) {
  auto tagged = task::tag(b40_fx(log), "fx");
  *tag_string = task::to_string(tagged);  // assert.equal(String(tagged), "[object TaggedEffect]")
  auto fork = co_await task::fork(std::move(tagged));
  co_await task::sleep(dt(1));
  task::abort(fork, error("kill"));
}

// B42: can double tag.
Effect<int> b42_fx() {
  co_await task::send(1);
  co_await task::sleep(1);
  co_await task::send(2);
}

// B43: tagging none is noop.
std::string b43(Syndicate& syn) {
  auto tagged = task::tag(task::tag(task::none<int>(), "foo"), "bar");
  const bool is_none = task::is_none(tagged);  // assert.equal(tagged, Task.none())
  return show(inspect(syn, std::move(tagged))) + " none: " + show(is_none);
}
const char* const b43_expect = "{ok: true, value: undefined, mail: []} none: true";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("tag");

TEST_CASE("tags effect") {  // B38
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, task::tag(b38_fx(), "fx"))) ==
        "{ok: true, value: undefined, mail: [{type: \"fx\", fx: 1}, {type: \"fx\", fx: 2}]}");
}
TEST_CASE("tags with errors") {  // B39
  Syndicate syn("tasks", config());
  CHECK(b39(syn) == b39_expect);
}
TEST_CASE("can terminate tagged") {  // B40
  auto log = make_log();
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b40_main(log))) == "{ok: true, value: undefined, mail: []}");
  CHECK(log->lines() == std::vector<std::string>{"send 1"});
  task::run(syn, nap(dt(5)));
  CHECK(log->lines() == std::vector<std::string>{"send 1"});
}
TEST_CASE("can abort tagged") {  // B41
  auto log = make_log();
  auto tag_string = std::make_shared<std::string>();
  Syndicate syn("tasks", config());
  CHECK(show(inspect(syn, b41_main(log, tag_string))) == "{ok: true, value: undefined, mail: []}");
  CHECK(*tag_string == "[object TaggedEffect]");
  CHECK(log->lines() == std::vector<std::string>{"send 1"});
  task::run(syn, nap(dt(5)));
  CHECK(log->lines() == std::vector<std::string>{"send 1"});
}
TEST_CASE("can double tag") {  // B42
  Syndicate syn("tasks", config());
  auto tagged = task::tag(task::tag(b42_fx(), "foo"), "bar");
  CHECK(show(inspect(syn, std::move(tagged))) ==
        "{ok: true, value: undefined, mail: [{type: \"bar\", bar: {type: \"foo\", foo: 1}}, "
        "{type: \"bar\", bar: {type: \"foo\", foo: 2}}]}");
}
TEST_CASE("tagging none is noop") {  // B43
  Syndicate syn("tasks", config());
  CHECK(b43(syn) == b43_expect);
}

TEST_SUITE_END();
