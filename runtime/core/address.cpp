// ensemble/address.hpp: an address as text (spark's ActorAddr-Actor(...)).
#include <cstdio>
#include <string>

#include <ensemble/address.hpp>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

std::string ActorAddress::to_string() const {
  if (cell_ == nullptr) return "ActorAddr-None";
  char buf[64];
  std::snprintf(buf, sizeof buf, "ActorAddr-Actor(%s:%08llx)", cell_->core()->id_text().c_str(),
                static_cast<unsigned long long>(cell_->id()));
  return buf;
}

ActorId ActorAddress::actor_id() const {
  if (cell_ == nullptr) return {};
  const runtime::SyndicateCore& core = *cell_->core();
  return ActorId(core.id(), core.actor_uuid(cell_->id()));
}

}  // namespace ensemble
