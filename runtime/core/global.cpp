// spark's global syndicate (ensemble/global.hpp).
//
// The holder is made on first use and never destroyed: syndicates shut down
// (current or stale) stay allocated until the process exits, so a reference
// handed out never dangles. The live one is shut down at exit by an atexit
// handler registered when the first one is made.
#include <ensemble/global.hpp>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include <ensemble/errors.hpp>

namespace ensemble {

namespace {

struct GlobalHolder {
  std::mutex m;
  Syndicate* current = nullptr;  // [m] the live one, or null
  std::string name;              // [m] what `current` was made with
  SyndicateConfig config;        // [m]
  std::vector<std::unique_ptr<Syndicate>> all;  // [m] every one made, live or stale
  bool exit_hook = false;        // [m]
};

GlobalHolder& holder() {
  static auto* h = new GlobalHolder();  // never destroyed: see the file comment
  return *h;
}

void shutdown_at_exit() { shutdown_global_syndicate(); }

// [h.m held] The live one, or null once it was shut down by any route.
Syndicate* live(GlobalHolder& h) noexcept {
  if (h.current != nullptr && h.current->is_shut_down()) h.current = nullptr;
  return h.current;
}

Syndicate& make(GlobalHolder& h, const std::string& name, const SyndicateConfig& config) {
  h.all.push_back(std::make_unique<Syndicate>(name, config));
  h.current = h.all.back().get();
  h.name = name;
  h.config = config;
  if (!h.exit_hook) {
    h.exit_hook = true;
    std::atexit(&shutdown_at_exit);
  }
  return *h.current;
}

}  // namespace

Syndicate& global_syndicate() {
  GlobalHolder& h = holder();
  std::lock_guard lock(h.m);
  if (Syndicate* s = live(h)) return *s;
  return make(h, {}, {});
}

Syndicate& global_syndicate(const std::string& name, const SyndicateConfig& config) {
  GlobalHolder& h = holder();
  std::lock_guard lock(h.m);
  if (Syndicate* s = live(h)) {
    if (h.name != name || h.config != config) {
      throw SyndicateError("the global syndicate exists with another configuration (name '" + h.name +
                           "'); shut it down first (shutdown_global_syndicate) to make it with name '" + name + "'");
    }
    return *s;
  }
  return make(h, name, config);
}

Syndicate* existing_global_syndicate() noexcept {
  GlobalHolder& h = holder();
  std::lock_guard lock(h.m);
  return live(h);
}

void shutdown_global_syndicate() {
  GlobalHolder& h = holder();
  Syndicate* s;
  {
    std::lock_guard lock(h.m);
    s = live(h);
    h.current = nullptr;
  }
  // Outside the lock: a handler of the global syndicate may use it meanwhile
  // (its tells then fail as the syndicate shuts down).
  if (s != nullptr) s->shutdown();
}

DeliveryResult tell(Payload payload) {
  Syndicate& s = global_syndicate();
  return s.tell(s.inbox_address(), std::move(payload));
}

AskOperation ask(Payload payload, std::chrono::nanoseconds timeout) {
  Syndicate& s = global_syndicate();
  return s.ask(s.inbox_address(), std::move(payload), timeout);
}

}  // namespace ensemble
