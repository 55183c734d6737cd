// One program, built and run three ways by tools/check-consumers: against the
// installed ensemble.pc (pkgconfig/), through find_package(ensemble) (cmake/),
// and with ensemble as a meson subproject (subproject/). It checks real
// behaviour (an actor answers an ask; a task tree forks, sleeps and joins on
// the workers), prints one line, and exits non-zero when anything is off.
#include <ensemble/ensemble.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

namespace task = ensemble::task;

// Returning a value replies to the asker (spark's auto-reply).
struct Shout : ensemble::Actor {
  std::string process(ensemble::Message& m) {
    std::string s = m.get<std::string>();
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return "shout:" + s + "!";
  }
};

ensemble::Task<int> twice(int n) {
  co_await task::sleep(std::chrono::milliseconds(1));
  co_return 2 * n;
}
ensemble::Task<int> sum() {
  auto a = co_await task::fork(twice(1));
  auto b = co_await task::fork(twice(20), {.parallel = true});
  co_return co_await a.join() + co_await b.join();
}

int main() {
  try {
    ensemble::Syndicate syn("consumer");
    ensemble::ActorAddress shout = syn.create_actor<Shout>();

    ensemble::Payload reply = syn.ask(shout, std::string("x"), std::chrono::seconds(5)).get();
    const std::string expected = "shout:X!";
    const std::string* got = reply.get_if<std::string>();
    if (got == nullptr || *got != expected) {
      std::fprintf(stderr, "consumer app: ask replied %s, expected \"%s\"\n",
                   got ? ("\"" + *got + "\"").c_str() : "a non-string", expected.c_str());
      return 1;
    }

    const int total = task::run(syn, sum());
    if (total != 42) {
      std::fprintf(stderr, "consumer app: the task tree returned %d, expected 42\n", total);
      return 1;
    }

    syn.shutdown();
    std::printf("consumer app: ask -> \"%s\", tasks -> %d\n", got->c_str(), total);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer app: %s\n", e.what());
    return 1;
  }
}
