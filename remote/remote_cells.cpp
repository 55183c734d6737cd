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
  auto it = table_->cells.find(id);
  if (it != table_->cells.end() && it->second->try_retain()) {
    return ActorAddress(it->second, ActorAddress::Adopt{});
  }
  // Numbers only tell stand-ins apart in logs; they never leave the process.
  // relaxed: a counter, nothing is published through it.
  const std::uint64_t number = table_->next_number.fetch_add(1, std::memory_order_relaxed);
  auto* cell = new RemoteActorCell(&core_, number, id, table_);
  table_->cells.insert_or_assign(id, cell);
  return ActorAddress(cell, ActorAddress::Adopt{});  // the count of 1 it was made with
}

std::size_t RemoteCells::size() const {
  std::lock_guard lock(table_->mutex);
  return table_->cells.size();
}

}  // namespace ensemble::remote
