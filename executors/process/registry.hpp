// Internal: the actor types registered for worker processes
// (ensemble::register_actor), by name (the worker makes them) and by type
// (the parent finds a spec's). Entries live until exit and never move.
#pragma once

#include <string_view>
#include <typeinfo>

#include <ensemble/process.hpp>

namespace ensemble::executors::process {

struct RegisteredActor {
  detail::ProcessActorType entry;
  // The parent's stand-in takes this table: the user's type (so status
  // reports the user's class) with the stand-in's dispatch.
  detail::ActorType stand_in_type;
};

const RegisteredActor* find_registered(const std::type_info& type) noexcept;
const RegisteredActor* find_registered(std::string_view name) noexcept;

}  // namespace ensemble::executors::process
