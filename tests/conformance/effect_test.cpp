// The actress reference suite, section "effect" (B44-B52): the cases, then the
// doctest suite "effect". How the port maps the reference onto C++:
// actress_support.hpp.
#include <doctest/doctest.h>

#include "tests/conformance/actress_cases.hpp"

namespace actress_cases {

// --- effect ----------------------------------------------------------------------

// B44: can listen to several fx.
Effect<int> b44_source(int delay, int count) {
  int n = 0;
  while (n < count) {
    co_await task::send(n);
    n++;
    co_await task::sleep(delay);
  }
}

// B45: can listen to none.
std::string b45(Syndicate& syn) {
  std::vector<std::pair<std::string, Effect<int>>> sources;
  return show(inspect(syn, task::listen(std::move(sources))));
}
const char* const b45_expect = "{ok: true, value: undefined, mail: []}";

// B46: can produces no messages on empty tasks.
Effect<int> b46_work() { co_await task::sleep(2); }

// B47: can turn task into effect.
Task<std::string> b47_work() {
  // The reference calls Task.sleep(1) without yield*: it does nothing.
  co_return "hi";
}
std::string b47(Syndicate& syn) { return show(inspect(syn, task::effect(b47_work()))); }
const char* const b47_expect = "{ok: true, value: undefined, mail: [\"hi\"]}";

// B48: can turn multiple tasks into effect.
Task<std::string> b48_fx(const char* msg, int delay) {
  co_await task::sleep(delay);
  co_return msg;
}

// B49: can turn 0 tasks into effect.
std::string b49(Syndicate& syn) {
  std::vector<Task<std::string>> none;
  return show(inspect(syn, task::effects(std::move(none))));
}
const char* const b49_expect = "{ok: true, value: undefined, mail: []}";

// B50: can batch multiple effects.
Effect<std::string> b50_fx(const char* msg, int delay) {
  co_await task::sleep(delay);
  co_await task::send(msg);
}

// B51: can loop.
Effect<int> b51_step(LogRef log, int n) {
  log->add("<< " + std::to_string(n));
  while (--n > 0) {
    log->add(">> " + std::to_string(n));
    co_await task::sleep(n);
    co_await task::send(n);  // { n }
  }
}

// B52: can wait in a loop.
Effect<std::string> b52_start() { co_await task::send("start"); }  // Task.send("start")
Effect<std::string> b52_next(LogRef log, std::string message) {
  log->add("<< " + message);
  const int result = co_await task::wait(0);
  log->add(">> " + std::to_string(result));
}
std::string b52(Syndicate& syn) {
  auto log = make_log();
  auto next = [log](std::string m) { return b52_next(log, std::move(m)); };  // named: see task::loop
  auto main = task::loop(b52_start(), next);
  task::run(syn, task::fork(std::move(main)));  // assert.deepEqual(await Task.fork(main), undefined)
  return "log: " + show(log->lines());
}
const char* const b52_expect = "log: [\"<< start\", \">> 0\"]";

}  // namespace actress_cases

using namespace actress_cases;

// =============================================================================
TEST_SUITE_BEGIN("effect");

TEST_CASE("can listen to several fx") {  // B44
  Syndicate syn("tasks", config());
  std::vector<std::pair<std::string, Effect<int>>> sources;
  sources.emplace_back("beep", b44_source(dt(3), 5));
  sources.emplace_back("bop", b44_source(dt(5), 3));
  sources.emplace_back("buz", b44_source(dt(2), 2));
  auto r = inspect(syn, task::listen(std::move(sources)));
  CHECK(r.ok);
  std::vector<std::string> expect;
  for (int n = 0; n < 5; ++n) expect.push_back("{type: \"beep\", beep: " + std::to_string(n) + "}");
  for (int n = 0; n < 3; ++n) expect.push_back("{type: \"bop\", bop: " + std::to_string(n) + "}");
  for (int n = 0; n < 2; ++n) expect.push_back("{type: \"buz\", buz: " + std::to_string(n) + "}");
  CHECK(sorted(r.mail) != r.mail);               // messages are not ordered by actors
  CHECK(sorted(r.mail) == sorted(expect));       // all messages were received
}
TEST_CASE("can listen to none") {  // B45
  Syndicate syn("tasks", config());
  CHECK(b45(syn) == b45_expect);
}
TEST_CASE("can produces no messages on empty tasks") {  // B46
  Syndicate syn("tasks", config());
  std::vector<std::pair<std::string, Effect<int>>> sources;
  sources.emplace_back("none", b46_work());
  CHECK(show(inspect(syn, task::listen(std::move(sources)))) == "{ok: true, value: undefined, mail: []}");
}
TEST_CASE("can turn task into effect") {  // B47
  Syndicate syn("tasks", config());
  CHECK(b47(syn) == b47_expect);
}
TEST_CASE("can turn multiple tasks into effect") {  // B48
  Syndicate syn("tasks", config());
  std::vector<Task<std::string>> tasks;
  tasks.push_back(b48_fx("foo", dt(5)));
  tasks.push_back(b48_fx("bar", dt(1)));
  tasks.push_back(b48_fx("baz", dt(2)));
  CHECK(show(inspect(syn, task::effects(std::move(tasks)))) ==
        "{ok: true, value: undefined, mail: [\"bar\", \"baz\", \"foo\"]}");
}
TEST_CASE("can turn 0 tasks into effect") {  // B49
  Syndicate syn("tasks", config());
  CHECK(b49(syn) == b49_expect);
}
TEST_CASE("can batch multiple effects") {  // B50
  Syndicate syn("tasks", config());
  std::vector<Effect<std::string>> fxs;
  fxs.push_back(b50_fx("foo", dt(5)));
  fxs.push_back(b50_fx("bar", dt(1)));
  fxs.push_back(b50_fx("baz", dt(2)));
  CHECK(show(inspect(syn, task::batch(std::move(fxs)))) ==
        "{ok: true, value: undefined, mail: [\"bar\", \"baz\", \"foo\"]}");
}
TEST_CASE("can loop") {  // B51
  auto log = make_log();
  Syndicate syn("tasks", config());
  auto next = [log](int n) { return b51_step(log, n); };  // named: see task::loop
  auto main = task::loop(b51_step(log, 4), next);
  task::run(syn, task::fork(std::move(main)));
  const auto output = log->lines();
  CHECK(sorted(output) != output);
  const std::vector<std::string> expected{"<< 4", ">> 3", ">> 2", ">> 1", "<< 3", ">> 2", ">> 1", "<< 2",
                                          ">> 1", "<< 1", "<< 2", ">> 1", "<< 1", "<< 1", "<< 1"};
  CHECK(sorted(output) == sorted(expected));
}
TEST_CASE("can wait in a loop") {  // B52
  Syndicate syn("tasks", config());
  CHECK(b52(syn) == b52_expect);
}

TEST_SUITE_END();
