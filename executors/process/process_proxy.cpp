#include "executors/process/process_proxy.hpp"

#include <cerrno>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include <poll.h>
#include <sys/wait.h>

#include <ensemble/codec.hpp>
#include <ensemble/errors.hpp>
#include <ensemble/messages.hpp>

#include "executors/process/protocol.hpp"
#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

namespace detail {
struct ActorTypeAccess {
  static void set(Actor& a, const ActorType* type) noexcept { a.type_ = type; }
};
}  // namespace detail

namespace executors::process {

namespace {

using Clock = std::chrono::steady_clock;

// A waiting ask keeps the pointer it is failed with: one text per distinct
// reason (signals and exit statuses: a bounded set), kept until exit.
const char* intern(const std::string& text) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>>* texts = new std::set<std::string, std::less<>>();
  std::lock_guard lock(mutex);
  return texts->insert(text).first->c_str();
}

std::string read_text(ByteReader& r) {
  const std::uint64_t n = r.varint();
  const auto* p = r.take(n);
  return std::string(reinterpret_cast<const char*>(p), n);
}

}  // namespace

ProcessProxy::ProcessProxy(const RegisteredActor& type) : type_(type), next_handle_(first_sender_handle) {
  detail::ActorTypeAccess::set(*this, &type.stand_in_type);
}

ProcessProxy::~ProcessProxy() = default;  // worker_ kills and reaps a worker still running

runtime::SyndicateCore& ProcessProxy::core() const noexcept { return *self_->core(); }

bool ProcessProxy::dispatch(Actor& self, Message& m, detail::DispatchResult&) {
  static_cast<ProcessProxy&>(self).forward(m);
  return false;
}

void ProcessProxy::pre_start() {
  self_ = static_cast<runtime::ActorCell*>(address().cell());
  parent_address_ = parent();
  // Before anyone else has our address: from now on a payload with no codec
  // is refused where it is told (runtime/actor/delivery.cpp).
  self_->set_flag(detail::flag_process_proxy);
  start_worker();
}

void ProcessProxy::post_stop() {
  if (worker_.running()) {
    worker_.channel().send(frame::stop, {});
    worker_.end(stop_grace, term_grace);
  }
  address_of_.clear();
  handle_of_.clear();
}

ProcessProxy::Read ProcessProxy::read_frame(std::uint8_t& kind, std::span<const std::uint8_t>& body,
                                            Clock::time_point deadline, bool watch_stop) {
  Channel& ch = worker_.channel();
  for (;;) {
    switch (ch.next(kind, body)) {
      case Channel::Next::frame:
        return Read::frame;
      case Channel::Next::malformed:
        return Read::closed;  // a worker that sends nonsense is treated as dead
      case Channel::Next::need_more:
        break;
    }
    pollfd fds[2] = {{ch.fd(), POLLIN, 0}, {worker_.pidfd(), POLLIN, 0}};
    const nfds_t count = worker_.pidfd() >= 0 ? 2 : 1;
    int timeout = -1;
    if (deadline != Clock::time_point::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Read::timed_out;
      timeout = static_cast<int>(left);
    }
    // A stop request raises a flag and nudges the mailbox, which this thread
    // cannot see while it waits here: look at the flag every 20 ms.
    if (watch_stop && (timeout < 0 || timeout > 20)) timeout = 20;
    const int r = ::poll(fds, count, timeout);
    if (r < 0 && errno != EINTR) return Read::closed;
    if (r <= 0) {
      if (watch_stop && self_->has_flag(detail::flag_stop_requested)) return Read::stop_requested;
      continue;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      if (!ch.fill()) return Read::closed;
      continue;
    }
    if (count == 2 && (fds[1].revents & POLLIN) != 0) {
      // The worker is gone; what it wrote before it died is still worth
      // reading (its tells happened). Then the stream ends.
      pollfd p{ch.fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) > 0 && ch.fill()) continue;
      return Read::closed;
    }
  }
}

void ProcessProxy::start_worker() {
  worker_ = WorkerProcess::spawn();
  address_of_.clear();
  handle_of_.clear();
  next_handle_ = first_sender_handle;
  out_.clear();
  ByteWriter w(out_);
  w.varint(protocol_version);
  w.text(type_.entry.name);
  w.varint(parent_address_ ? parent_address_.cell()->id() : 0);
  const std::string hint = " (does its main() call ensemble::serve_worker_if_spawned() first?)";
  if (!worker_.channel().send(frame::hello, out_)) {
    const int status = worker_.kill_and_reap();
    throw ExecutorError("executor failed to start: the worker " + describe_exit(status) + " before it was ready" + hint);
  }
  const auto deadline = Clock::now() + start_timeout;
  for (;;) {
    std::uint8_t kind = 0;
    std::span<const std::uint8_t> body;
    const Read r = read_frame(kind, body, deadline, false);
    if (r == Read::timed_out) {
      worker_.kill_and_reap();
      throw ExecutorError("executor failed to start: the worker was not ready within " +
                          std::to_string(start_timeout.count() / 1000) + " s" + hint);
    }
    if (r != Read::frame) {
      const int status = worker_.kill_and_reap();
      if (WIFEXITED(status) && WEXITSTATUS(status) == not_served_exit_status) {
        throw ExecutorError(
            "executor failed to start: the worker's main() created a Syndicate before it called "
            "ensemble::serve_worker_if_spawned(); call it first thing in main()");
      }
      throw ExecutorError("executor failed to start: the worker " + describe_exit(status) + " before it was ready" +
                          hint);
    }
    if (kind == frame::ready) return;
    if (kind == frame::tell) {
      deliver_tell(body);  // pre_start's tells
      continue;
    }
    if (kind == frame::start_failed) {
      std::string what;
      try {
        ByteReader reader(body);
        what = read_text(reader);
      } catch (const std::exception&) {
        what = "(unreadable)";
      }
      worker_.channel().send(frame::stop, {});
      worker_.end(stop_grace, term_grace);
      throw ExecutorError("executor failed to start: " + what);
    }
    worker_.kill_and_reap();
    throw ExecutorError("executor failed to start: the worker sent an unexpected frame");
  }
}

std::uint64_t ProcessProxy::handle_for(const ActorAddress& sender) {
  const detail::Cell* c = sender.cell();
  if (c == self_) return self_handle;
  if (c == parent_address_.cell()) return parent_handle;
  auto [it, added] = handle_of_.try_emplace(c, next_handle_);
  if (added) {
    address_of_.emplace(next_handle_, sender);
    ++next_handle_;
  }
  return it->second;
}

ActorAddress ProcessProxy::address_of(std::uint64_t handle) const {
  if (handle == self_handle) return ActorAddress(self_);
  if (handle == parent_handle) return parent_address_;
  auto it = address_of_.find(handle);
  return it == address_of_.end() ? ActorAddress() : it->second;
}

void ProcessProxy::forget_handles_from(std::uint64_t first) {
  for (std::uint64_t h = first; h < next_handle_; ++h) {
    auto it = address_of_.find(h);
    if (it == address_of_.end()) continue;  // released by the worker already
    handle_of_.erase(it->second.cell());
    address_of_.erase(it);
  }
}

void ProcessProxy::encode(ByteWriter& w, const ActorAddress& a) {
  if (!a) {
    w.varint(0);
    return;
  }
  w.varint(handle_for(a) + 1);
  w.varint(a.cell()->id());
}

ActorAddress ProcessProxy::decode(ByteReader& r) {
  const std::uint64_t code = r.varint();
  return code == 0 ? ActorAddress() : address_of(code - 1);
}

void ProcessProxy::deliver_tell(std::span<const std::uint8_t> body) {
  std::uint64_t handle = 0;
  std::uint64_t correlation = 0;
  Payload content;
  try {
    ByteReader r(body);
    handle = r.varint();
    correlation = r.varint();
    runtime::AddressCodecScope scope(*this);
    content = decode_payload(r);
  } catch (const std::exception& e) {
    core().delivery().dead_letter(Message(Payload{}, ActorAddress(self_)), address_of(handle),
                                  std::string(reasons::executor_delivery_failed) + ": " + e.what());
    return;
  }
  Message out(std::move(content), ActorAddress(self_));
  if (correlation != 0) out.set_correlation_id(correlation);
  const ActorAddress target = address_of(handle);
  if (!target) {
    core().delivery().dead_letter(std::move(out), target, reasons::not_found);
    return;
  }
  core().delivery().tell(target, std::move(out));
}

std::string ProcessProxy::take_released(std::span<const std::uint8_t> body) {
  ByteReader r(body);
  std::string text = read_text(r);
  const std::uint64_t n = r.varint();
  for (std::uint64_t i = 0; i < n; ++i) {
    auto it = address_of_.find(r.varint());
    if (it == address_of_.end()) continue;
    handle_of_.erase(it->second.cell());
    address_of_.erase(it);
  }
  return text;
}

void ProcessProxy::worker_died(Message& m, const std::string& reason) {
  const char* text = intern(reason);
  runtime::fail_waiting_ask(m, text);
  core().delivery().dead_letter(std::move(m), ActorAddress(self_), reason);
  after_crash(reason);
}

void ProcessProxy::after_crash(const std::string& reason) {
  const auto now = Clock::now();
  crashes_.push_back(now);
  while (!crashes_.empty() && now - crashes_.front() > crash_window) crashes_.pop_front();
  if (crashes_.size() >= crash_limit) {
    core().lifecycle().request_stop(self_,
                                    "executor crash loop: " + std::to_string(crashes_.size()) + " crashes within " +
                                        std::to_string(crash_window.count()) + " s (last: " + reason + ")",
                                    runtime::StopMode::notify_parent);
    return;
  }
  if (parent_address_) {
    Message note(Payload(ExecutorCrashed{ActorAddress(self_), reason, crashes_.size()}), ActorAddress(self_));
    core().delivery().tell(parent_address_, std::move(note));
  }
  try {
    start_worker();
  } catch (const std::exception& e) {
    core().lifecycle().request_stop(self_, std::string("executor failed to restart: ") + e.what(),
                                    runtime::StopMode::notify_parent);
  }
}

bool ProcessProxy::died_while_idle() {
  if (worker_.pidfd() < 0) return false;
  pollfd p{worker_.pidfd(), POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  const int status = worker_.kill_and_reap();
  after_crash("executor crashed: " + describe_exit(status) + " (between messages)");
  return true;
}

void ProcessProxy::forward(Message& m) {
  // A worker that died between messages (killed while idle) is replaced
  // before this message goes to it: the message did nothing wrong.
  if (worker_.running()) died_while_idle();
  if (!worker_.running()) {
    // A restart failed and the stop is under way: what is still queued bounces.
    runtime::fail_waiting_ask(m, reasons::actor_stopped);
    core().delivery().dead_letter(std::move(m), ActorAddress(self_), reasons::actor_stopped);
    return;
  }
  out_.clear();
  // Handles from here on are made for this message (its sender, addresses in
  // its payload). If the worker never reads it, nothing there holds them and
  // nothing would release them: forget_handles_from drops them.
  const std::uint64_t first_new_handle = next_handle_;
  try {
    ByteWriter w(out_);
    const ActorAddress& sender = m.sender();
    w.varint(sender ? handle_for(sender) + 1 : 0);
    w.varint(sender ? sender.cell()->id() : 0);
    w.varint(m.id());
    w.varint(m.correlation_id());
    w.text(m.trace_id());
    // The deadline as steady-clock nanoseconds (0: none): parent and worker
    // share the machine's monotonic clock. Then the headers, if any.
    const auto deadline = m.deadline();
    w.zigzag(deadline ? std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch()).count()
                      : 0);
    const ValueMap& headers = m.headers();
    w.u8(headers.empty() ? 0 : 1);
    if (!headers.empty()) Codec<Value>::encode(w, Value(headers));
    runtime::AddressCodecScope scope(*this);
    encode_payload(m.content(), w);
  } catch (const std::exception& e) {
    // Told before the type lost its codec, or a wake-up: not for the worker.
    forget_handles_from(first_new_handle);
    core().delivery().dead_letter(std::move(m), ActorAddress(self_),
                                  std::string(reasons::executor_delivery_failed) + ": " + e.what());
    return;
  }
  worker_.channel().send(frame::message, out_);  // a dead worker shows in the read below
  auto deadline = Clock::time_point::max();
  bool watch_stop = true;
  for (;;) {
    std::uint8_t kind = 0;
    std::span<const std::uint8_t> body;
    const Read r = read_frame(kind, body, deadline, watch_stop);
    if (r == Read::stop_requested) {
      // Asked to stop while the worker is busy: it has stop_grace to finish.
      watch_stop = false;
      deadline = Clock::now() + stop_grace;
      continue;
    }
    if (r == Read::timed_out) {
      worker_.signal(SIGTERM);
      const std::optional<int> exited = worker_.wait_for_exit(term_grace);
      const int status = exited ? *exited : worker_.kill_and_reap();
      const std::string reason = "executor stopped: the worker did not finish within the stop grace (" +
                                 describe_exit(status) + ")";
      runtime::fail_waiting_ask(m, intern(reason));
      core().delivery().dead_letter(std::move(m), ActorAddress(self_), reason);
      return;
    }
    if (r == Read::closed) {
      const int status = worker_.kill_and_reap();
      worker_died(m, "executor crashed: " + describe_exit(status));
      return;
    }
    switch (kind) {
      case frame::tell:
        deliver_tell(body);
        continue;
      case frame::done: {
        std::string note;
        try {
          note = take_released(body);
        } catch (const std::exception&) {
        }
        if (!note.empty()) {
          core().delivery().dead_letter(Message(Payload{}, ActorAddress(self_)), m.sender(),
                                        std::string(reasons::executor_delivery_failed) + ": " + note);
        }
        return;
      }
      case frame::failed:
      case frame::bad_message: {
        std::string what;
        try {
          what = take_released(body);
        } catch (const std::exception&) {
          what = "(unreadable)";
        }
        if (kind == frame::failed) throw std::runtime_error(what);  // the run loop: "handler failed: <what>"
        // B: the worker could not read the message, so its actor never held
        // what the message named (what it made while reading, it released).
        forget_handles_from(first_new_handle);
        runtime::fail_waiting_ask(m, reasons::executor_delivery_failed);
        core().delivery().dead_letter(std::move(m), ActorAddress(self_),
                                      std::string(reasons::executor_delivery_failed) + ": " + what);
        return;
      }
      default: {
        const int status = worker_.kill_and_reap();
        worker_died(m, "executor crashed: it sent an unexpected frame (" + describe_exit(status) + ")");
        return;
      }
    }
  }
}

}  // namespace executors::process
}  // namespace ensemble
