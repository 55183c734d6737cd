// The worker loop and queue discipline described in work_stealing_pool.hpp.
#include "runtime/sched/work_stealing_pool.hpp"

#include "runtime/sched/topology.hpp"

#include <cstdio>
#include <cstdlib>

namespace ensemble::runtime {

constinit ENSEMBLE_HOT_TLS WorkStealingPool::Worker* current_worker = nullptr;

namespace {

// moodycamel's enqueue fails only when it cannot allocate a block. Dropping
// the actor would lose its token and every message queued to it, silently;
// out of memory, the honest thing left is to stop loudly.
[[noreturn]] void injector_out_of_memory() {
  std::fputs("ensemble: out of memory in the injection queue; an actor cannot be scheduled\n",
             stderr);
  std::abort();
}
}

WorkStealingPool::WorkStealingPool(std::size_t workers, ActorRunner run)
    : run_(run), parking_(workers) {
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>(*this, i));
}

WorkStealingPool::~WorkStealingPool() { stop_threads(); }

std::vector<ActorCell*> WorkStealingPool::stop() {
  stop_threads();
  return collect_leftovers();
}

void WorkStealingPool::start() {
  if (started_) return;
  started_ = true;
  for (auto& w : workers_) {
    Worker* raw = w.get();
    raw->thread = std::thread([this, raw] { worker_main(*raw); });
  }
}

void WorkStealingPool::stop_threads() {
  // seq_cst: pairs with schedule() (see submitting_) and with the acquire
  // loads in worker_main.
  stopping_.store(true, std::memory_order_seq_cst);
  parking_.wake_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  // acquire: pairs with the release decrement in schedule(); a submitter
  // that missed stopping_ has enqueued by the time this reads zero.
  while (submitting_.load(std::memory_order_acquire) != 0) cpu_relax();
}

std::vector<ActorCell*> WorkStealingPool::collect_leftovers() {
  std::vector<ActorCell*> out;
  for (auto& w : workers_) {
    if (w->lifo != nullptr) out.push_back(std::exchange(w->lifo, nullptr));
    // The workers are joined, so this thread may act as every ring's owner.
    while (ActorCell* a = w->ring.pop()) out.push_back(a);
  }
  ActorCell* a = nullptr;
  while (injector_.try_dequeue(a)) out.push_back(a);
  return out;
}

bool WorkStealingPool::on_own_thread() const noexcept {
  return current_worker != nullptr && &current_worker->sched == this;
}

bool WorkStealingPool::schedule_external(ActorCell* actor) noexcept {
  // seq_cst pair with stop_threads(): either we see stopping_ and keep the
  // actor, or stop() sees us submitting and waits before collecting.
  submitting_.fetch_add(1, std::memory_order_seq_cst);
  if (stopping_.load(std::memory_order_seq_cst)) {
    submitting_.fetch_sub(1, std::memory_order_release);
    return false;
  }
  if (!injector_.enqueue(actor)) injector_out_of_memory();
  parking_.notify();
  // release: stop() (acquire) then sees the enqueued actor.
  submitting_.fetch_sub(1, std::memory_order_release);
  return true;
}

void WorkStealingPool::push_back_local(Worker& w, ActorCell* a, bool notify) {
  w.ring.push_or_overflow(a, [&](ActorCell** items, std::size_t n) {
    if (!injector_.enqueue_bulk(w.producer, items, n)) injector_out_of_memory();
  });
  if (notify) parking_.notify();
}

ActorCell* WorkStealingPool::take_injected(Worker& w) {
  // Take a batch: one to run now, the rest into the ring where they are cheap
  // to pop and can be stolen.
  ActorCell* batch[injected_batch];
  std::size_t n = injector_.try_dequeue_bulk(w.consumer, batch, injected_batch);
  if (n == 0) return nullptr;
  for (std::size_t i = 1; i < n; ++i) push_back_local(w, batch[i], false);
  if (n > 1) parking_.notify();
  return batch[0];
}

ActorCell* WorkStealingPool::steal(Worker& w) {
  const std::size_t n = workers_.size();
  if (n < 2) return nullptr;
  std::size_t start = w.next_random() % n;
  for (std::size_t k = 0; k < n; ++k) {
    Worker& victim = *workers_[(start + k) % n];
    if (&victim == &w) continue;
    if (ActorCell* a = victim.ring.steal_into(w.ring)) return a;
  }
  return nullptr;
}

ActorCell* WorkStealingPool::find_work(Worker& w) {
  // The injection queue first, every injector_interval ticks (run_one counts
  // them too and flags the turn): it holds every tell from a plain thread,
  // timer firings and wakes from other threads, and a conversation that
  // lives in the LIFO slot would otherwise keep it waiting for ever. The
  // slot's actor then goes behind the ring's.
  if (++w.tick % injector_interval == 0 || w.injector_due) {
    w.injector_due = false;
    if (ActorCell* a = take_injected(w)) {
      if (w.lifo != nullptr) push_back_local(w, std::exchange(w.lifo, nullptr), false);
      w.lifo_streak = 0;
      return a;
    }
  }
  if (w.lifo != nullptr) {
    if (w.lifo_streak < lifo_streak_limit) {
      ++w.lifo_streak;
      return std::exchange(w.lifo, nullptr);
    }
    // Fairness: the slot's actor has run often enough in a row; it goes behind
    // the ring's actors. No notify: this worker gets to it soon, and waking a
    // sleeper here would split a busy pair across cores.
    push_back_local(w, std::exchange(w.lifo, nullptr), false);
  }
  w.lifo_streak = 0;
  if (ActorCell* a = w.ring.pop()) return a;
  if (ActorCell* a = take_injected(w)) return a;

  if (!w.searching) {
    if (!parking_.try_become_searcher()) return nullptr;
    w.searching = true;
  }
  // A few rounds before giving up: work often appears within microseconds of
  // the last message, and parking then waking costs tens of microseconds.
  for (int round = 0; round < search_rounds; ++round) {
    if (ActorCell* a = steal(w)) return a;
    if (ActorCell* a = take_injected(w)) return a;
    for (int i = 0; i < relax_spins; ++i) cpu_relax();
  }
  return nullptr;
}

bool WorkStealingPool::has_work_anywhere() const noexcept {
  if (injector_.size_approx() != 0) return true;
  for (const auto& w : workers_) {
    if (!w->ring.approx_empty()) return true;
  }
  return false;
}

void WorkStealingPool::run_one(Worker& w, ActorCell* a) {
  if (w.searching) {
    // Found work: stop searching, and if we were the last searcher let the next
    // sleeper look for the rest (the burst fans out one worker at a time).
    w.searching = false;
    if (parking_.stop_searching()) parking_.notify();
  }
  for (;;) {
    if (run_(a) == RunOutcome::yield) {
      // Budget used up. With nothing else waiting on this worker (slot and
      // ring empty) it goes on here: in the ring it would wake a sleeper only
      // to be stolen and run on another core, a migration per 64 messages
      // for an actor that a stream keeps busy. The injection queue still gets
      // its turn every injector_interval activations.
      if (w.lifo == nullptr && w.ring.approx_empty()) {
        if (++w.tick % injector_interval != 0) continue;
        w.injector_due = true;
      }
      push_back_local(w, a, true);
      return;
    }
    // The actor it just woke (a reply, the next hop) runs next, without the
    // trip through find_work: the common case of a conversation between two
    // actors. The streak limit still applies, and every 61st tick find_work
    // looks at the injection queue first (injector_due).
    if (w.lifo == nullptr) return;
    if (++w.tick % injector_interval == 0) {
      w.injector_due = true;  // find_work looks at the injection queue first
      return;
    }
    if (w.lifo_streak >= lifo_streak_limit) {
      // The streak limit exists so the slot's actor cannot starve the ring's.
      // With the ring empty nobody here waits: keep the conversation going
      // rather than pass the actor through the ring (a push and a pop).
      if (!w.ring.approx_empty()) return;
      w.lifo_streak = 0;
    }
    ++w.lifo_streak;
    a = std::exchange(w.lifo, nullptr);
  }
}

void WorkStealingPool::worker_main(Worker& w) {
  current_worker = &w;
  // A refusal (a container's cpuset, a restricted affinity) leaves the worker
  // where the kernel put it: pinning is a placement hint, not a guarantee.
  if (pinned_) (void)Topology::machine().pin_worker(w.index);
  // acquire: pairs with the release store in stop_threads.
  while (!stopping_.load(std::memory_order_acquire)) {
    if (ActorCell* a = find_work(w)) {
      run_one(w, a);
      continue;
    }
    if (w.searching) {
      w.searching = false;
      parking_.stop_searching();  // park() below re-checks every queue (INV-2)
    }
    w.searching = parking_.park(w.index, [this] { return has_work_anywhere(); });
  }
  current_worker = nullptr;
}

}  // namespace ensemble::runtime
