// The task operations that take a callable (capture, loop, then), written as
// users write them: inside a co_await, with lambdas that capture shared
// state. g++ 12 destroys a capturing lambda temporary in a co_await operand
// twice, so on g++ 12 the temporary form does not compile
// (tests/compile_fail/) and the named form below is the one to use; on other
// compilers the temporary form is tested here too.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <ensemble/ensemble.hpp>

using ensemble::Syndicate;
using ensemble::SyndicateConfig;
using ensemble::Task;
namespace task = ensemble::task;

namespace {

using Mail = std::shared_ptr<std::vector<std::string>>;

Task<int, std::string> chatter() {
  co_await task::send(std::string("first message, long enough to live on the heap"));
  co_await task::sleep(1);
  co_await task::send(std::string("second"));
  co_return 7;
}

// capture, with the handler named and the capture inside the co_await.
Task<int> capture_named(Mail mail) {
  auto collect = [mail](std::string m) { mail->push_back(std::move(m)); };
  int first = co_await task::capture(chatter(), collect);
  int second = co_await task::capture(chatter(), collect);
  co_return first + second;
}

// A loop that counts down from n: each member sends n - 1 until 0.
task::Effect<int> step(Mail mail, int n) {
  mail->push_back(std::to_string(n));
  if (n > 0) co_await task::send(n - 1);
}
Task<int> loop_named(Mail mail) {
  auto next = [mail](int n) { return step(mail, n); };
  co_await task::loop(step(mail, 3), next);
  co_return static_cast<int>(mail->size());
}

Task<int> quiet() {
  co_await task::sleep(1);
  co_return 7;
}
Task<int> fails() {
  co_await task::sleep(1);
  throw std::runtime_error("boom");
}
Task<std::string> then_named(Mail mail) {
  auto ok = [mail](int v) { return "ok " + std::to_string(v) + " " + std::to_string(mail->size()); };
  auto err = [mail](std::exception_ptr) { return "failed " + std::to_string(mail->size()); };
  std::string a = co_await task::then(quiet(), ok, err);
  std::string b = co_await task::then(fails(), ok, err);
  co_return a + ", " + b;
}

#if !ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES
Task<int> capture_temporary(Mail mail) {
  int first = co_await task::capture(chatter(), [mail](std::string m) { mail->push_back(std::move(m)); });
  co_return first;
}
#endif

}  // namespace

TEST_CASE("task::capture with a named capturing lambda, awaited in place") {
  Syndicate syn("capture-named", SyndicateConfig{.workers = 2});
  auto mail = std::make_shared<std::vector<std::string>>();
  CHECK(task::run(syn, capture_named(mail)) == 14);
  CHECK(*mail == std::vector<std::string>{"first message, long enough to live on the heap", "second",
                                          "first message, long enough to live on the heap", "second"});
  // Every copy of the lambda, and so of `mail`, is gone, each exactly once.
  CHECK(mail.use_count() == 1);
}

TEST_CASE("task::loop with a named capturing lambda, awaited in place") {
  Syndicate syn("loop-named", SyndicateConfig{.workers = 2});
  auto mail = std::make_shared<std::vector<std::string>>();
  CHECK(task::run(syn, loop_named(mail)) == 4);
  CHECK(*mail == std::vector<std::string>{"3", "2", "1", "0"});
  CHECK(mail.use_count() == 1);
}

TEST_CASE("task::then with named capturing lambdas, awaited in place") {
  Syndicate syn("then-named", SyndicateConfig{.workers = 2});
  auto mail = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"x"});
  CHECK(task::run(syn, then_named(mail)) == "ok 7 1, failed 1");
  CHECK(mail.use_count() == 1);
}

#if !ENSEMBLE_GCC_BREAKS_AWAIT_TEMPORARIES
TEST_CASE("task::capture with a capturing lambda written inside the co_await") {
  Syndicate syn("capture-temporary", SyndicateConfig{.workers = 2});
  auto mail = std::make_shared<std::vector<std::string>>();
  CHECK(task::run(syn, capture_temporary(mail)) == 7);
  CHECK(mail->size() == 2);
  CHECK(mail.use_count() == 1);
}
#endif

namespace {
struct Note {  // an aggregate with a destructor: the g++ 12 trap
  std::string text;
  std::shared_ptr<int> tag;
};
struct Memo {  // the same with a constructor: safe in any form
  Memo(std::string t, std::shared_ptr<int> g) : text(std::move(t)), tag(std::move(g)) {}
  std::string text;
  std::shared_ptr<int> tag;
};
task::Effect<Note> notes(std::shared_ptr<int> tag) {
  Note n{std::string(50, 'n'), tag};
  co_await task::send(n);  // named: copied (an rvalue aggregate, moved or not, is refused on g++ 12)
  n.text.resize(20);
  co_await task::send(n);
}
task::Effect<Memo> memos(std::shared_ptr<int> tag) {
  co_await task::send(Memo{std::string(50, 'm'), tag});  // built in place: safe with a constructor
  Memo m{std::string(30, 'm'), tag};
  co_await task::send(std::move(m));
}
template <class M>
Task<int> count_text(task::Effect<M> fx) {
  auto seen = std::make_shared<int>(0);
  auto collect = [seen](M m) { *seen += static_cast<int>(m.text.size()); };
  co_await task::capture(std::move(fx), collect);
  co_return *seen;
}
}  // namespace

TEST_CASE("task::send of a struct message in the forms g++ 12 allows") {
  Syndicate syn("send-structs", SyndicateConfig{.workers = 2});
  auto tag = std::make_shared<int>(0);
  CHECK(task::run(syn, count_text(notes(tag))) == 50 + 20);
  CHECK(task::run(syn, count_text(memos(tag))) == 50 + 30);
  CHECK(tag.use_count() == 1);  // every message copy released exactly once
}
