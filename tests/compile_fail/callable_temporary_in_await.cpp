// Must NOT compile with g++ 12 (tests/meson.build checks the message): a
// capturing lambda, or a message built with braces, written inside a
// co_await is destroyed twice there.
#include <ensemble/ensemble.hpp>

#include <memory>
#include <string>

namespace task = ensemble::task;

ensemble::Task<int, std::string> chatter();
ensemble::Task<int> quiet();
task::Effect<int> step(int n);

#if VARIANT == 1
ensemble::Task<int> natural(std::shared_ptr<int> shared) {
  co_return co_await task::capture(chatter(), [shared](std::string) { ++*shared; });
}
#elif VARIANT == 2
ensemble::Task<> natural(std::shared_ptr<int> shared) {
  co_await task::loop(step(3), [shared](int n) { return step(n + *shared); });
}
#elif VARIANT == 3
ensemble::Task<int> natural(std::shared_ptr<int> shared) {
  co_return co_await task::then(
      quiet(), [shared](int v) { return v + *shared; }, [](std::exception_ptr) { return 0; });
}
#elif VARIANT == 4
struct Note {
  std::string text;
};
ensemble::Task<void, Note> natural(std::shared_ptr<int>) {
  co_await task::send(Note{"a message built inside the co_await"});
}
#elif VARIANT == 5
struct Note {
  std::string text;
};
struct Asker : ensemble::Actor {
  ensemble::ActorAddress peer;
  ensemble::Task<> process(ensemble::Message&) {
    (void)co_await ask(Note{"a request built inside the co_await"}, peer);
  }
};
#elif VARIANT == 6
struct Note {
  std::string text;
};
ensemble::Task<> natural(std::shared_ptr<int>) {
  (void)co_await task::wait(Note{"a value built inside the co_await"});
}
#else
// The control: the named forms compile (so a failure above is the guard's).
struct Note {
  std::string text;
};
ensemble::Task<int> natural(std::shared_ptr<int> shared) {
  auto collect = [shared](std::string) { ++*shared; };
  co_return co_await task::capture(chatter(), collect);
}
ensemble::Task<void, Note> sends(std::shared_ptr<int>) {
  Note n{"built first"};
  co_await task::send(n);
  co_await task::send(std::string("a class with a constructor is safe"));
  (void)co_await task::wait(n);
}
struct Asker : ensemble::Actor {
  ensemble::ActorAddress peer;
  ensemble::Task<> process(ensemble::Message&) {
    Note n{"built first"};
    (void)co_await ask(n, peer);
    (void)co_await ask(std::string("a class with a constructor is safe"), peer);
    (void)co_await ask(42, peer);
  }
};
#endif
