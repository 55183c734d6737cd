// ensemble/task/run.hpp: running task trees from plain code.
//
//     ensemble::Syndicate syn("app");
//     int v = ensemble::task::run(syn, compute(21));   // blocks; rethrows the task's error
//     ensemble::task::spawn(syn, background());        // fire and forget
//
// Each call starts a tree on a strand of its own (a small internal actor of
// the syndicate, which stops when the tree has finished), so separate trees
// run in parallel on the workers. run() must not be called on a worker thread
// (inside a task, co_await the task instead); if the syndicate shuts down
// first, the task is aborted and run() throws ActorStopped.
#pragma once

#include <ensemble/task.hpp>

namespace ensemble {

class Syndicate;


namespace task {

template <class T, class M>
T run(Syndicate& syn, Task<T, M> t) {
  detail::NodeRef n = detail::make_node(std::move(t), {}, false, false);
  detail::run_tree(syn, *n, true);
  return detail::result_of<T>(*n, /*take=*/true);
}

// Starts a fork that has not started yet on a tree of its own and waits for
// it (the reference's `await fork`).
template <class T, class M>
T run(Syndicate& syn, const Fork<T, M>& f) {
  detail::run_tree(syn, *f.node(), true);
  return detail::result_of<T>(*f.node());
}

template <class T, class M>
void spawn(Syndicate& syn, Task<T, M> t) {
  detail::NodeRef n = detail::make_node(std::move(t), {}, false, true);
  detail::run_tree(syn, *n, false);
}

}  // namespace task
}  // namespace ensemble
