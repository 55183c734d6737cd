#include "executors/process/registry.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>

#include <ensemble/errors.hpp>

#include "executors/process/process_proxy.hpp"

namespace ensemble {

namespace executors::process {
namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<RegisteredActor>, std::less<>> by_name;
  std::map<std::type_index, const RegisteredActor*> by_type;

  static Registry& instance() {
    static Registry* r = new Registry();  // never destroyed: used by static initialisers and at exit
    return *r;
  }
};
}  // namespace

const RegisteredActor* find_registered(const std::type_info& type) noexcept {
  Registry& r = Registry::instance();
  std::lock_guard lock(r.mutex);
  auto it = r.by_type.find(std::type_index(type));
  return it == r.by_type.end() ? nullptr : it->second;
}

const RegisteredActor* find_registered(std::string_view name) noexcept {
  Registry& r = Registry::instance();
  std::lock_guard lock(r.mutex);
  auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : it->second.get();
}
}  // namespace executors::process

void detail::register_process_actor(ProcessActorType entry) {
  using executors::process::Registry;
  using executors::process::RegisteredActor;
  if (entry.name.empty()) throw InvalidArgument("register_actor: the name must not be empty");
  Registry& r = Registry::instance();
  std::lock_guard lock(r.mutex);
  if (r.by_name.count(entry.name) != 0) {
    throw InvalidArgument("register_actor: the name '" + entry.name + "' is registered already");
  }
  if (r.by_type.count(std::type_index(*entry.type)) != 0) {
    throw InvalidArgument("register_actor: this actor type is registered already, as '" +
                          r.by_type[std::type_index(*entry.type)]->entry.name + "'");
  }
  auto item = std::make_unique<RegisteredActor>();
  item->stand_in_type = detail::ActorType{entry.type, &executors::process::ProcessProxy::dispatch};
  item->entry = std::move(entry);
  const RegisteredActor* p = item.get();
  r.by_type.emplace(std::type_index(*p->entry.type), p);
  r.by_name.emplace(p->entry.name, std::move(item));
}

}  // namespace ensemble
