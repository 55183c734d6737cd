// Syndicate's remote calls (ensemble/remote.hpp), the public door of remote/.
// They live here, above the runtime, because the transport runs on io/'s loop
// and speaks wire/'s codec.
#include <ensemble/errors.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/syndicate.hpp>

#include "remote/native/transport.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {
namespace {
remote::native::Transport& transport(runtime::SyndicateCore& core) {
  remote::native::Transport* t = remote::native::transport_of(core);
  if (t == nullptr) throw UnsupportedBackendError(reasons::no_remote_transport);
  return *t;
}
}  // namespace

RemoteEndpoint Syndicate::remote_address() const { return transport(*core_).local_endpoint(); }

void Syndicate::connect(const SyndicateId& peer, const std::string& host, std::uint16_t port,
                        RemoteProtocol protocol) {
  transport(*core_).connect(peer, host, port, protocol);
}

ActorAddress Syndicate::remote_actor(const ActorId& id) { return transport(*core_).remote_actor(id); }

void Syndicate::publish(const std::string& name, const ActorAddress& actor) { transport(*core_).publish(name, actor); }

ActorAddress Syndicate::lookup(const SyndicateId& peer, const std::string& name, std::chrono::nanoseconds timeout) {
  return transport(*core_).lookup(peer, name, timeout);
}

namespace runtime {
void attach_configured_services(SyndicateCore& core) {
  if (core.config().remote.enabled) remote::native::attach_transport(core);
}
}  // namespace runtime

}  // namespace ensemble
