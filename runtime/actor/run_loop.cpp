// Running an actor: one activation of up to messages_per_activation messages
// by the thread that holds the actor's mailbox token.
#include <exception>

#include "runtime/ask/reply_slot.hpp"
#include "runtime/ask/run_token.hpp"
#include "runtime/actor/run_loop.hpp"

#include "runtime/core/syndicate_core.hpp"

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
bool is_actor_stopped(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const ActorStopped&) {
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace

ActorCell* current_actor() noexcept { return running_actor; }

void fail_waiting_ask(const Message& request, const char* reason) noexcept {
  reject_waiting_ask(request.sender().cell(), reason);
}

// The next envelope of the mailbox, or null once the caller must return
// `out`: the mailbox went idle (the token is given up: touch nothing after
// this, another thread may stop and free the actor) or a push is in flight
// (mailbox P4).
inline Envelope* pop_or_release(Mailbox& box, RunOutcome& out) noexcept {
  MailboxNode* node = box.pop();
  if (node == nullptr) {
    if (box.try_mark_idle()) {
      out = RunOutcome::idle;
      return nullptr;
    }
    node = box.pop();
    if (node == nullptr) {
      out = RunOutcome::yield;
      return nullptr;
    }
  }
  return static_cast<Envelope*>(node);
}

RunOutcome RunLoop::run_entry(void* self, ActorCell* a) {
  return static_cast<RunLoop*>(self)->run(a);
}

void RunLoop::run_here(ActorCell* a) noexcept {
  // The executor is gone (shutdown), or the caller stops the actor itself:
  // whoever holds the token finishes the job. After shutdown every actor is
  // stopped, so this only bounces late mail; a push still in flight is
  // waited for (its producer is about to link it).
  while (run(a) == RunOutcome::yield) cpu_relax();
}

RunOutcome RunLoop::run(ActorCell* a) {
  RunningScope scope(a);
  // One load for both: STOPPED only bounces late mail; a stopping actor runs
  // again when its last child finished stopping.
  if (a->has_flag(detail::flag_stopped | detail::flag_stopping)) {
    if (a->has_flag(detail::flag_stopped)) return run_stopped(a);
    return core_.lifecycle().finish_stop(a);
  }
  // acquire: pairs with the release in side_of.
  SideState* hs = a->side_.load(std::memory_order_acquire);
  std::size_t n = 0;
  if (hs == nullptr || (hs->handler == nullptr && hs->deferred_head == nullptr)) {
    // The plain loop (the hot path): no coroutine handler in flight, nothing
    // held back. It hands over to run_with_tasks as soon as that changes.
    Mailbox& box = a->mailbox();
    for (; n < messages_per_activation_; ++n) {
      // One load and test for both requests: the hot path pays for neither.
      if (a->has_flag(detail::flag_stop_requested | detail::flag_count_queue)) {
        if (a->has_flag(detail::flag_stop_requested)) return core_.lifecycle().begin_stop(a);
        core_.answer_count_request(a, hs);
      }
      RunOutcome out;
      Envelope* env = pop_or_release(box, out);
      if (env == nullptr) return out;
      if (env->control != 0) {
        if (!handle_control(a, env)) continue;
      } else if (!handle(a, env)) {
        continue;
      }
      ++n;
      break;  // tasks ran, or a coroutine handler started: side state exists now
    }
    if (n >= messages_per_activation_) return RunOutcome::yield;
    hs = a->side_.load(std::memory_order_acquire);  // acquire: as above
  }
  return run_with_tasks(a, *hs, n);
}

RunOutcome RunLoop::run_with_tasks(ActorCell* a, SideState& hs, std::size_t n) {
  Mailbox& box = a->mailbox();
  for (;; ++n) {
    if (hs.handler != nullptr && hs.handler->status_ == task::Status::finished) {
      complete_handler_task(a, hs);
    }
    if (n >= messages_per_activation_) return RunOutcome::yield;
    if (a->has_flag(detail::flag_stop_requested | detail::flag_count_queue)) {  // as in run()
      if (a->has_flag(detail::flag_stop_requested)) return core_.lifecycle().begin_stop(a);
      core_.answer_count_request(a, &hs);
    }
    Envelope* env;
    if (hs.handler == nullptr && hs.deferred_head != nullptr) {
      // The coroutine handler that held these back has finished: they go first.
      MailboxNode* node = hs.deferred_head;
      hs.deferred_head = node->next_.load(std::memory_order_relaxed);  // relaxed: token holder only
      if (hs.deferred_head == nullptr) hs.deferred_tail = nullptr;
      env = static_cast<Envelope*>(node);
    } else {
      RunOutcome out;
      env = pop_or_release(box, out);
      if (env == nullptr) return out;
    }
    if (env->control != 0) {
      handle_control(a, env);
      continue;
    }
    if (hs.handler != nullptr) {
      // A coroutine handler is still running: one message at a time.
      env->next_.store(nullptr, std::memory_order_relaxed);  // relaxed: token holder only
      if (hs.deferred_tail != nullptr) {
        hs.deferred_tail->next_.store(env, std::memory_order_relaxed);  // relaxed: token holder only
      } else {
        hs.deferred_head = env;
      }
      hs.deferred_tail = env;
      continue;
    }
    handle(a, env);
  }
}

// Out of line and cold, so that handle_control stays small enough to inline
// into the loop (an ask's reply wake passes through it): measured, inlining
// the stop request here cost an ask round trip 21 instructions.
void RunLoop::stop_finished_tree(ActorCell* a) {
  core_.lifecycle().request_stop(a, "task tree finished", StopMode::silent);
}

bool RunLoop::handle_control(ActorCell* a, Envelope* env) {
  if (env->control == control_stop_nudge) {
    free_envelope(env);  // the flag check at the run loop's top acts on it
    return false;
  }
  if (apply_wake(a, env)) [[unlikely]] stop_finished_tree(a);
  return true;
}

bool RunLoop::handle(ActorCell* a, Envelope* env) {
  Message& m = env->message;
  if (m.is<StatusRequest>()) {
    reply(a, m, ActorStatus{a->object()->class_name(), a->address().to_string()});
    free_envelope(env);
    return false;
  }
  if (auto* exit = m.get_if<ActorExitRequest>()) {
    core_.lifecycle().request_stop(a, std::move(exit->reason), StopMode::notify_parent);
    free_envelope(env);
    return false;
  }
  detail::DispatchResult r;  // dispatch fills it only when it returns true
  bool produced;
  try {
    produced = a->type()->dispatch(*a->object(), m, r);
  } catch (...) {
    handler_failed(a, env, describe(std::current_exception()));
    return false;
  }
  if (produced) {
    if (r.task) {
      start_handler_task(a, env, r);
      return true;
    }
    if (r.reply.has_value()) reply(a, m, std::move(r.reply));
  }
  free_envelope(env);
  return false;
}

void RunLoop::start_handler_task(ActorCell* a, Envelope* env, detail::DispatchResult& r) {
  SideState& hs = side_of(*a);
  auto* n = new HandlerNode();
  detail::NodeRef node(n, /*adopt=*/true);
  n->id_ = detail::next_task_id();
  const auto frame = std::coroutine_handle<>::from_address(r.task);
  n->root_ = frame;
  n->resume_at_ = frame;
  n->root_promise_ = r.promise;
  n->finish = r.finish;
  r.promise->node_ = n;
  detail::TaskStrand* s = nullptr;
  try {
    s = &strand_of(*a);
  } catch (...) {
    handler_failed(a, env, describe(std::current_exception()));
    return;  // the node destroys the frame
  }
  hs.handler = static_cast<HandlerNode*>(node.leak());
  hs.handler_envelope = env;
  s->activate(*n);  // runs it now, until it first suspends
  if (n->status_ == task::Status::finished) complete_handler_task(a, hs);
}

void RunLoop::complete_handler_task(ActorCell* a, SideState& hs, bool actor_stopping) {
  HandlerNode* n = std::exchange(hs.handler, nullptr);
  Envelope* env = std::exchange(hs.handler_envelope, nullptr);
  detail::NodeRef node(n, /*adopt=*/true);
  if (!n->ok_ || n->finish_error) {
    std::exception_ptr error = n->ok_ ? n->finish_error : n->error_;
    if (actor_stopping && is_actor_stopped(error)) {
      // The stop aborted the handler (ActorStopped at its co_await): that is
      // the stop, not a failure of the handler, and spark records nothing
      // for it either. An ask waiting for this handler's reply fails now
      // ("actor stopped") instead of at its time-out, which a no_timeout
      // ask would never reach.
      fail_waiting_ask(env->message, reasons::actor_stopped);
      free_envelope(env);
      return;
    }
    handler_failed(a, env, describe(error));
    return;
  }
  if (n->reply.has_value()) reply(a, env->message, std::move(n->reply));
  free_envelope(env);
}

void RunLoop::bounce_deferred(ActorCell* a, SideState& hs) {
  while (MailboxNode* node = hs.deferred_head) {
    hs.deferred_head = node->next_.load(std::memory_order_relaxed);  // relaxed: token holder only
    bounce(a, static_cast<Envelope*>(node));
  }
  hs.deferred_tail = nullptr;
}

void RunLoop::reply(ActorCell* a, const Message& request, Payload content) {
  const ActorAddress& to = request.sender();
  if (!to) return;
  detail::Cell* c = to.cell();
  // An ask's reply slot takes the content straight, no message. If the ask
  // is over (timed out, cancelled, answered) the reply is a dead letter, with
  // the reason core_.delivery().tell() gives a reply slot that is gone.
  const bool to_slot = c->kind() == detail::CellKind::reply && c->core() == &core_ && !core_.is_shut_down();
  if (to_slot && static_cast<ReplySlot*>(c)->deliver(content)) return;
  Message m = Delivery::make_message(std::move(content), a->address());
  m.set_correlation_id(request.id());
  if (to_slot) {
    core_.delivery().dead_letter(std::move(m), to, reasons::not_found);
  } else {
    core_.delivery().tell(to, std::move(m));
  }
}

void RunLoop::handler_failed(ActorCell* a, Envelope* env, const std::string& what) {
  core_.delivery().dead_letter(std::move(env->message), a->address(),
              std::string(reasons::handler_failed) + ": " + what);
  free_envelope(env);
  core_.lifecycle().request_stop(a, reasons::handler_failed, StopMode::notify_parent);
}

RunOutcome RunLoop::run_stopped(ActorCell* a) {
  // A stopped actor holds its token only to bounce late mail; the token
  // holder also holds one reference, dropped when the mailbox goes idle.
  Mailbox& box = a->mailbox();
  for (;;) {
    while (MailboxNode* node = box.pop()) bounce(a, static_cast<Envelope*>(node));
    // Before going idle, so that diagnostics()'s nudge (which makes
    // try_mark_idle fail) always brings us back here to see its flag.
    core_.answer_count_request_stopped(a);
    if (box.try_mark_idle()) {
      a->release();
      return RunOutcome::idle;
    }
    MailboxNode* node = box.pop();
    if (node == nullptr) return RunOutcome::yield;  // a push is in flight
    bounce(a, static_cast<Envelope*>(node));
  }
}

void RunLoop::bounce(ActorCell* a, Envelope* env) {
  if (env->control == control_slot_wake) {
    static_cast<ReplySlot::WakeEnvelope*>(env)->slot->release();  // not ours to free: it is part of the slot
    return;
  }
  if (env->control == control_strand_wake) {
    drop_wake(env->message.content().get<StrandWake>());
  } else if (env->control == 0) {
    const char* reason = core_.is_shut_down() ? reasons::syndicate_shut_down : reasons::not_found;
    // An ask whose request bounces fails now rather than at its time-out.
    fail_waiting_ask(env->message, reason);
    core_.delivery().dead_letter(std::move(env->message), a->address(), reason);
  }
  free_envelope(env);
}

}  // namespace ensemble::runtime
