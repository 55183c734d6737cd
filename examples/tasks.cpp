// The README's task example, built and run by the test suite so the README
// stays true.
#include <ensemble/ensemble.hpp>
#include <iostream>

namespace task = ensemble::task;

ensemble::Task<int> work(int n) { co_await task::sleep(5); co_return n * 2; }
ensemble::Task<int> both() {
  auto a = co_await task::fork(work(1));          // runs once we give up control
  auto b = co_await task::fork(work(2), {.parallel = true});   // on a strand of its own
  co_return co_await a.join() + co_await b.join();
}

int main() {
  ensemble::Syndicate syn("tasks");
  int six = task::run(syn, both());                 // blocks; rethrows the task's error
  std::cout << six << "\n";
}
