// ensemble/syndicate.hpp: Syndicate, Endpoint and Listener as thin doors into
// the core.
#include <ensemble/ensemble.hpp>
#include <cstdio>
#include <cstdlib>

#include "runtime/actor/side_state.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "runtime/sched/executor.hpp"

namespace ensemble {

const char* to_string(Backend backend) noexcept {
  switch (backend) {
    case Backend::inprocess:
      return "inprocess";
    case Backend::threaded:
      return "threaded";
    case Backend::process:
      return "process";
  }
  return "unknown";
}

const char* backend_type_name(Backend backend) noexcept {
  switch (backend) {
    case Backend::inprocess:
      return "async-inprocess";
    case Backend::threaded:
      return "async-hybrid-threaded";
    case Backend::process:
      return "async-hybrid-process";
  }
  return "unknown";
}

using runtime::SyndicateCore;

// ---- Syndicate ----

namespace {
// A process started as a process-mode actor's worker runs this program's own
// binary; its main() must call serve_worker_if_spawned() before anything else.
// One that reaches a Syndicate instead would run the whole program a second
// time (and start workers of its own): it stops here, and the parent reports
// the exit status.
SyndicateConfig refuse_in_unserved_worker(SyndicateConfig config) {
  if (std::getenv(runtime::worker_fd_variable) != nullptr) {
    std::fprintf(stderr,
                 "ensemble: this process was started as a process-mode actor's worker, but main() created a "
                 "Syndicate before calling ensemble::serve_worker_if_spawned(); call it first thing in main()\n");
    std::_Exit(runtime::not_served_exit_status);
  }
  return config;
}
}  // namespace

Syndicate::Syndicate(std::string name, SyndicateConfig config)
    : core_(std::make_shared<SyndicateCore>(std::move(name), refuse_in_unserved_worker(config))) {
  core_->owner = this;
  try {
    runtime::attach_configured_services(*core_);
  } catch (...) {
    core_->shutdown();
    throw;
  }
}

Syndicate::~Syndicate() {
  // Shut down here, not in the core's destructor: an Endpoint or Listener may
  // keep the core (shut down, threads joined) alive after us.
  core_->shutdown();
  core_->owner = nullptr;
}

const std::string& Syndicate::name() const noexcept { return core_->name(); }
const SyndicateId& Syndicate::id() const noexcept { return core_->id(); }

ActorAddress Syndicate::start_storage(detail::ActorStorage storage) {
  return core_->lifecycle().start_actor(storage, nullptr);
}

DeliveryResult Syndicate::tell(const ActorAddress& target, Payload payload) {
  // The same fast path as an actor's tell, with the system inbox as the sender.
  return core_->delivery().tell(target, std::move(payload), core_->system_inbox_address().cell());
}

DeliveryResult Syndicate::tell(const ActorAddress& target, Message message) {
  if (!message.sender()) message.set_sender(core_->system_inbox_address());
  return core_->delivery().tell(target, std::move(message));
}

AskOperation Syndicate::ask(const ActorAddress& target, Payload payload,
                            std::chrono::nanoseconds timeout) {
  return AskOperation(core_.get(), target, std::move(payload), timeout);
}

std::optional<Payload> Syndicate::receive(std::chrono::nanoseconds timeout) {
  auto m = core_->receive(core_->system_inbox(), timeout);
  if (!m) return std::nullopt;
  return std::move(m->content());
}

std::optional<Payload> Syndicate::Listener::next(SyndicateCore& core) {
  auto m = core.receive(core.system_inbox(), no_timeout);
  if (!m) return std::nullopt;
  return std::move(m->content());
}

Endpoint Syndicate::endpoint() { return Endpoint(core_, core_->new_inbox()); }

ActorAddress Syndicate::inbox_address() const { return core_->system_inbox_address(); }

bool Syndicate::stop(const ActorAddress& actor) {
  detail::Cell* c = actor.cell();
  if (c == nullptr || c->kind() != detail::CellKind::actor || c->core() != core_.get()) return false;
  return core_->lifecycle().request_stop(static_cast<runtime::ActorCell*>(c), reasons::actor_stopped,
                             runtime::StopMode::notify_parent);
}

void Syndicate::shutdown() { core_->shutdown(); }
bool Syndicate::is_shut_down() const noexcept { return core_->is_shut_down(); }

std::vector<std::shared_ptr<const DeadLetter>> Syndicate::dead_letters() const {
  return core_->dead_letters();
}

SystemStatus Syndicate::status() const { return core_->status(); }
RuntimeDiagnostics Syndicate::diagnostics(std::chrono::nanoseconds wait) const {
  return core_->diagnostics(wait);
}

// ---- Endpoint ----

Endpoint::Endpoint(std::shared_ptr<SyndicateCore> core, ActorAddress inbox) noexcept
    : core_(std::move(core)), address_(std::move(inbox)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&& other) noexcept {
  if (this != &other) {
    // The old inbox is closed and released before its core may go.
    std::shared_ptr<SyndicateCore> old_core = std::exchange(core_, std::move(other.core_));
    ActorAddress old_inbox = std::exchange(address_, std::move(other.address_));
    if (old_inbox) old_core->close_inbox(old_inbox);
  }
  return *this;
}
Endpoint::~Endpoint() {
  if (address_) core_->close_inbox(address_);
}

SyndicateCore& Endpoint::live_core() const {
  if (!core_) throw SyndicateError("this Endpoint was moved from");
  return *core_;
}

ActorAddress Endpoint::start_storage(detail::ActorStorage storage) {
  return live_core().lifecycle().start_actor(storage, nullptr);
}

DeliveryResult Endpoint::tell(const ActorAddress& target, Payload payload) {
  return live_core().delivery().tell(target, std::move(payload), address_.cell());
}

Payload Endpoint::ask(const ActorAddress& target, Payload payload,
                      std::chrono::nanoseconds timeout) {
  if (timeout <= std::chrono::nanoseconds::zero()) {
    throw InvalidArgument("ask timeout must be positive (got " + format_seconds(timeout) +
                          " seconds)");
  }
  DeliveryResult r = tell(target, std::move(payload));
  if (!r) throw MessageDeliveryError(target.to_string(), std::string(r.reason));
  auto reply = receive(timeout);
  if (!reply) throw ActorTimeout("ask", timeout);
  return std::move(*reply);
}

std::optional<Payload> Endpoint::receive(std::chrono::nanoseconds timeout) {
  auto m = receive_message(timeout);
  if (!m) return std::nullopt;
  return std::move(m->content());
}

std::optional<Message> Endpoint::receive_message(std::chrono::nanoseconds timeout) {
  return live_core().receive(*static_cast<runtime::Inbox*>(address_.cell()), timeout);
}

}  // namespace ensemble
