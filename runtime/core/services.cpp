// Services attached to a syndicate (services.hpp).
#include "runtime/core/services.hpp"

#include <cstring>

#include <ensemble/errors.hpp>

namespace ensemble::runtime {

Service* Services::attach(const char* key, const std::function<std::unique_ptr<Service>()>& make) {
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  const std::size_t n = count_.load(std::memory_order_relaxed);  // relaxed: we hold the writers' mutex
  for (std::size_t i = 0; i < n; ++i) {
    if (std::strcmp(slots_[i].key, key) == 0) return slots_[i].service.get();
  }
  if (n == capacity) throw Error("ensemble: more than 4 kinds of syndicate service attached");
  slots_[n].key = key;
  slots_[n].service = make();
  // release: actor_stopped() may read the slot without the mutex.
  count_.store(n + 1, std::memory_order_release);
  return slots_[n].service.get();
}

Service* Services::find(const char* key) const {
  std::lock_guard lock(mutex_);
  const std::size_t n = count_.load(std::memory_order_relaxed);  // relaxed: under the mutex
  for (std::size_t i = 0; i < n; ++i) {
    if (std::strcmp(slots_[i].key, key) == 0) return slots_[i].service.get();
  }
  return nullptr;
}

void Services::shutdown() noexcept {
  std::size_t n = 0;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    n = count_.load(std::memory_order_relaxed);  // relaxed: under the mutex; no slot is added after closed_
  }
  for (std::size_t i = n; i-- > 0;) slots_[i].service->shutdown();
}

}  // namespace ensemble::runtime
