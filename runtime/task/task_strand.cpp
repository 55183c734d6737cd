// The actress scheduling algorithm on one strand (see task_strand.hpp).
#include "runtime/task/task_strand.hpp"

#include <new>
#include <utility>
#include <vector>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

NodeQueue::~NodeQueue() {
  if (buf_ != inline_) delete[] buf_;
}

void NodeQueue::grow() {
  std::size_t cap = cap_ * 2;
  auto* fresh = new detail::TaskNode*[cap];
  for (std::size_t i = 0; i < size_; ++i) fresh[i] = at(i);
  if (buf_ != inline_) delete[] buf_;
  buf_ = fresh;
  cap_ = cap;
  head_ = 0;
}

void NodeQueue::push_back(detail::TaskNode* n) {
  if (size_ == cap_) grow();
  buf_[(head_ + size_) & (cap_ - 1)] = n;
  ++size_;
  ++n->sched().queued_;
}

detail::TaskNode* NodeQueue::pop_front() noexcept {
  detail::TaskNode* n = buf_[head_];
  head_ = (head_ + 1) & (cap_ - 1);
  --size_;
  --n->sched().queued_;
  return n;
}

bool NodeQueue::remove(detail::TaskNode* n) noexcept {
  // A node queued once may be looked for from both ends at the same time, so
  // joining forks in any order costs the distance to the nearer end; with
  // repeats, the first entry is the one to take, so only the front scan runs.
  const bool unique = n->sched().queued_ == 1;
  std::size_t found = size_;
  for (std::size_t i = 0, j = size_; i < j; ++i) {
    if (at(i) == n) {
      found = i;
      break;
    }
    if (unique && at(j - 1) == n) {
      found = j - 1;
      break;
    }
    if (unique) --j;
  }
  if (found == size_) return false;
  if (found < size_ / 2) {
    // Shift the entries before it one place towards the back.
    for (std::size_t k = found; k > 0; --k) buf_[(head_ + k) & (cap_ - 1)] = at(k - 1);
    head_ = (head_ + 1) & (cap_ - 1);
  } else {
    for (std::size_t k = found; k + 1 < size_; ++k) buf_[(head_ + k) & (cap_ - 1)] = at(k + 1);
  }
  --size_;
  --n->sched().queued_;
  return true;
}

}  // namespace ensemble::runtime

namespace ensemble::detail {

void fire_listeners(TaskNode& n) noexcept {
  SettleListener* l;
  if (n.parallel_) {
    // Settled off the strands that wait for it (a parallel fork, a Deferred):
    // registrants race with us. acq_rel: release publishes the node's result
    // to every listener and to a later registrant that sees the marker;
    // acquire sees what the registrants wrote.
    l = n.listeners_.exchange(TaskNode::settled_marker(), std::memory_order_acq_rel);
  } else {
    // Only its own strand registers listeners on a strand-local node (and
    // task::run, before the node starts, ordered by the start's hand-off), so
    // no registrant can race with us. relaxed load: our own thread's writes;
    // release store: readers of the marker see the result.
    l = n.listeners_.load(std::memory_order_relaxed);
    n.listeners_.store(TaskNode::settled_marker(), std::memory_order_release);
  }
  if (l == TaskNode::settled_marker()) return;
  while (l != nullptr) {
    SettleListener* next = l->next_listener;
    l->settled(n);  // may free l
    l = next;
  }
}

void destroy_frames(TaskNode& n) noexcept {
  if (!n.root_) return;
  auto root = std::exchange(n.root_, {});
  n.resume_at_ = {};
  n.root_promise_ = nullptr;
  const bool was_running = std::exchange(n.sched().running_, true);
  root.destroy();
  n.sched().running_ = was_running;
}

void finish_unstarted(TaskNode& n, bool ok, std::exception_ptr error) noexcept {
  destroy_frames(n);
  n.ok_ = ok;
  n.error_ = std::move(error);
  n.status_ = task::Status::finished;
  fire_listeners(n);
}

TaskStrand::TaskStrand(runtime::SyndicateCore* core, runtime::ActorCell* host, bool tree) noexcept
    : core_(core), host_(host), tree_(tree) {
  main_.kind = TaskGroup::Kind::main;
  main_.strand = this;
}

TaskStrand::~TaskStrand() {
  if (live_count_ != 0 || !main_.active.empty()) teardown(nullptr);
}

// --- lists ---------------------------------------------------------------

void TaskStrand::idle_add(TaskGroup& g, TaskNode& n) noexcept {
  if (n.sched().in_idle_) return;
  n.sched().in_idle_ = true;
  n.sched().idle_prev_ = g.idle_tail;
  n.sched().idle_next_ = nullptr;
  if (g.idle_tail != nullptr) {
    g.idle_tail->sched().idle_next_ = &n;
  } else {
    g.idle_head = &n;
  }
  g.idle_tail = &n;
  ++g.idle_count;
}

void TaskStrand::idle_erase(TaskGroup& g, TaskNode& n) noexcept {
  if (!n.sched().in_idle_) return;
  n.sched().in_idle_ = false;
  if (n.sched().idle_prev_ != nullptr) {
    n.sched().idle_prev_->sched().idle_next_ = n.sched().idle_next_;
  } else {
    g.idle_head = n.sched().idle_next_;
  }
  if (n.sched().idle_next_ != nullptr) {
    n.sched().idle_next_->sched().idle_prev_ = n.sched().idle_prev_;
  } else {
    g.idle_tail = n.sched().idle_prev_;
  }
  n.sched().idle_prev_ = n.sched().idle_next_ = nullptr;
  --g.idle_count;
}

void TaskStrand::hold(TaskNode& n) noexcept {
  if (n.sched().held_) return;
  n.sched().held_ = true;
  n.retain();
}

void TaskStrand::maybe_drop(TaskNode& n) noexcept {
  if (!n.sched().held_ || n.status_ != task::Status::finished || n.sched().queued_ != 0) return;
  if (n.sched().live_prev_ != nullptr || live_head_ == &n) return;
  n.sched().held_ = false;
  n.release();  // may free n
}

void TaskStrand::live_add(TaskNode& n) noexcept {
  hold(n);
  n.sched().live_prev_ = live_tail_;
  n.sched().live_next_ = nullptr;
  if (live_tail_ != nullptr) {
    live_tail_->sched().live_next_ = &n;
  } else {
    live_head_ = &n;
  }
  live_tail_ = &n;
  ++live_count_;
}

void TaskStrand::live_erase(TaskNode& n) noexcept {
  if (n.sched().live_prev_ != nullptr) {
    n.sched().live_prev_->sched().live_next_ = n.sched().live_next_;
  } else {
    live_head_ = n.sched().live_next_;
  }
  if (n.sched().live_next_ != nullptr) {
    n.sched().live_next_->sched().live_prev_ = n.sched().live_prev_;
  } else {
    live_tail_ = n.sched().live_prev_;
  }
  n.sched().live_prev_ = n.sched().live_next_ = nullptr;
  --live_count_;
}

// --- activation and queueing ---------------------------------------------

void TaskStrand::activate(TaskNode& n) {
  if (n.status_ != task::Status::idle) return;  // idempotent, as in the Python port
  adopt(n, main_);
  enqueue(n);
}

void TaskStrand::adopt(TaskNode& n, TaskGroup& g) noexcept {
  n.status_ = task::Status::active;
  n.sched().strand_ = this;
  if (n.sched().host_ == nullptr) n.sched().set_host(host_->address());  // a tree root or parallel fork came with it set
  n.sched().group_ = &g;
  live_add(n);
}

void TaskStrand::enqueue(TaskNode& n) {
  TaskGroup* g = n.sched().group_ != nullptr ? n.sched().group_ : &main_;
  n.sched().group_ = g;
  hold(n);
  g->active.push_back(&n);
  idle_erase(*g, n);
  wake_drivers(g);
  drain();
}

void TaskStrand::wake_drivers(TaskGroup* g) {
  // Walk up: while a group's driver is idle in its own group, move it to that
  // group's active queue. Stop at the first driver that is not idle.
  while (g->kind != TaskGroup::Kind::main) {
    TaskNode* d = g->driver;
    TaskGroup* parent = d->sched().group_;
    // A driver being aborted is running (its catch blocks): queueing it too
    // would leave an entry that resumes it later at some other suspension point.
    if (parent == nullptr || !d->sched().in_idle_ || d->sched().running_) break;
    idle_erase(*parent, *d);
    hold(*d);
    parent->active.push_back(d);
    g = parent;
  }
}

void TaskStrand::enqueue_member(TaskNode& n, TaskGroup& g) {
  adopt(n, g);
  g.active.push_back(&n);
}

void TaskStrand::queue_action(TaskNode* action) {
  action->status_ = task::Status::active;
  action->sched().strand_ = this;
  action->sched().group_ = &main_;
  action->sched().held_ = true;  // adopts the caller's reference
  main_.active.push_back(action);
  drain();
}

void TaskStrand::drain() {
  if (draining_ || tearing_down_) return;
  draining_ = true;
  ++drains_;
  for (;;) {
    try {
      step(main_);
      break;
    } catch (...) {
      // step(MAIN) swallows task failures; anything else (out of memory in
      // the scheduler's own lists) drops the head, as the reference's MAIN does.
      if (!main_.active.empty()) maybe_drop(*main_.active.pop_front());
    }
  }
  draining_ = false;
}

// --- driving ---------------------------------------------------------------

void TaskStrand::step(TaskGroup& g) {
  while (!g.active.empty()) {
    TaskNode* t = g.active.front();
    if (t->sched().group_ == &g) idle_erase(g, *t);
    const bool failed = t->status_ != task::Status::finished && !t->sched().running_ && !drive(*t);
    // MAIN swallows failures (the fork keeps its result); a joined group
    // rethrows them to its driver.
    if (failed && g.kind != TaskGroup::Kind::main) {
      std::exception_ptr error = t->error_;
      if (!g.active.empty() && g.active.front() == t) {
        g.active.pop_front();
        maybe_drop(*t);
      }
      std::rethrow_exception(error);
    }
    if (!g.active.empty() && g.active.front() == t) {
      g.active.pop_front();
      maybe_drop(*t);  // may free t
    }
  }
}

void TaskStrand::resume_node(TaskNode& n, bool concluding) {
  ++n.sched().wait_seq_;  // wake-ups issued for the previous suspension are stale now
  n.sched().stop_ = StopKind::none;
  n.sched().running_ = true;
  n.sched().concluding_ = concluding;
  n.resume_at_.resume();
  n.sched().running_ = false;
  n.sched().concluding_ = false;
}

bool TaskStrand::drive(TaskNode& n) {
  if (n.sched().action_) {
    n.status_ = task::Status::finished;
    n.run_action();
    return true;
  }
  if (n.sched().waiting_for_ != nullptr && !node_finished(*n.sched().waiting_for_)) {
    // Resumed before what it waits for settled (a resume() from anyone is
    // legal): it waits on, as the reference's join loop would.
    idle_add(*n.sched().group_, n);
    return true;
  }
  if (n.sched().joining_ != nullptr) {
    // Its join's group is stepped on its behalf (the reference's group loop:
    // step, then suspend while members remain); it goes on once it is empty.
    n.sched().running_ = true;
    bool over = step_join(n);
    n.sched().running_ = false;
    if (!over) {
      idle_add(*n.sched().group_, n);
      return true;
    }
  }
  resume_node(n, false);
  if (n.root_.done()) {
    finish_from_root(n);
    return n.ok_;
  }
  // Suspended (or stopped by an awaitable that is not ensemble's: treated
  // the same, so the strand never spins on it).
  idle_add(*n.sched().group_, n);
  return true;
}

void TaskStrand::finish_from_root(TaskNode& n) noexcept {
  PromiseBase* p = n.root_promise_;
  if (p->error_) {
    n.ok_ = false;
    n.error_ = p->error_;
  } else {
    n.harvest();
    n.ok_ = true;
  }
  destroy_frames(n);
  settle(n);
}

void TaskStrand::settle(TaskNode& n) noexcept {
  n.status_ = task::Status::finished;
  if (n.sched().in_idle_ && n.sched().group_ != nullptr) idle_erase(*n.sched().group_, n);
  if (n.sched().live_prev_ != nullptr || live_head_ == &n) live_erase(n);
  fire_listeners(n);
  maybe_drop(n);  // the strand's reference goes once no queue entry is left
}

// --- abort and exit ------------------------------------------------------------

void TaskStrand::after_conclude(TaskNode& n) {
  if (n.status_ == task::Status::finished) {
    // A member that finished outside its group's step: let a waiting driver
    // see its group empty.
    TaskGroup* g = n.sched().group_;
    if (g != nullptr && g->kind != TaskGroup::Kind::main && !g->closing && g->active.empty() &&
        g->idle_count == 0 && (g->kind == TaskGroup::Kind::loop || g->driver->sched().joining_ == g)) {
      wake_drivers(g);
      drain();
    }
    return;
  }
  if (n.sched().stop_ == StopKind::yielded) {
    enqueue(n);  // it sent a message while being aborted: it goes on later
  } else {
    idle_add(*n.sched().group_, n);
  }
}

void TaskStrand::conclude_abort(TaskNode& n, std::exception_ptr error) {
  if (n.status_ == task::Status::finished || n.sched().running_) return;  // the reference swallows both
  if (n.status_ == task::Status::idle) {
    // Never started: none of its body runs.
    abandon(n, std::move(error));
    return;
  }
  if (n.sched().joining_ != nullptr) {
    // Aborted while joining: the group's members are aborted first, then the
    // error is thrown at the join (the reference's group() catch block).
    // Meanwhile the joiner counts as running, so a drain that those aborts
    // start does not drive it (or abort it) behind our back.
    TaskGroup* g = std::exchange(n.sched().joining_, nullptr);
    n.sched().running_ = true;
    abort_members(*g, error);
    n.sched().running_ = false;
    if (n.status_ == task::Status::finished || !n.root_) return;
  }
  n.sched().waiting_for_ = nullptr;
  n.inject_ = std::move(error);
  resume_node(n, true);
  n.inject_ = nullptr;  // not taken: the awaiter that resumed ignores aborts
  if (n.root_ && n.root_.done()) finish_from_root(n);  // its failure is swallowed (kept as its result)
  after_conclude(n);
}

void TaskStrand::conclude_exit(TaskNode& n, void (*store)(TaskNode&, void*), void* value) {
  if (n.status_ == task::Status::finished || n.sched().running_) return;
  n.sched().waiting_for_ = nullptr;
  destroy_frames(n);  // unwinds running only destructors: C++'s finally
  if (store != nullptr) store(n, value);
  if (n.status_ == task::Status::idle) {
    finish_unstarted(n, true, nullptr);
    return;
  }
  n.ok_ = true;
  n.error_ = nullptr;
  settle(n);
  after_conclude(n);
}

void TaskStrand::abandon(TaskNode& n, std::exception_ptr why) noexcept {
  if (n.status_ == task::Status::finished) return;
  n.sched().waiting_for_ = nullptr;
  n.sched().joining_ = nullptr;
  if (n.status_ == task::Status::idle) {
    finish_unstarted(n, false, std::move(why));
    return;
  }
  destroy_frames(n);
  n.ok_ = false;
  n.error_ = std::move(why);
  settle(n);
}

// --- groups ------------------------------------------------------------------

TaskGroup* TaskStrand::open_group(PromiseBase& driver_frame, TaskGroup::Kind kind, void* storage) {
  TaskGroup* g = storage != nullptr ? ::new (storage) TaskGroup() : new TaskGroup();
  g->embedded = storage != nullptr;
  g->kind = kind;
  g->strand = this;
  g->driver = driver_frame.node_;
  g->driver_frame = &driver_frame;
  return g;
}

void TaskStrand::move_into(TaskNode& fork, TaskGroup& g) {
  TaskGroup* from = fork.sched().group_ != nullptr ? fork.sched().group_ : &main_;
  if (from == &g) return;
  fork.sched().group_ = &g;
  if (fork.sched().in_idle_) {
    idle_erase(*from, fork);
    idle_add(g, fork);
  } else if (from->active.remove(&fork)) {
    g.active.push_back(&fork);  // the queue entry's reference moves with it
  }
}

void TaskStrand::abort_members(TaskGroup& g, std::exception_ptr error) {
  std::vector<NodeRef> active;
  for (std::size_t i = 0; i < g.active.size(); ++i) active.emplace_back(g.active.at(i));
  std::vector<NodeRef> idle;
  for (TaskNode* n = g.idle_head; n != nullptr; n = n->sched().idle_next_) idle.emplace_back(n);
  for (auto& n : active) conclude_abort(*n, error);
  for (auto& n : idle) {
    conclude_abort(*n, error);
    if (n->status_ != task::Status::finished && n->sched().group_ == &g) enqueue(*n);
  }
}

void TaskStrand::exit_members(TaskGroup& g) noexcept {
  g.closing = true;
  try {
    std::vector<NodeRef> members;
    for (std::size_t i = 0; i < g.active.size(); ++i) members.emplace_back(g.active.at(i));
    for (TaskNode* n = g.idle_head; n != nullptr; n = n->sched().idle_next_) members.emplace_back(n);
    for (auto& n : members) {
      if (n->status_ != task::Status::finished && !n->sched().running_) conclude_exit(*n, nullptr, nullptr);
    }
  } catch (...) {
    // Out of memory for the list: the members stay dormant (a teardown ends them).
  }
}

void TaskStrand::close_group(TaskGroup* g) noexcept {
  if (g == nullptr) return;
  if (g->driver != nullptr && g->driver->sched().joining_ == g) g->driver->sched().joining_ = nullptr;
  // Members left behind (the group failed, or its driver was destroyed) go
  // dormant in MAIN: only a resume or a join brings them back, and a teardown
  // finds them there.
  // Their pending wake-ups (a timer, a reply) go stale, as in the reference,
  // where they stay in the dead group for good.
  while (!g->active.empty()) {
    TaskNode* n = g->active.pop_front();
    if (n->sched().group_ == g) {
      n->sched().group_ = &main_;
      if (n->status_ != task::Status::finished) {
        ++n->sched().wait_seq_;
        idle_add(main_, *n);
      }
    }
    maybe_drop(*n);
  }
  while (g->idle_head != nullptr) {
    TaskNode* n = g->idle_head;
    idle_erase(*g, *n);
    n->sched().group_ = &main_;
    ++n->sched().wait_seq_;
    idle_add(main_, *n);
  }
  if (g->embedded) {
    g->~TaskGroup();
  } else {
    delete g;
  }
}

bool TaskStrand::step_join(TaskNode& n) {
  TaskGroup& g = *n.sched().joining_;
  try {
    step(g);
  } catch (...) {
    n.sched().joining_ = nullptr;
    g.failure = std::current_exception();
    abort_members(g, g.failure);
    return true;
  }
  if (!g.active.empty() || g.idle_count != 0) return false;
  n.sched().joining_ = nullptr;
  return true;
}

// --- teardown ------------------------------------------------------------------

void TaskStrand::teardown(std::exception_ptr why) noexcept {
  if (!why) why = std::make_exception_ptr(ActorStopped("task stopped: its strand is shutting down"));
  tearing_down_ = true;
  draining_ = true;  // nothing runs on from here but what an abort itself runs
  try {
    std::vector<NodeRef> live;
    for (TaskNode* n = live_head_; n != nullptr; n = n->sched().live_next_) live.emplace_back(n);
    for (auto& n : live) {
      if (n->status_ != task::Status::finished && !n->sched().running_) {
        try {
          conclude_abort(*n, why);
        } catch (...) {
        }
      }
    }
  } catch (...) {
    // Out of memory for the snapshot: go straight to destroying.
  }
  while (live_head_ != nullptr) {
    NodeRef n(live_head_);
    abandon(*n, why);
    if (live_head_ == n.get()) {  // cannot happen; never loop forever
      live_erase(*n);
      maybe_drop(*n);
    }
  }
  while (!main_.active.empty()) {
    TaskNode* n = main_.active.pop_front();
    if (n->sched().action_) n->status_ = task::Status::finished;  // never ran
    maybe_drop(*n);
  }
  while (main_.idle_head != nullptr) idle_erase(main_, *main_.idle_head);
}

}  // namespace ensemble::detail
