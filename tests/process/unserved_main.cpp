// A program whose main() forgets serve_worker_if_spawned(): its worker makes
// a Syndicate first. The worker must exit at once (not run the program a
// second time) and the parent's create_actor_from_spec must say why.
// Exit status 0 when that holds; prints what went wrong otherwise.
#include <cstdio>
#include <string>

#include <ensemble/ensemble.hpp>

namespace {
struct Quiet : ensemble::Actor {
  void process(ensemble::Message&) {}
};
const bool quiet_registered = ensemble::register_actor<Quiet>("tests.unserved.Quiet");
}  // namespace

int main() {
  ensemble::Syndicate syn("unserved");  // in the worker: exits here with a message on stderr
  auto spec = ensemble::ActorSpec::of<Quiet>();
  spec.execution = ensemble::Execution::process;
  spec.stateless = true;
  try {
    syn.create_actor_from_spec(spec);
  } catch (const ensemble::ExecutorError& e) {
    const std::string what = e.what();
    if (what.find("serve_worker_if_spawned") != std::string::npos &&
        what.find("created a Syndicate") != std::string::npos) {
      std::printf("refused as expected: %s\n", e.what());
      return 0;
    }
    std::printf("refused, with the wrong reason: %s\n", e.what());
    return 1;
  }
  std::printf("the actor was created: the worker ran the program instead of refusing\n");
  return 1;
}
