// The public classes (Syndicate, Endpoint, Actor) as thin doors into the core.
#include <ensemble/ensemble.hpp>

#include "executors/spec.hpp"
#include "runtime/side_state.hpp"
#include "runtime/syndicate_core.hpp"

namespace ensemble {

namespace detail {
std::string demangle(const char* mangled);
}

using runtime::SyndicateCore;

// ---- Syndicate ----

Syndicate::Syndicate(std::string name, SyndicateConfig config)
    : core_(std::make_unique<SyndicateCore>(std::move(name), config)) {
  core_->owner = this;
}

Syndicate::~Syndicate() = default;  // the core's destructor shuts down

const std::string& Syndicate::name() const noexcept { return core_->name(); }

ActorAddress Syndicate::start_bound_actor(std::unique_ptr<Actor> actor) {
  return core_->start_actor(std::move(actor), nullptr);
}

ActorAddress Syndicate::create_actor_from_spec(const ActorSpec& spec) {
  return core_->start_actor(executors::make_actor(spec, *core_), nullptr);
}

DeliveryResult Syndicate::tell(const ActorAddress& target, Payload payload) {
  return core_->tell(target, core_->make_message(std::move(payload), core_->system_inbox_address()));
}

DeliveryResult Syndicate::tell(const ActorAddress& target, Message message) {
  if (!message.sender()) message.set_sender(core_->system_inbox_address());
  return core_->tell(target, std::move(message));
}

AskOperation Syndicate::ask(const ActorAddress& target, Payload payload,
                            std::chrono::nanoseconds timeout) {
  return AskOperation(core_.get(), target, std::move(payload), timeout, {});
}

std::optional<Payload> Syndicate::receive(std::chrono::nanoseconds timeout) {
  auto m = core_->receive(core_->system_inbox(), timeout);
  if (!m) return std::nullopt;
  return std::move(m->content());
}

Endpoint Syndicate::endpoint() { return Endpoint(this, core_->new_inbox()); }

ActorAddress Syndicate::inbox_address() const { return core_->system_inbox_address(); }

bool Syndicate::stop(const ActorAddress& actor) {
  detail::Cell* c = actor.cell();
  if (c == nullptr || c->kind() != detail::CellKind::actor || c->core() != core_.get()) return false;
  return core_->request_stop(static_cast<Actor*>(c), reasons::actor_stopped,
                             runtime::StopMode::notify_parent);
}

void Syndicate::shutdown() { core_->shutdown(); }
bool Syndicate::is_shut_down() const noexcept { return core_->shut_down(); }

std::vector<std::shared_ptr<const DeadLetter>> Syndicate::dead_letters() const {
  return core_->dead_letters();
}

SystemStatus Syndicate::status() const { return core_->status(); }

// ---- Endpoint ----

Endpoint::Endpoint(Syndicate* s, ActorAddress inbox) noexcept
    : syndicate_(s), address_(std::move(inbox)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&&) noexcept = default;
Endpoint::~Endpoint() {
  if (address_) syndicate_->core().close_inbox(address_);
}

DeliveryResult Endpoint::tell(const ActorAddress& target, Payload payload) {
  auto& core = syndicate_->core();
  return core.tell(target, core.make_message(std::move(payload), address_));
}

Payload Endpoint::ask(const ActorAddress& target, Payload payload,
                      std::chrono::nanoseconds timeout) {
  if (timeout <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("ask timeout must be positive (got " + format_seconds(timeout) +
                                " seconds)");
  }
  DeliveryResult r = tell(target, std::move(payload));
  if (!r) throw MessageDeliveryError(target.to_string(), r.reason);
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
  auto& core = syndicate_->core();
  return core.receive(*static_cast<runtime::Inbox*>(address_.cell()), timeout);
}

// ---- Actor ----

Actor::~Actor() {
  // Only reachable once every reference is gone: the mailbox is idle and empty
  // (a stopped actor releases its last reference only after bouncing its mail).
  delete side_.load(std::memory_order_acquire);  // acquire: pairs with side_of's release
}

ActorAddress Actor::address() const noexcept {
  if (!started()) return {};
  return ActorAddress(const_cast<Actor*>(this));
}

std::string Actor::class_name() const {
  return detail::demangle(type_ != nullptr ? type_->type->name() : typeid(*this).name());
}

void Actor::require_started(const char* api) const {
  if (!started()) {
    throw ActorNotStartedError(std::string(api) + " needs a started actor (" + class_name() +
                               " is not started yet; helpers work from pre_start on)");
  }
}

DeliveryResult Actor::tell(Payload payload, const ActorAddress& target) {
  require_started("tell");
  return core_->tell(target, std::move(payload), this);
}

AskOperation Actor::ask(Payload payload, const ActorAddress& target,
                        std::chrono::nanoseconds timeout) {
  require_started("ask");
  return AskOperation(core_, target, std::move(payload), timeout, address());
}

ActorAddress Actor::adopt_child(std::unique_ptr<Actor> child) {
  return core_->start_actor(std::move(child), this);
}

ActorAddress Actor::create_actor_from_spec(const ActorSpec& spec) {
  require_started("create_actor_from_spec");
  return core_->start_actor(executors::make_actor(spec, *core_), this);
}

void Actor::schedule_after(std::chrono::nanoseconds delay, Payload payload) {
  require_started("schedule_after");
  core_->schedule_wakeup(this, delay, std::move(payload));
}

void Actor::stop() {
  require_started("stop");
  core_->request_stop(this, reasons::actor_stopped, runtime::StopMode::notify_parent);
}

void Actor::syndicate_shutdown() {
  require_started("syndicate_shutdown");
  core_->shutdown();
}

Syndicate& Actor::syndicate() const {
  require_started("syndicate");
  return *core_->owner;
}

}  // namespace ensemble
