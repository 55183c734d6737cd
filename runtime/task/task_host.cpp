// Strands on actors: wake envelopes, task tree hosts, and the plain-code entry
// points task::run / task::spawn(syndicate, ...).
#include "runtime/task/task_host.hpp"

#include <atomic>
#include <utility>

#include <ensemble/errors.hpp>
#include <ensemble/syndicate.hpp>
#include <ensemble/task/run.hpp>

#include "runtime/base/futex.hpp"
#include "runtime/ask/reply_slot.hpp"
#include "runtime/actor/side_state.hpp"
#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

namespace {
// The host of a task tree started from plain code. It receives nothing but
// wake envelopes, which the runtime handles before any dispatch, and stops
// itself when its tree has finished.
struct TaskTreeHost final : Actor {
  void process(Message&) {}
};
}  // namespace

detail::TaskStrand& strand_of(ActorCell& a) {
  SideState& hs = side_of(a);
  if (hs.strand == nullptr) {
    if (a.has_flag(detail::flag_stopping)) throw ActorStopped("the actor is stopping: no new tasks run on it");
    // Made by the token holder, on first use (for a tree host: its first wake).
    const bool tree = dynamic_cast<TaskTreeHost*>(a.object()) != nullptr;
    hs.strand = new detail::TaskStrand(a.core(), &a, tree);
  }
  return *hs.strand;
}

detail::TaskStrand* current_strand() {
  ActorCell* a = current_actor();
  return a == nullptr ? nullptr : &strand_of(*a);
}

void TaskWaker::fire() noexcept {
  if (!host) return;
  auto* cell = static_cast<ActorCell*>(host.cell());
  // The waker fires once: its node reference travels in the wake.
  post_wake(cell, StrandWake{std::move(node), seq, WakeKind::resume_waiting, nullptr});
}

TaskWaker waker_for(detail::TaskNode& n) { return TaskWaker{n.sched().host(), detail::NodeRef(&n), n.sched().wait_seq_}; }

ActorAddress create_task_host(SyndicateCore& core) {
  // Its strand is made by its token holder when the first wake arrives
  // (strand_of), never here: a shutdown may already be stopping it.
  return core.lifecycle().start_actor(detail::make_actor_storage<TaskTreeHost>(), nullptr);
}

void post_wake(ActorCell* host, StrandWake w) noexcept {
  // The same protocol as tell(): a stopped host bounces; a push that finds
  // the mailbox idle makes us the token holder, who schedules it.
  if (host->has_flag(detail::flag_stopped)) {
    drop_wake(w);
    return;
  }
  Envelope* e = new_envelope(Message(Payload(std::move(w)), ActorAddress()));
  e->control = control_strand_wake;
  post_envelope(host, e);
}

bool post_envelope(ActorCell* host, Envelope* e) noexcept {
  if (host->has_flag(detail::flag_stopped)) return false;
  host->core()->delivery().enqueue(host, e);
  return true;
}

void drop_wake(StrandWake& w) noexcept {
  if (w.kind != WakeKind::activate || !w.node) return;
  // A tree root or parallel fork whose strand stopped before it started: it
  // fails, so that whoever waits for it (task::run, a join) hears of it.
  detail::TaskNode& n = *w.node;
  if (n.status_ != task::Status::idle) return;
  detail::finish_unstarted(n, false,
                           std::make_exception_ptr(ActorStopped("task not started: the syndicate is shutting down")));
}

namespace {
void resume_waiting(detail::TaskStrand& s, detail::TaskNode& n, std::uint64_t seq) {
  // Only if it still waits where it waited when the wake was issued.
  if (n.sched().strand_ == &s && n.status_ != task::Status::finished && n.sched().wait_seq_ == seq && n.sched().in_idle_) {
    s.enqueue(n);
  }
}
}  // namespace

bool apply_wake(ActorCell* a, Envelope* env) {
  if (env->control == control_slot_wake) {
    // An ask's reply slot carries its own envelope (no allocation per reply).
    ReplySlot* slot = static_cast<ReplySlot::WakeEnvelope*>(env)->slot;
    const TaskWaker& w = slot->waiter();
    SideState& hs = side_of(*a);
    if (hs.strand != nullptr || !a->has_flag(detail::flag_stopping)) resume_waiting(strand_of(*a), *w.node, w.seq);
    slot->release();  // the queued envelope's reference
    return false;
  }
  StrandWake w = std::move(env->message.content().get<StrandWake>());
  free_envelope(env);
  SideState& hs = side_of(*a);
  if (hs.strand == nullptr && a->has_flag(detail::flag_stopping)) {
    drop_wake(w);
    return false;
  }
  detail::TaskStrand& s = strand_of(*a);
  detail::TaskNode& n = *w.node;
  switch (w.kind) {
    case WakeKind::resume_waiting:
      resume_waiting(s, n, w.seq);
      break;
    case WakeKind::resume:
      if (n.sched().strand_ == &s && n.status_ != task::Status::finished) s.enqueue(n);
      break;
    case WakeKind::activate:
      s.activate(n);
      break;
    case WakeKind::abort:
      if (n.sched().strand_ == &s) s.conclude_abort(n, w.error);
      break;
  }
  return s.is_tree() && s.finished();
}

void teardown_strand(SideState& hs) noexcept {
  detail::TaskStrand* s = std::exchange(hs.strand, nullptr);
  if (s == nullptr) return;
  hs.strand = s;  // the aborted tasks still see their strand while they unwind
  s->teardown(std::make_exception_ptr(ActorStopped("task aborted: its actor is stopping")));
  hs.strand = nullptr;
  delete s;
}

}  // namespace ensemble::runtime

namespace ensemble::detail {

namespace {
struct RunWaiter final : SettleListener {
  std::atomic<std::uint32_t> done{0};
  std::atomic<int> refs{2};  // the waiting thread's and the node's
  void release() noexcept {
    // acq_rel: the last holder frees it after seeing the other's writes.
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  void settled(TaskNode&) noexcept override {
    // release: the waiter that sees 1 also sees the node's result.
    done.store(1, std::memory_order_release);
    runtime::futex_wake(&done, 1);
    release();
  }
  void discard() noexcept override { release(); }
};
}  // namespace

void run_tree(Syndicate& syn, TaskNode& n, bool wait) {
  runtime::SyndicateCore& core = runtime::CoreAccess::of(syn);
  if (wait && core.on_pool_thread()) {
    task_error("task::run would block a worker thread; inside a task, co_await the task (or fork and "
               "join it)");
  }
  if (n.status_ == task::Status::finished) return;  // an empty task
  if (node_started(n)) task_error("task::run: this fork was started already; join it from its strand");
  if (n.parallel_ && !n.sched().claim_start()) {
    task_error("task::run: this fork was started already; join it from its strand");
  }
  ActorAddress host = runtime::create_task_host(core);
  RunWaiter* waiter = nullptr;
  if (wait) {
    waiter = new RunWaiter();
    // relaxed: the node is not shared with any other thread yet.
    waiter->next_listener = n.listeners_.load(std::memory_order_relaxed);
    n.listeners_.store(waiter, std::memory_order_relaxed);
  }
  n.sched().set_host(host);
  runtime::post_wake(static_cast<runtime::ActorCell*>(host.cell()),
                 runtime::StrandWake{NodeRef(&n), 0, runtime::WakeKind::activate, nullptr});
  if (waiter != nullptr) {
    // acquire: pairs with the release store in settled().
    while (waiter->done.load(std::memory_order_acquire) == 0) runtime::futex_wait(&waiter->done, 0);
    waiter->release();
  }
}

}  // namespace ensemble::detail
