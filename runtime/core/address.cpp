// ensemble/address.hpp: an address as text (spark's ActorAddr-Actor(...)).
#include <cstdio>
#include <string>

#include <ensemble/address.hpp>

#include "runtime/actor/routing.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {
namespace {
// A remote actor's text, as its own syndicate prints it: the number is the
// last 62 bits of an ensemble actor's uuid (SyndicateCore::actor_uuid). An id
// that is no uuid (a spark peer's may be anything) prints as spark's
// ActorId text.
std::string remote_text(const ActorId& id) {
  const std::string& u = id.actor_id();
  std::uint64_t n = 0;
  if (u.size() == 36 && u[23] == '-') {
    for (std::size_t i = 19; i < 36; ++i) {
      if (i == 23) continue;
      const char c = u[i];
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) return "ActorAddr-" + id.to_string();
      n = (n << 4) | static_cast<std::uint64_t>(v);
    }
    n &= (std::uint64_t{1} << 62) - 1;  // below the RFC 4122 variant bits
    char buf[64];
    std::snprintf(buf, sizeof buf, "ActorAddr-Actor(%.8s:%08llx)", id.syndicate_id().uuid().c_str(),
                  static_cast<unsigned long long>(n));
    return buf;
  }
  return "ActorAddr-" + id.to_string();
}
}  // namespace

std::string ActorAddress::to_string() const {
  if (cell_ == nullptr) return "ActorAddr-None";
  if (cell_->kind() == detail::CellKind::remote) {
    if (const ActorId* id = static_cast<const runtime::RemoteCell*>(cell_)->remote_id()) {
      return remote_text(*id);
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "ActorAddr-Actor(%s:%08llx)", cell_->core()->id_text().c_str(),
                static_cast<unsigned long long>(cell_->id()));
  return buf;
}

ActorId ActorAddress::actor_id() const {
  if (cell_ == nullptr) return {};
  if (cell_->kind() == detail::CellKind::remote) {
    if (const ActorId* id = static_cast<const runtime::RemoteCell*>(cell_)->remote_id()) return *id;
  }
  const runtime::SyndicateCore& core = *cell_->core();
  return ActorId(core.id(), core.actor_uuid(cell_->id()));
}

}  // namespace ensemble
