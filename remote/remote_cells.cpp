// The interned stand-ins of remote actors (remote_cells.hpp).
#include "remote/remote_cells.hpp"

#include <atomic>

namespace ensemble::remote {

struct RemoteCells::Table {
  mutable std::mutex mutex;
  std::map<ActorId, detail::Cell*> cells;  // [mutex] not owning
  std::atomic<std::uint64_t> next_number{1};
};

namespace {

class RemoteActorCell final : public runtime::RemoteCell {
 public:
  RemoteActorCell(runtime::SyndicateCore* core, std::uint64_t number, ActorId id,
                  std::shared_ptr<RemoteCells::Table> table) noexcept
      : RemoteCell(core, number), id_(std::move(id)), table_(std::move(table)) {}
  ~RemoteActorCell() override;
  const ActorId* remote_id() const noexcept override { return &id_; }

 private:
  ActorId id_;
  std::shared_ptr<RemoteCells::Table> table_;
};

}  // namespace

RemoteActorCell::~RemoteActorCell() {
  std::lock_guard lock(table_->mutex);
  auto it = table_->cells.find(id_);
  // A lookup that found this cell dying put a new one in its place: leave it.
  if (it != table_->cells.end() && it->second == this) table_->cells.erase(it);
}

RemoteCells::RemoteCells(runtime::SyndicateCore& core) : core_(core), table_(std::make_shared<Table>()) {}

ActorAddress RemoteCells::address_of(const ActorId& id) {
  std::lock_guard lock(table_->mutex);
  auto [slot, inserted] = table_->cells.try_emplace(id, nullptr);  // may throw: nothing made yet
  if (!inserted && slot->second != nullptr && slot->second->try_retain()) {
    return ActorAddress(slot->second, ActorAddress::Adopt{});
  }
  // Numbers only tell stand-ins apart in logs; they never leave the process.
  // relaxed: a counter, nothing is published through it.
  const std::uint64_t number = table_->next_number.fetch_add(1, std::memory_order_relaxed);
  try {
    slot->second = new RemoteActorCell(&core_, number, id, table_);
  } catch (...) {
    if (inserted) table_->cells.erase(slot);  // a dying cell's entry stays: it erases itself
    throw;
  }
  return ActorAddress(slot->second, ActorAddress::Adopt{});  // the count of 1 it was made with
}

std::size_t RemoteCells::size() const {
  std::lock_guard lock(table_->mutex);
  return table_->cells.size();
}

}  // namespace ensemble::remote
