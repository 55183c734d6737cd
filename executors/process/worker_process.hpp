// Internal: starting, watching and ending one worker process.
//
// Why a fresh exec of this program's binary and not fork(): the parent is
// multi-threaded (pool workers, lanes, timers), and a forked child of it
// inherits every lock some other thread held at that instant (malloc's,
// the registry's, a user's) with no thread left to release it. posix_spawn
// (vfork + exec underneath) creates the child without running any of the
// parent's code in it, and the new image starts from its own static
// initialisers, so every registered actor and codec exists in it. The cost
// is an exec per worker start (docs/executors.md has the figure); a fork
// server forked before the first thread would start workers faster but
// would need the program to start it before anything else, which a library
// cannot guarantee.
//
// The child gets fd 3 (its end of a socketpair), stdin/stdout/stderr, and no
// other descriptor (closefrom in the spawn), so it holds nothing of the
// parent's. Its death is seen at once through a pidfd (poll() readable).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "executors/process/channel.hpp"

namespace ensemble::executors::process {

class WorkerProcess {
 public:
  WorkerProcess() = default;
  ~WorkerProcess();  // kills and reaps a worker still running (no zombie)
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;
  WorkerProcess(WorkerProcess&& other) noexcept;
  WorkerProcess& operator=(WorkerProcess&& other) noexcept;

  // Starts this program's binary as a worker. Throws ExecutorError.
  static WorkerProcess spawn();

  bool running() const noexcept { return pid_ > 0; }
  pid_t pid() const noexcept { return pid_; }
  int pidfd() const noexcept { return pidfd_; }
  Channel& channel() noexcept { return *channel_; }

  // Waits up to `timeout` for the worker to exit and reaps it: its wait
  // status, or nothing if it is still running.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) noexcept;
  // Sends `signal`; harmless if the worker has exited.
  void signal(int signal) noexcept;
  // Kills the worker if needed and reaps it: its wait status.
  int kill_and_reap() noexcept;
  // Polite, then firm: waits `grace` for an exit the caller asked for,
  // then SIGTERM and `term_grace`, then SIGKILL. Always reaps. Returns the
  // wait status.
  int end(std::chrono::milliseconds grace, std::chrono::milliseconds term_grace) noexcept;

 private:
  void reaped() noexcept;  // forgets pid and closes the descriptors

  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::unique_ptr<Channel> channel_;
};

// "killed by signal 9", "exited with status 3".
std::string describe_exit(int wait_status);

}  // namespace ensemble::executors::process
