// The worker side of a process-mode actor: serve_worker_if_spawned().
//
// The worker runs a small Syndicate of its own (one pool thread, idle) so
// that the actor's helpers work unchanged: Actor::tell goes through the
// runtime's routing step, where every address the actor can hold is either
// its own cell (flag_in_worker: the tell goes back to the stand-in's mailbox
// in the parent, as a tell to itself) or a HandleCell, a remote cell that
// names one of the parent's addresses by handle (protocol.hpp). Both leave
// through WorkerLink, the worker's remote router, as T frames.
//
// The main thread reads the parent's frames and calls the actor's handler
// itself, one message at a time (the actor's cell never runs on the pool),
// so it knows exactly when a message is done and says so (D, F or B).
#include <ensemble/ensemble.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <ensemble/codec.hpp>

#include "executors/process/channel.hpp"
#include "executors/process/protocol.hpp"
#include "executors/process/registry.hpp"
#include "runtime/actor/actor_cell.hpp"
#include "runtime/actor/routing.hpp"
#include "runtime/base/address_codec.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "runtime/sched/executor.hpp"

namespace ensemble {

namespace executors::process {
namespace {

std::atomic<bool> in_worker_role{false};

// One of the parent's addresses, as the worker's actor holds it.
class HandleCell final : public runtime::RemoteCell {
 public:
  HandleCell(runtime::SyndicateCore* core, std::uint64_t actor_id, std::uint64_t handle) noexcept
      : RemoteCell(core, actor_id), handle_(handle) {}
  std::uint64_t handle() const noexcept { return handle_; }
  // acquire: a count of 1 seen here means every other holder has released
  // (their release was acq_rel), so nobody can copy it any more.
  std::uint32_t references() const noexcept { return refs_.load(std::memory_order_acquire); }

 private:
  std::uint64_t handle_;
};

// CodecError's text when an address made in the worker would cross; the
// tell then fails with it (after "executor delivery failed: ").
constexpr char worker_address_reason[] =
    "executor delivery failed: an address made in a worker process cannot cross to its parent";
constexpr const char* worker_address_refusal = worker_address_reason + sizeof("executor delivery failed: ") - 1;

// Addresses in the worker: each of the parent's addresses the actor holds
// is a HandleCell, one per handle (the parent's table, protocol.hpp), made
// when a message first names it (as its sender or inside its payload). The
// actor's own cell and the parent's are fixed handles. Also the codec of
// addresses inside payloads (Codec<ActorAddress>): the parent writes a
// handle and the actor's number, the worker writes back a handle.
class WorkerAddresses final : public runtime::AddressCodec {
 public:
  explicit WorkerAddresses(runtime::SyndicateCore& core) noexcept : core_(core) {}
  void set(ActorAddress self, ActorAddress parent) {
    self_ = std::move(self);
    parent_ = std::move(parent);
  }
  void clear() {
    known_.clear();
    self_ = ActorAddress();
    parent_ = ActorAddress();
  }
  // [main thread] the address the parent wrote as `code` (handle + 1; 0:
  // none) for its actor numbered `actor_id`.
  ActorAddress known(std::uint64_t code, std::uint64_t actor_id) {
    if (code == 0) return {};
    if (code == self_handle + 1) return self_;
    if (code == parent_handle + 1) return parent_;
    ActorAddress& a = known_[code - 1];
    if (!a) a = ActorAddress(new HandleCell(&core_, actor_id, code - 1), ActorAddress::Adopt{});
    return a;
  }
  // [main thread] the handles nobody but this table holds any more.
  std::unordered_map<std::uint64_t, ActorAddress>& table() noexcept { return known_; }

  // [main thread]
  ActorAddress decode(ByteReader& r) override {
    const std::uint64_t code = r.varint();
    return known(code, code == 0 ? 0 : r.varint());
  }
  // [any thread the actor tells from] reads only the cell it is given.
  void encode(ByteWriter& w, const ActorAddress& a) override {
    const detail::Cell* c = a.cell();
    if (c == nullptr) {
      w.varint(0);
    } else if (c->core() == &core_ && c->kind() == detail::CellKind::remote) {
      w.varint(static_cast<const HandleCell*>(c)->handle() + 1);  // the worker's only remote cells
    } else if (c->core() == &core_ && c->kind() == detail::CellKind::actor &&
               static_cast<const runtime::ActorCell*>(c)->has_flag(detail::flag_in_worker)) {
      w.varint(self_handle + 1);  // the actor itself: its stand-in in the parent
    } else {
      throw CodecError(worker_address_refusal);
    }
  }

 private:
  runtime::SyndicateCore& core_;
  ActorAddress self_;
  ActorAddress parent_;
  std::unordered_map<std::uint64_t, ActorAddress> known_;  // [main thread] by handle
};

// The worker's way out: every tell the actor makes, as a T frame.
class WorkerLink final : public runtime::RemoteRouter {
 public:
  explicit WorkerLink(Channel& channel) : channel_(channel) {}
  // Before the actor starts (its first tell may come from pre_start).
  void set_addresses(WorkerAddresses* a) noexcept { addresses_ = a; }

  DeliveryResult route(runtime::RemoteCell& to, Message& m) noexcept override {
    return send_tell(static_cast<HandleCell&>(to).handle(), m);
  }
  DeliveryResult route_to_stand_in(runtime::ActorCell&, Message& m) noexcept override {
    return send_tell(self_handle, m);
  }

  // Queues T{handle, correlation, payload}; flushed now unless `hold`.
  DeliveryResult send_tell(std::uint64_t handle, const Message& m, bool hold = false,
                           std::uint64_t correlation = 0) noexcept {
    try {
      std::lock_guard lock(mutex_);
      body_.clear();
      ByteWriter w(body_);
      w.varint(handle);
      // A correlation id only where one was set (the default is the
      // message's own id, which means nothing in the parent).
      if (correlation == 0 && m.correlation_id() != m.id()) correlation = m.correlation_id();
      w.varint(correlation);
      {
        std::optional<runtime::AddressCodecScope> scope;
        if (addresses_ != nullptr) scope.emplace(*addresses_);
        encode_payload(m.content(), w);
      }
      channel_.append(frame::tell, body_);
      if (!hold && !channel_.flush()) return {false, "executor delivery failed: the parent process is gone"};
      return {};
    } catch (const CodecError& e) {
      if (std::strcmp(e.what(), worker_address_refusal) == 0) return {false, worker_address_reason};
      if (payload_has_codec(m.content())) return {false, "executor delivery failed: the payload could not be encoded"};
      return {false, no_codec_reason(m.content())};
    } catch (...) {
      return {false, "executor delivery failed: the payload could not be encoded"};
    }
  }

  // Queues a frame and sends everything queued.
  bool send(std::uint8_t kind, std::span<const std::uint8_t> body) {
    std::lock_guard lock(mutex_);
    channel_.append(kind, body);
    return channel_.flush();
  }

 private:
  std::mutex mutex_;
  Channel& channel_;
  WorkerAddresses* addresses_ = nullptr;  // set before any tell
  std::vector<std::uint8_t> body_;  // [mutex_]
};

// Hosts the worker's actor: it never runs it (the main thread calls the
// handler); adopt() marks the cell and gives it the parent's address.
class WorkerHost final : public runtime::Executor {
 public:
  static constexpr const char* key = "worker-host";
  void start() override {}
  std::vector<runtime::ActorCell*> stop() override { return {}; }
  // Only the final stop schedules the cell: the caller runs it right there.
  bool schedule(runtime::ActorCell*) noexcept override { return false; }
  bool on_own_thread() const noexcept override { return false; }
  // parent_ is set to the parent's HandleCell for Actor::parent(); serve()
  // clears it before the stop, whose registry step expects an actor there.
  void adopt(runtime::ActorCell& a, const void* placement) override {
    a.set_flag(detail::flag_in_worker);
    a.parent_ = *static_cast<const ActorAddress*>(placement);
  }
  std::size_t thread_count() const noexcept override { return 0; }
  const char* name() const noexcept override { return "worker-host"; }
};

std::string read_text(ByteReader& r) {
  const std::uint64_t n = r.varint();
  const auto* p = r.take(n);
  return std::string(reinterpret_cast<const char*>(p), n);
}

// Blocks for the next frame; false at end of stream (or nonsense).
bool next_frame(Channel& ch, std::uint8_t& kind, std::span<const std::uint8_t>& body) {
  for (;;) {
    switch (ch.next(kind, body)) {
      case Channel::Next::frame:
        return true;
      case Channel::Next::malformed:
        return false;
      case Channel::Next::need_more:
        if (!ch.fill()) return false;
    }
  }
}

void append_released(ByteWriter& w, std::unordered_map<std::uint64_t, ActorAddress>& senders) {
  std::vector<std::uint64_t> gone;
  for (auto& [handle, address] : senders) {
    if (static_cast<const HandleCell*>(address.cell())->references() == 1) gone.push_back(handle);
  }
  w.varint(gone.size());
  for (std::uint64_t h : gone) {
    w.varint(h);
    senders.erase(h);
  }
}

int serve(int fd) {
  Channel channel(fd);
  WorkerLink link(channel);
  std::uint8_t kind = 0;
  std::span<const std::uint8_t> body;
  if (!next_frame(channel, kind, body) || kind != frame::hello) return 0;
  std::string name;
  std::uint64_t parent_id = 0;
  std::vector<std::uint8_t> out;
  auto refuse = [&](const std::string& what) {
    out.clear();
    ByteWriter w(out);
    w.text(what);
    link.send(frame::start_failed, out);
    return 0;
  };
  try {
    ByteReader r(body);
    const std::uint64_t version = r.varint();
    if (version != protocol_version) {
      return refuse("the worker speaks protocol " + std::to_string(protocol_version) + ", the parent " +
                    std::to_string(version) + " (a different build of the program?)");
    }
    name = read_text(r);
    parent_id = r.varint();
  } catch (const std::exception& e) {
    return refuse(std::string("an unreadable hello: ") + e.what());
  }
  const RegisteredActor* type = find_registered(name);
  if (type == nullptr) return refuse("no actor type is registered as '" + name + "' in the worker");

  SyndicateConfig config;
  config.workers = 1;
  Syndicate syn("worker " + name, config);
  runtime::SyndicateCore& core = runtime::CoreAccess::of(syn);
  core.delivery().set_remote_router(&link);
  WorkerAddresses addresses(core);
  link.set_addresses(&addresses);
  ActorAddress parent;
  if (parent_id != 0) parent = ActorAddress(new HandleCell(&core, parent_id, parent_handle), ActorAddress::Adopt{});
  ActorAddress self;
  try {
    const std::uint8_t host = core.shared_executor(WorkerHost::key, [] { return std::make_unique<WorkerHost>(); });
    std::unique_ptr<Actor> object = type->entry.make();
    self = core.lifecycle().start_actor(detail::ActorStorage{object.release(), false, 0}, nullptr, host, &parent);
  } catch (const std::exception& e) {
    refuse(std::string("making ") + name + " failed: " + e.what());
    syn.shutdown();
    core.delivery().set_remote_router(nullptr);
    return 0;
  }
  auto* cell = static_cast<runtime::ActorCell*>(self.cell());
  addresses.set(self, parent);
  link.send(frame::ready, {});

  while (next_frame(channel, kind, body) && kind == frame::message) {
    out.clear();
    ByteWriter w(out);
    std::uint8_t answer = frame::done;
    {
      Message m;
      std::string note;
      try {
        ByteReader r(body);
        const std::uint64_t sender_code = r.varint();
        const std::uint64_t sender_id = r.varint();
        const std::uint64_t id = r.varint();
        const std::uint64_t correlation = r.varint();
        std::string trace = read_text(r);
        const std::int64_t deadline_ns = r.zigzag();
        std::optional<ValueMap> headers;
        if (r.u8() != 0) {
          Value h = Codec<Value>::decode(r);
          ValueMap* map = h.get_if<ValueMap>();
          if (map == nullptr) r.fail("message headers that are not a map");
          headers = std::move(*map);
        }
        Payload content;
        {
          runtime::AddressCodecScope scope(addresses);
          content = decode_payload(r);
        }
        m = Message(std::move(content), addresses.known(sender_code, sender_id), id);
        if (correlation != id) m.set_correlation_id(correlation);
        if (!trace.empty()) m.set_trace_id(std::move(trace));
        if (deadline_ns != 0) m.set_deadline(Clock::time_point(std::chrono::nanoseconds(deadline_ns)));
        if (headers) m.set_headers(std::move(*headers));
      } catch (const std::exception& e) {
        answer = frame::bad_message;
        note = e.what();
      }
      if (answer == frame::done) {
        detail::DispatchResult result;
        try {
          if (type->entry.actor_type->dispatch(*cell->object(), m, result) && result.reply.has_value() &&
              m.sender()) {
            const detail::Cell* to = m.sender().cell();
            const std::uint64_t handle =
                to == cell ? self_handle : static_cast<const HandleCell*>(to)->handle();
            Message reply(std::move(result.reply));
            DeliveryResult sent = link.send_tell(handle, reply, /*hold=*/true, m.id());
            if (!sent.success) note = std::string(sent.reason);
          }
        } catch (const std::exception& e) {
          answer = frame::failed;
          note = e.what();
        } catch (...) {
          answer = frame::failed;
          note = "unknown exception";
        }
      }
      w.text(note);
    }  // the message, and the sender it holds, go here: before the count
    append_released(w, addresses.table());
    if (!link.send(answer, out)) break;
  }
  // Stopped (S), or the parent went away: post_stop runs here, in the worker.
  // parent_ names a HandleCell, not an actor of this syndicate: the
  // registry's stop step would take it for one. Nobody else runs this cell.
  cell->parent_ = ActorAddress();
  core.lifecycle().request_stop(cell, "worker stopped", runtime::StopMode::silent);
  addresses.clear();
  self = ActorAddress();
  syn.shutdown();
  parent = ActorAddress();
  core.delivery().set_remote_router(nullptr);
  return 0;
}

// Ends the worker at once if the parent goes away while a handler runs (the
// main thread would only notice at its next read).
void watch_parent(int fd) {
  std::thread([fd] {
    pollfd p{fd, POLLRDHUP, 0};
    for (;;) {
      const int r = ::poll(&p, 1, -1);
      if (r < 0 && errno == EINTR) continue;
      if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) ::_exit(0);
      if (r < 0) return;
    }
  }).detach();
}

}  // namespace
}  // namespace executors::process

bool is_worker_process() noexcept {
  // relaxed: set once, on main()'s thread, before any other thread exists.
  return executors::process::in_worker_role.load(std::memory_order_relaxed);
}

void serve_worker_if_spawned() {
  using namespace executors::process;
  const char* value = std::getenv(worker_fd_variable);
  if (value == nullptr) return;
  char* end = nullptr;
  const long fd = std::strtol(value, &end, 10);
  // Gone before anything can start a process of its own (or a Syndicate,
  // which refuses to run while it is set).
  ::unsetenv(worker_fd_variable);
  if (end == value || *end != '\0' || fd < 0 || ::fcntl(static_cast<int>(fd), F_GETFD) < 0) {
    std::fprintf(stderr, "ensemble: %s does not name an open descriptor; not serving as a worker\n", worker_fd_variable);
    std::_Exit(2);
  }
  // The program's own children (system(), a subprocess) must not hold it:
  // the parent sees the worker's death as the end of this stream.
  ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  in_worker_role.store(true, std::memory_order_relaxed);
  watch_parent(static_cast<int>(fd));
  const int status = serve(static_cast<int>(fd));
  std::fflush(nullptr);
  std::exit(status);
}

}  // namespace ensemble
