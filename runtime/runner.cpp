// Running an actor: one activation of up to messages_per_activation messages
// by the thread that holds the actor's mailbox token.
#include <exception>

#include "runtime/reply_slot.hpp"
#include "runtime/syndicate_core.hpp"

namespace ensemble::runtime {

namespace {
ENSEMBLE_HOT_TLS ActorCell* running_actor = nullptr;

class RunningScope {
 public:
  explicit RunningScope(ActorCell* a) noexcept : saved_(std::exchange(running_actor, a)) {}
  ~RunningScope() { running_actor = saved_; }
  RunningScope(const RunningScope&) = delete;
  RunningScope& operator=(const RunningScope&) = delete;

 private:
  ActorCell* saved_;
};

std::string describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}
}  // namespace

ActorCell* current_actor() noexcept { return running_actor; }

HandlerState& side_of(ActorCell& a) {
  // acquire: pairs with the release CAS below, so the state is seen initialised.
  HandlerState* s = a.side_.load(std::memory_order_acquire);
  if (s != nullptr) return *s;
  auto* fresh = new HandlerState();
  // release: publishes the new state; acquire on failure: see the winner's.
  if (a.side_.compare_exchange_strong(s, fresh, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
    return *fresh;
  }
  delete fresh;
  return *s;
}

void lock_side(ActorCell& a) noexcept {
  // acquire: pairs with the release in unlock_side; the lock's critical
  // sections are a few instructions, so spinning beats sleeping.
  while ((a.set_flag(detail::flag_side_lock) & detail::flag_side_lock) != 0) {
    while (a.has_flag(detail::flag_side_lock)) cpu_relax();
  }
}

void unlock_side(ActorCell& a) noexcept { a.clear_flag(detail::flag_side_lock); }

RunOutcome SyndicateCore::run_entry(void* self, ActorCell* a) {
  return static_cast<SyndicateCore*>(self)->run_actor(a);
}

RunOutcome SyndicateCore::run_actor(ActorCell* a) {
  RunningScope scope(a);
  if (a->has_flag(detail::flag_stopped)) return run_stopped(a);
  // acquire: pairs with the release in side_of.
  if (HandlerState* hs = a->side_.load(std::memory_order_acquire)) {
    if (hs->task) {
      // Re-scheduled by resume_actor: the awaited thing finished.
      hs->task_state.store(task_running, std::memory_order_relaxed);  // relaxed: token holder only
      if (drive_task(a, *hs) == RunOutcome::suspended) return RunOutcome::suspended;
    }
    if (hs->stopping) return finish_stop(a);  // the last child finished stopping
  }
  Mailbox& box = a->mailbox();
  for (std::size_t n = 0; n < config_.messages_per_activation; ++n) {
    if (a->has_flag(detail::flag_stop_requested)) return begin_stop(a);
    MailboxNode* node = box.pop();
    if (node == nullptr) {
      // Once the mailbox is idle the actor is no longer ours: another thread
      // may take the token, stop it and free it. Touch nothing after this.
      if (box.try_mark_idle()) return RunOutcome::idle;
      node = box.pop();
      if (node == nullptr) return RunOutcome::yield;  // a push is in flight (mailbox P4)
    }
    if (handle(a, static_cast<Envelope*>(node)) == RunOutcome::suspended) {
      return RunOutcome::suspended;
    }
  }
  return RunOutcome::yield;
}

RunOutcome SyndicateCore::handle(ActorCell* a, Envelope* env) {
  if (env->control != 0) {  // a stop nudge: the flag check at the loop's top acts on it
    free_envelope(env);
    return RunOutcome::idle;
  }
  Message& m = env->message;
  if (m.is<StatusRequest>()) {
    reply(a, m, ActorStatus{a->object()->class_name(), a->address().to_string()});
    free_envelope(env);
    return RunOutcome::idle;
  }
  if (auto* exit = m.get_if<ActorExitRequest>()) {
    request_stop(a, std::move(exit->reason), StopMode::notify_parent);
    free_envelope(env);
    return RunOutcome::idle;
  }
  bool failed = false;
  detail::DispatchResult r = dispatch_guarded(a, env, failed);
  if (failed) return RunOutcome::idle;
  if (r.task) return start_task(a, env, r);
  if (r.reply.has_value()) reply(a, m, std::move(r.reply));
  free_envelope(env);
  return RunOutcome::idle;
}

detail::DispatchResult SyndicateCore::dispatch_guarded(ActorCell* a, Envelope* env, bool& failed) {
  // Returned by value straight into the caller's variable (no move-assign of
  // the reply payload on the hot path).
  try {
    return a->type()->dispatch(*a->object(), env->message);
  } catch (...) {
    failed = true;
    handler_failed(a, env, describe(std::current_exception()));
    return {};
  }
}

RunOutcome SyndicateCore::start_task(ActorCell* a, Envelope* env, detail::DispatchResult& r) {
  HandlerState& hs = side_of(*a);
  hs.task = r.task;
  hs.resume_at = r.task;
  hs.finish = r.finish;
  hs.envelope = env;
  hs.task_state.store(task_running, std::memory_order_relaxed);  // relaxed: no completer exists yet
  return drive_task(a, hs);
}

RunOutcome SyndicateCore::drive_task(ActorCell* a, HandlerState& hs) {
  for (;;) {
    hs.resume_at.resume();
    if (hs.task.done()) {
      complete_task(a, hs);
      return RunOutcome::idle;
    }
    std::uint32_t expected = task_running;
    // acq_rel: release hands this worker's writes to whoever re-schedules us;
    // acquire (also on failure) sees what a completer that came first stored.
    if (hs.task_state.compare_exchange_strong(expected, task_suspended, std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
      return RunOutcome::suspended;
    }
    // The completer came first (task_ready): go on at once.
    hs.task_state.store(task_running, std::memory_order_relaxed);  // relaxed: token holder only
  }
}

void SyndicateCore::complete_task(ActorCell* a, HandlerState& hs) {
  std::coroutine_handle<> task = std::exchange(hs.task, {});
  Envelope* env = std::exchange(hs.envelope, nullptr);
  Payload result;
  std::exception_ptr failure;
  try {
    result = hs.finish(task);
  } catch (...) {
    failure = std::current_exception();
  }
  task.destroy();
  if (failure) {
    handler_failed(a, env, describe(failure));
    return;
  }
  if (result.has_value()) reply(a, env->message, std::move(result));
  free_envelope(env);
}

void SyndicateCore::reply(ActorCell* a, const Message& request, Payload content) {
  if (!request.sender()) return;
  Message m = make_message(std::move(content), a->address());
  m.set_correlation_id(request.id());
  tell(request.sender(), std::move(m));
}

void SyndicateCore::handler_failed(ActorCell* a, Envelope* env, const std::string& what) {
  dead_letter(std::move(env->message), a->address(),
              std::string(reasons::handler_failed) + ": " + what);
  free_envelope(env);
  request_stop(a, reasons::handler_failed, StopMode::notify_parent);
}

RunOutcome SyndicateCore::run_stopped(ActorCell* a) {
  // A stopped actor holds its token only to bounce late mail; the token
  // holder also holds one reference, dropped when the mailbox goes idle.
  Mailbox& box = a->mailbox();
  for (;;) {
    while (MailboxNode* node = box.pop()) bounce(a, static_cast<Envelope*>(node));
    if (box.try_mark_idle()) {
      a->release();
      return RunOutcome::idle;
    }
    MailboxNode* node = box.pop();
    if (node == nullptr) return RunOutcome::yield;  // a push is in flight
    bounce(a, static_cast<Envelope*>(node));
  }
}

void SyndicateCore::bounce(ActorCell* a, Envelope* env) {
  if (env->control == 0) {
    const char* reason = shut_down() ? reasons::shut_down : reasons::not_found;
    // An ask whose request bounces fails now rather than at its time-out.
    if (detail::Cell* s = env->message.sender().cell(); s != nullptr && s->kind() == detail::CellKind::reply) {
      static_cast<ReplySlot*>(s)->reject(reason);
    }
    dead_letter(std::move(env->message), a->address(), reason);
  }
  free_envelope(env);
}

}  // namespace ensemble::runtime
