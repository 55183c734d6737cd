// The out-of-line half of the task API (api/ensemble/task/*.hpp): what the
// header templates call to reach the strand that runs the task.
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include <ensemble/errors.hpp>
#include <ensemble/task.hpp>

#include "runtime/actor/actor_cell.hpp"
#include "runtime/base/atomics.hpp"
#include "runtime/core/syndicate_core.hpp"
#include "runtime/task/task_host.hpp"
#include "runtime/task/task_strand.hpp"

namespace ensemble::detail {

using runtime::ActorCell;
using runtime::current_actor;
using runtime::StrandWake;
using runtime::WakeKind;

namespace {
std::atomic<std::uint64_t> task_ids{0};

// The strand that owns n, if this thread holds its token; null otherwise.
TaskStrand* owning_strand(TaskNode& n) {
  ActorCell* me = current_actor();
  if (me == nullptr || me != n.sched().host_) return nullptr;
  return n.sched().strand_;
}

TaskStrand& strand_here(const char* operation) {
  TaskStrand* s = runtime::current_strand();
  if (s == nullptr) {
    task_error(std::string(operation) +
               " needs a strand: call it from a task, an actor's handler, or start a tree with "
               "task::run / task::spawn(syndicate, ...)");
  }
  return *s;
}

void post(TaskNode& n, WakeKind kind, std::exception_ptr error = nullptr) {
  auto* host = static_cast<ActorCell*>(n.sched().host_);
  runtime::post_wake(host, StrandWake{NodeRef(&n), 0, kind, std::move(error)});
}

// Resumes a waiting task from its settle listener (a fork or Deferred it waits on).
struct JoinWaker final : SettleListener {
  runtime::TaskWaker waker;
  void settled(TaskNode&) noexcept override {
    waker.fire();
    delete this;
  }
  void discard() noexcept override { delete this; }
};

// wait(value): the one-shot waker queued at the back of MAIN.
struct WakeAction final : TaskNode {
  NodeRef target;
  std::uint64_t seq = 0;
  WakeAction() noexcept { sched().action_ = true; }
  void run_action() override {
    TaskNode& t = *target;
    if (t.status_ != task::Status::finished && t.sched().wait_seq_ == seq && t.sched().strand_ != nullptr) t.sched().strand_->enqueue(t);
  }
};

// all(): an abort queued as a task, as the reference's enqueue(abort(...)).
struct AbortAction final : TaskNode {
  NodeRef target;
  std::exception_ptr error;
  AbortAction() noexcept { sched().action_ = true; }
  void run_action() override {
    if (target->sched().strand_ != nullptr) target->sched().strand_->conclude_abort(*target, error);
  }
};
}  // namespace

TaskNode::~TaskNode() {
  SettleListener* l = listeners_.load(std::memory_order_relaxed);  // relaxed: last reference, nobody else
  if (l != settled_marker()) {
    while (l != nullptr) {
      SettleListener* next = l->next_listener;
      l->discard();
      l = next;
    }
  }
  if (root_) root_.destroy();  // a fork that never ran
  delete[] name_;
  if (Cell* host = sched().host_; host != nullptr) host->release();
}

// A pooled block is 192 bytes (runtime/memory/frame_pool.cpp): a node that
// holds a 64-bit value must fit one.
static_assert(sizeof(ValueNode<std::int64_t>) <= 192, "a ValueNode<int64> must fit a 192-byte pool block");

bool task_parallel_started(const TaskNode& n) noexcept {
  return n.sched().start_claimed();
}

TaskNode& PromiseBase::running_node(const char* operation) const {
  if (node_ == nullptr || node_->sched().strand_ == nullptr) {
    task_error(std::string(operation) +
               " works only inside a task that ensemble runs (task::run, task::spawn, a fork, or an "
               "actor's process())");
  }
  return *node_;
}

namespace {
// Ids come in blocks per thread, so forking touches no shared counter.
constexpr std::uint64_t id_block = 1024;
ENSEMBLE_HOT_TLS std::uint64_t ids_next = 0;
ENSEMBLE_HOT_TLS std::uint64_t ids_end = 0;
}  // namespace

std::uint64_t next_task_id() noexcept {
  if (ids_next == ids_end) {
    // relaxed: ids need uniqueness only.
    ids_next = task_ids.fetch_add(id_block, std::memory_order_relaxed) + 1;
    ids_end = ids_next + id_block;
  }
  return ids_next++;
}

void task_error(const std::string& what) { throw SyndicateError(what); }

void task_current_check(PromiseBase& p, const char* operation) { (void)p.running_node(operation); }

void task_activate(TaskNode& n) {
  if (node_started(n)) return;
  TaskStrand& s = strand_here("task::fork");
  if (n.parallel_) {
    // Any strand that joins a lazy parallel fork may start it: one wins.
    if (!n.sched().claim_start()) return;
    ActorAddress host = runtime::create_task_host(*s.core());
    n.sched().set_host(host);  // published to the new strand by the wake's mailbox hand-off
    post(n, WakeKind::activate);
    return;
  }
  s.activate(n);
}

void task_activate_from(PromiseBase& p, TaskNode& n) {
  TaskNode& me = p.running_node("task::fork");
  if (node_started(n)) return;
  if (n.parallel_) {
    task_activate(n);
    return;
  }
  me.sched().strand_->activate(n);
}

void task_spawn(NodeRef n) {
  TaskStrand& s = strand_here("task::spawn/task::main");
  s.activate(*n);
}

void task_resume(TaskNode& n) {
  if (n.sched().action_) return;
  if (!n.sched().host_) {
    // Never started: resuming it starts it.
    strand_here("task::resume").activate(n);
    return;
  }
  if (TaskStrand* s = owning_strand(n)) {
    if (n.status_ != task::Status::finished && !s->tearing_down()) s->enqueue(n);
    return;
  }
  post(n, WakeKind::resume);
}

void task_abort(TaskNode& n, std::exception_ptr error) noexcept {
  if (!error) error = std::make_exception_ptr(SyndicateError("task aborted"));
  if (!n.sched().host_) {
    // Never started: it fails without running.
    if (n.status_ == task::Status::idle && n.root_) finish_unstarted(n, false, std::move(error));
    return;
  }
  if (TaskStrand* s = owning_strand(n)) {
    s->conclude_abort(n, std::move(error));
    return;
  }
  post(n, WakeKind::abort, std::move(error));
}

void task_exit(TaskNode& n, void (*store)(TaskNode&, void*), void* value) noexcept {
  if (!n.sched().host_) {
    if (n.status_ == task::Status::idle) {
      destroy_frames(n);
      if (store != nullptr) store(n, value);
      finish_unstarted(n, true, nullptr);
    }
    return;
  }
  if (TaskStrand* s = owning_strand(n)) {
    s->conclude_exit(n, store, value);
    return;
  }
  // exit() from another strand cannot hand over the value safely; abort instead.
  post(n, WakeKind::abort,
       std::make_exception_ptr(SyndicateError("exit() of a task on another strand: aborted instead")));
}

bool task_suspend_here(PromiseBase& p, std::coroutine_handle<> h) {
  TaskNode& n = p.running_node("task::suspend");
  n.sched().stop_ = StopKind::suspended;
  n.resume_at_ = h;
  return true;
}

bool task_join_parallel(PromiseBase& p, std::coroutine_handle<> h, TaskNode& fork) {
  TaskNode& me = p.running_node("task::join/task::wait");
  if (!fork.parallel_ && node_started(fork) && fork.sched().strand_ != me.sched().strand_) {
    task_error("task::wait on a fork that runs on another strand: fork it with {.parallel = true} to "
               "wait for it from elsewhere");
  }
  auto* w = new JoinWaker();
  w->waker = runtime::waker_for(me);
  me.sched().stop_ = StopKind::suspended;
  me.resume_at_ = h;
  me.sched().waiting_for_ = &fork;  // the awaiter's reference keeps it alive while it waits
  // Push w on the fork's listener stack unless it is already settled.
  // acquire: if we read the marker, the fork's result is visible to us.
  SettleListener* head = fork.listeners_.load(std::memory_order_acquire);
  for (;;) {
    if (head == TaskNode::settled_marker()) {
      w->settled(fork);  // settled already: resume in a later turn all the same
      break;
    }
    w->next_listener = head;
    // release: publishes w to the settler; acquire on failure: re-read the head.
    if (fork.listeners_.compare_exchange_weak(head, w, std::memory_order_release, std::memory_order_acquire)) break;
  }
  return true;
}

void task_join_parallel_done(PromiseBase& p, TaskNode&) noexcept {
  if (p.node_ != nullptr) p.node_->sched().waiting_for_ = nullptr;
}

bool task_emit(PromiseBase& from, std::coroutine_handle<> h, Payload&& message) {
  TaskNode* n = &from.running_node("task::send");
  if (n->sched().concluding_) {
    // Sent while being aborted: the reference's conclude() drops the message
    // and queues the task to go on later.
    n->sched().stop_ = StopKind::yielded;
    n->resume_at_ = h;
    return true;
  }
  PromiseBase* f = &from;
  for (;;) {
    for (; f != nullptr; f = f->parent_) {
      if (f->tag_ != nullptr) message = Payload(task::Tagged{*f->tag_, std::move(message)});
      if (f->sink_ != nullptr) {
        f->sink_->deliver(f->sink_->context, std::move(message));
        return false;
      }
    }
    TaskGroup* g = n->sched().group_;
    if (g == nullptr || g->kind == TaskGroup::Kind::main) return false;  // dropped at the root
    if (g->kind == TaskGroup::Kind::loop) {
      g->loop_next(g->loop_context, std::move(message), *g);
      return false;
    }
    n = g->driver;
    f = g->driver_frame;
  }
}

bool join_begin(PromiseBase& p, std::coroutine_handle<> h, const NodeRef* forks, std::size_t count,
                TaskGroup*& g, void* storage) {
  TaskNode& me = p.running_node("task::join/task::group");
  TaskStrand& s = *me.sched().strand_;
  for (std::size_t i = 0; i < count; ++i) {
    TaskNode& f = *forks[i];
    if (f.parallel_) task_error("task::group of a parallel fork: join it on its own (fork.join())");
    if (node_started(f) && f.sched().strand_ != &s) {
      task_error("task::join/group of a fork that runs on another strand: fork it with "
                 "{.parallel = true} to join it from elsewhere");
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (forks[i]->status_ == task::Status::idle) s.activate(*forks[i]);
  }
  g = s.open_group(p, TaskGroup::Kind::group, storage);
  std::exception_ptr failure;
  for (std::size_t i = 0; i < count; ++i) {
    TaskNode& f = *forks[i];
    if (f.status_ == task::Status::finished) {
      if (!f.ok_ && !failure) failure = f.error_;
      continue;
    }
    s.move_into(f, *g);
  }
  if (failure) {
    g->failure = failure;
    s.abort_members(*g, failure);
    return false;
  }
  me.sched().joining_ = g;
  if (s.step_join(me)) return false;  // done without waiting
  me.sched().stop_ = StopKind::suspended;
  me.resume_at_ = h;
  return true;
}

void join_end(PromiseBase& p, TaskGroup*& g) {
  p.take_injected();  // aborted while joining (the awaiter's destructor closes g)
  if (g == nullptr) return;
  std::exception_ptr failure = g->failure;
  join_close(std::exchange(g, nullptr));
  if (failure) std::rethrow_exception(failure);
}

void join_close(TaskGroup* g, bool abandoned) noexcept {
  if (g == nullptr) return;
  if (abandoned) g->strand->exit_members(*g);
  g->strand->close_group(g);
}

TaskGroup* loop_open(PromiseBase& driver, LoopNext next, void* context) {
  TaskNode& me = driver.running_node("task::loop");
  TaskGroup* g = me.sched().strand_->open_group(driver, TaskGroup::Kind::loop);
  g->loop_next = next;
  g->loop_context = context;
  return g;
}

void loop_close(TaskGroup* g) noexcept {
  if (g != nullptr) g->strand->close_group(g);
}

void group_add(TaskGroup& g, NodeRef n) {
  // A member of a loop runs only there: it is live (a teardown finds it) but
  // never passes through MAIN.
  if (n->status_ == task::Status::finished) return;  // none()
  g.strand->enqueue_member(*n, g);
}

void group_step(TaskGroup& g) { g.strand->step(g); }

bool group_empty(const TaskGroup& g) noexcept { return g.active.empty() && g.idle_count == 0; }

// --- sleep ---------------------------------------------------------------------

struct SleepTicket final : runtime::TimerService::Timer {
  std::atomic<int> refs{2};  // the awaiter's and the timer's
  runtime::TaskWaker waker;
  runtime::SyndicateCore* core = nullptr;
  void release() noexcept {
    // acq_rel: the last one out frees the ticket after seeing the other's writes.
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  void fire() noexcept override {
    waker.fire();
    release();
  }
  void dropped() noexcept override { release(); }
};

SleepTicket* sleep_begin(PromiseBase& p, std::coroutine_handle<> h, std::chrono::nanoseconds d) {
  TaskNode& n = p.running_node("task::sleep");
  auto* t = new SleepTicket();
  t->waker = runtime::waker_for(n);
  t->core = n.sched().strand_->core();
  n.sched().stop_ = StopKind::suspended;
  n.resume_at_ = h;
  if (d < std::chrono::nanoseconds::zero()) d = std::chrono::nanoseconds::zero();
  if (!t->core->timers().schedule(t, d)) t->release();  // shutting down: the teardown ends the task
  return t;
}

void sleep_end(SleepTicket* t) noexcept {
  if (t == nullptr) return;
  if (t->core->timers().cancel(t)) t->release();  // the timer's reference: it will never fire
  t->release();
}

bool wait_value_begin(PromiseBase& p, std::coroutine_handle<> h) {
  TaskNode& n = p.running_node("task::wait");
  auto* w = new WakeAction();
  w->target = NodeRef(&n);
  w->seq = n.sched().wait_seq_;
  n.sched().stop_ = StopKind::suspended;
  n.resume_at_ = h;
  n.sched().strand_->queue_action(w);
  return true;
}

void queue_abort(TaskNode& target, std::exception_ptr error) {
  TaskStrand* s = target.sched().strand_;
  if (s == nullptr) return;
  auto* a = new AbortAction();
  a->target = NodeRef(&target);
  a->error = std::move(error);
  s->queue_action(a);
}

bool deferred_settle(TaskNode& n) noexcept {
  fire_listeners(n);
  return true;
}

}  // namespace ensemble::detail
