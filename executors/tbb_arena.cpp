#include "executors/tbb_arena.hpp"

#include <ensemble/errors.hpp>
#include <ensemble/tbb.hpp>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble {

namespace executors {

namespace {
thread_local const TbbArenaExecutor* running_executor = nullptr;
}

TbbArenaExecutor::~TbbArenaExecutor() {
  // stop() normally ran; if not (a start that failed), nothing may still run us.
  stopping_.store(true, std::memory_order_seq_cst);
  std::unique_lock lock(m_);
  idle_cv_.wait(lock, [&] { return pending_.load(std::memory_order_seq_cst) == 0; });
}

void TbbArenaExecutor::enqueue(runtime::ActorCell* actor) {
  arena_.enqueue([this, actor] { activation(actor); });
}

bool TbbArenaExecutor::schedule(runtime::ActorCell* actor) noexcept {
  // seq_cst, both: the Dekker pair with stop() (see the header).
  pending_.fetch_add(1, std::memory_order_seq_cst);
  if (stopping_.load(std::memory_order_seq_cst)) {
    done();
    return false;
  }
  try {
    enqueue(actor);
  } catch (...) {
    done();
    return false;  // the caller runs it
  }
  return true;
}

void TbbArenaExecutor::activation(runtime::ActorCell* actor) noexcept {
  // seq_cst: pairs with the store in stop(); a task that sees it hands the
  // token back rather than run on a syndicate that is shutting down its executors.
  if (stopping_.load(std::memory_order_seq_cst)) {
    {
      std::lock_guard lock(m_);
      left_.push_back(actor);
    }
    done();
    return;
  }
  running_executor = this;
  const runtime::RunOutcome outcome = run_(actor);
  running_executor = nullptr;
  if (outcome == runtime::RunOutcome::yield) {
    try {
      enqueue(actor);  // still pending: the count stays
      return;
    } catch (...) {
      std::lock_guard lock(m_);
      left_.push_back(actor);  // out of memory: the shutdown runs it
    }
  }
  done();
}

void TbbArenaExecutor::done() noexcept {
  // seq_cst: the Dekker pair; the last task out wakes a waiting stop().
  if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 && stopping_.load(std::memory_order_seq_cst)) {
    std::lock_guard lock(m_);
    idle_cv_.notify_all();
  }
}

std::vector<runtime::ActorCell*> TbbArenaExecutor::stop() {
  stopping_.store(true, std::memory_order_seq_cst);
  std::unique_lock lock(m_);
  idle_cv_.wait(lock, [&] { return pending_.load(std::memory_order_seq_cst) == 0; });
  return std::move(left_);
}

bool TbbArenaExecutor::on_own_thread() const noexcept { return running_executor == this; }

std::size_t TbbArenaExecutor::thread_count() const noexcept {
  return static_cast<std::size_t>(arena_.max_concurrency());
}

}  // namespace executors

void attach_tbb_arena(Syndicate& syn, tbb::task_arena& arena) {
  runtime::SyndicateCore& core = runtime::CoreAccess::of(syn);
  const std::uint8_t index = core.shared_executor(executors::TbbArenaExecutor::key, [&] {
    return std::make_unique<executors::TbbArenaExecutor>(core.run_loop().runner(), arena);
  });
  const auto* attached = static_cast<const executors::TbbArenaExecutor*>(core.executors().other(index));
  if (attached->arena() != &arena) {
    throw SyndicateError("syndicate '" + syn.name() + "' has another tbb::task_arena attached already");
  }
}

}  // namespace ensemble
