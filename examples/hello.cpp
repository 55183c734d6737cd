// The README's quick start, built and run by the test suite so the README
// stays true.
#include <ensemble/ensemble.hpp>
#include <iostream>

struct HelloActor : ensemble::Actor {
  void process(ensemble::Message& m) {
    if (m.sender()) tell("Hello " + m.get<std::string>(), m.sender());
  }
};

int main() {
  ensemble::Syndicate syn("hello");
  auto hello = syn.create_actor<HelloActor>();
  syn.tell(hello, "World");
  if (auto reply = syn.receive(std::chrono::seconds(1)))
    std::cout << reply->get<std::string>() << "\n";   // Hello World
}
