// Construction, shutdown, inboxes and status of a syndicate.
#include "runtime/core/syndicate_core.hpp"

#include "runtime/sched/topology.hpp"

#include <sched.h>

#include <cstdio>
#include <random>

#include <ensemble/errors.hpp>

namespace ensemble::runtime {

namespace {

std::size_t available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

std::size_t worker_count(const SyndicateConfig& c) {
  if (c.workers > 1024) {
    throw UnsupportedBackendError("SyndicateConfig::workers = " + std::to_string(c.workers) +
                                  " is more than 1024");
  }
  return c.workers == 0 ? available_cores() : c.workers;
}

SyndicateConfig validated(SyndicateConfig c) {
  if (c.messages_per_activation == 0) {
    throw UnsupportedBackendError("SyndicateConfig::messages_per_activation must be at least 1");
  }
  switch (c.backend) {
    case Backend::inprocess:
    case Backend::threaded:
    case Backend::process:
      break;
    default:
      throw UnsupportedBackendError("SyndicateConfig::backend = " + std::to_string(static_cast<int>(c.backend)) +
                                    " is not a backend (inprocess, threaded, process)");
  }
  if (c.pin_workers && Topology::machine().processing_units() == 0) {
    throw UnsupportedBackendError("SyndicateConfig::pin_workers: hwloc found no processing units to pin to");
  }
  return c;
}

}  // namespace

SyndicateCore::SyndicateCore(std::string name, SyndicateConfig config)
    : name_(std::move(name)),
      id_(name_.empty() ? SyndicateId::random() : SyndicateId::from_name(name_)),
      id_text_(id_.uuid().substr(0, 8)),
      incarnation_((std::uint64_t{std::random_device{}()} << 32) | std::random_device{}()),
      config_(validated(config)),
      started_at_(Clock::now()),
      run_loop_(*this, config_.messages_per_activation),
      executors_(worker_count(config_), run_loop_.runner(), config_.pin_workers),
      delivery_(*this, executors_, run_loop_, config_.dead_letters_kept) {
  system_inbox_ = new Inbox(this, next_cell_id());
  system_inbox_address_ = ActorAddress(system_inbox_, ActorAddress::Adopt{});
  executors_.start();
}

SyndicateCore::~SyndicateCore() {
  shutdown();
  // shutdown() returned with the run done; join the thread a handler may
  // have started for it.
  shutdown_gate_.join_runner();
}

// Who runs the shutdown, and who waits: runtime/core/shutdown_gate.hpp.
void SyndicateCore::shutdown() {
  delivery_.mark_shut_down();
  const bool from_actor = on_executor_thread() || current_actor() != nullptr;
  shutdown_gate_.enter(from_actor, [this] { run_shutdown(); });
}

void SyndicateCore::run_shutdown() {
  // Newest first; repeat in case an actor was being created concurrently
  // (start_actor sees the flag and stops it, but it may still be listed).
  for (auto actors = registry_.newest_first(); !actors.empty(); actors = registry_.newest_first()) {
    for (const ActorAddress& a : actors) lifecycle_.stop_and_wait(a);
  }
  // io/ and remote/: watches are gone with their actors; loops and
  // connections close (remote flushes what is queued) before the executors stop.
  services_.shutdown();
  timers_.stop();  // pending wake-ups and ask time-outs are dropped
  // From here on, schedule() runs an actor on the caller (run_or_bounce).
  for (ActorCell* a : executors_.stop_pool()) run_loop_.run_here(a);
  // Then the other executors. Their actors were stopped above; what is left
  // queued is late mail to bounce, which run_here does on this thread.
  for (ActorCell* a : executors_.stop_others()) run_loop_.run_here(a);
  system_inbox_->close();
  inboxes_.close_all();
  shutdown_gate_.finish();
}

ActorAddress SyndicateCore::new_inbox() {
  ActorAddress address(new Inbox(this, next_cell_id()), ActorAddress::Adopt{});
  inboxes_.add(address);
  return address;
}

void SyndicateCore::close_inbox(const ActorAddress& address) {
  inboxes_.close(address);
}

std::optional<Message> SyndicateCore::receive(Inbox& inbox, std::chrono::nanoseconds timeout) {
  if (timeout != std::chrono::nanoseconds::zero() && on_pool_thread()) {
    throw SyndicateError(
        "receive() would block a worker thread; inside an actor, handle messages in process()");
  }
  return inbox.receive(timeout);
}

std::uint8_t SyndicateCore::add_executor(std::unique_ptr<Executor> executor) {
  std::uint8_t index = 0;
  const ExecutorTable::AddResult result =
      is_shut_down() ? ExecutorTable::AddResult::closed : executors_.add(std::move(executor), index);
  return added_or_throw(result, index);  // after add wrote the index
}

std::uint8_t SyndicateCore::added_or_throw(ExecutorTable::AddResult result, std::uint8_t index) const {
  switch (result) {
    case ExecutorTable::AddResult::added:
      return index;
    case ExecutorTable::AddResult::closed:
      throw SyndicateError("syndicate '" + name_ + "' is shut down");
    case ExecutorTable::AddResult::full:
      break;
  }
  throw SyndicateError("syndicate '" + name_ + "' has no room for another executor (" +
                       std::to_string(ExecutorTable::max_others) + " at most)");
}

// An actor's uuid: a version-4-shaped uuid whose first 64 bits (less the
// version nibble) are this incarnation's random salt and whose last 62 bits
// are the actor's number (below the two bits of the RFC 4122 variant):
//   ssssssss-ssss-4sss-Vnnn-nnnnnnnnnnnn   (s: salt, V: 8 to b, n: number)
// Numbers are counters, so 2^62 is never reached. Text is made
// only when asked for, so an idle actor stores none; reading it back needs
// no table.
std::string SyndicateCore::actor_uuid(std::uint64_t number) const {
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(incarnation_ >> (56 - 8 * i));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<unsigned char>(number >> (56 - 8 * i));
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));
  return uuid_text(b);
}

std::uint64_t SyndicateCore::actor_number_of(std::string_view uuid) const noexcept {
  if (uuid.size() != 36) return 0;
  const std::string mine = actor_uuid(0);
  if (uuid.compare(0, 19, mine, 0, 19) != 0) return 0;  // another incarnation or syndicate
  std::uint64_t n = 0;
  for (std::size_t i = 19; i < 36; ++i) {
    const char c = uuid[i];
    if (i == 19) {
      if (c < '8' || c > 'b') return 0;
      n = static_cast<std::uint64_t>(c <= '9' ? c - '8' : c - 'a' + 2);
      continue;
    }
    if (c == '-') {
      if (i != 23) return 0;
      continue;
    }
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return 0;
    n = (n << 4) | static_cast<std::uint64_t>(d);
  }
  return n;
}

SystemStatus SyndicateCore::status() const {
  SystemStatus s;
  s.name = name_;
  s.backend = backend_type_name(config_.backend);
  s.uptime = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_at_);
  s.workers = executors_.pool().thread_count();
  s.actor_count = registry_.size();
  s.dead_letter_count = delivery_.dead_letters().count();
  s.pending_wakeups = wakeups_.pending();
  s.shutting_down = is_shut_down();
  return s;
}

}  // namespace ensemble::runtime
