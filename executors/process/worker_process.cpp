#include "executors/process/worker_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ensemble/errors.hpp>

#include "executors/process/protocol.hpp"

extern char** environ;

namespace ensemble::executors::process {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw ExecutorError("executor failed to start: " + what + ": " + std::strerror(errno));
}

int open_pidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

}  // namespace

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

WorkerProcess::~WorkerProcess() {
  if (running()) kill_and_reap();
}

WorkerProcess::WorkerProcess(WorkerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      channel_(std::move(other.channel_)) {}

WorkerProcess& WorkerProcess::operator=(WorkerProcess&& other) noexcept {
  if (this != &other) {
    if (running()) kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    channel_ = std::move(other.channel_);
  }
  return *this;
}

WorkerProcess WorkerProcess::spawn() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fail("socketpair");
  auto ours = std::make_unique<Channel>(fds[0]);
  // The child's end, above the low descriptors, so that dup2 to 3 is a real
  // duplicate (which clears close-on-exec) and not a no-op that keeps it.
  const int theirs = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
  ::close(fds[1]);
  if (theirs < 0) fail("fcntl");

  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  const std::string variable = std::string(worker_fd_variable) + "=";
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, variable.c_str(), variable.size()) != 0) envp.push_back(*e);
  }
  env_storage.push_back(variable + "3");
  envp.push_back(env_storage.back().data());
  envp.push_back(nullptr);
  char exe[] = "/proc/self/exe";
  char* argv[] = {program_invocation_name != nullptr ? program_invocation_name : exe, nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_adddup2(&actions, theirs, 3);
  // Nothing else of ours: not the other workers' sockets, not the user's
  // descriptors that lack close-on-exec.
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  // Default signal dispositions and an empty mask in the child, whatever
  // the spawning thread had.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&defaults, s);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(theirs);
  if (error != 0) {
    errno = error;
    fail("posix_spawn");
  }
  WorkerProcess w;
  w.pid_ = pid;
  w.pidfd_ = open_pidfd(pid);
  w.channel_ = std::move(ours);
  return w;
}

void WorkerProcess::reaped() noexcept {
  pid_ = -1;
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  channel_.reset();
}

std::optional<int> WorkerProcess::wait_for_exit(std::chrono::milliseconds timeout) noexcept {
  if (!running()) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped();
      return status;
    }
    if (r < 0 && errno != EINTR) {
      // Reaped by someone else (a SIGCHLD handler of the program's): gone.
      reaped();
      return 0;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    } else {
      ::usleep(1000);  // no pidfd (kernel < 5.3): poll the wait status
    }
  }
}

void WorkerProcess::signal(int s) noexcept {
  if (running()) ::kill(pid_, s);  // the pid is ours until we reap it: no reuse race
}

int WorkerProcess::kill_and_reap() noexcept {
  if (!running()) return 0;
  signal(SIGKILL);
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_) {
      reaped();
      return status;
    }
    if (r < 0 && errno != EINTR) {
      reaped();
      return 0;
    }
  }
}

int WorkerProcess::end(std::chrono::milliseconds grace, std::chrono::milliseconds term_grace) noexcept {
  if (auto s = wait_for_exit(grace)) return *s;
  signal(SIGTERM);
  if (auto s = wait_for_exit(term_grace)) return *s;
  return kill_and_reap();
}

}  // namespace ensemble::executors::process
