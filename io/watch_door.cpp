// Actor::watch, the public door of fd watching. It lives here, above the
// runtime, because the watches run on io/'s event loop.
#include <ensemble/actor.hpp>

#include "io/fd_watches.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

void Actor::watch(std::vector<int> read, std::vector<int> write) {
  require_local("watch");
  io::fd_watches_of(*cell_->core()).set(*cell_, read, write);
}

}  // namespace ensemble
