// Starting and stopping actors.
//
// Stop protocol (every step runs on the thread holding the actor's token, so it
// never overlaps a handler):
//   S1 request_stop: claim the stop under the side lock (the first claim wins
//      and sets the mode and reason, in the actor's flags: only a reason other
//      than "actor stopped" needs the side state), set STOP_REQUESTED; then
//      nudge(): take the token of an idle actor, or
//      push a control envelope so a busy one cannot go idle unseen. A busy
//      actor sees the flag before its next message.
//   S2 begin_stop: ask every child to stop ("parent stopped") and wait until
//      the last one has unlinked itself from the registry (it re-schedules us).
//   S3 finish_stop: cancel wake-ups, run post_stop, mark STOPPED, unlink, tell
//      the parent ChildActorExited (unless the parent or the syndicate is the
//      one stopping), then bounce whatever is left in the mailbox.
#include <string>
#include <vector>

#include <ensemble/errors.hpp>

#include "runtime/actor/lifecycle.hpp"

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::runtime {

namespace {
// Destroys an actor object that never got a cell (its start was refused).
void discard(const detail::ActorStorage& storage) noexcept {
  if (storage.in_block) {
    storage.object->~Actor();
    detail::free_actor_block(storage.object, storage.align);
  } else {
    delete storage.object;
  }
}
}  // namespace

ActorAddress Lifecycle::start_actor(detail::ActorStorage storage, ActorCell* parent, std::uint8_t executor,
                                    const void* placement) {
  Actor* object = storage.object;
  if (object == nullptr) throw InvalidActorSpecError("no actor to start");
  if (object->started()) {
    // The instance belongs to the syndicate that started it; it must not be
    // destroyed here.
    throw ActorAlreadyStartedError("actor " + object->class_name() + " is already started");
  }
  if (object->type_ == nullptr) {
    std::string name = object->class_name();
    discard(storage);
    throw InvalidActorSpecError("actor class " + name +
                                " has no handler table: create it with create_actor<A>() or "
                                "ActorSpec::of<A>()");
  }
  if (core_.is_shut_down()) {
    discard(storage);
    throw SyndicateError("syndicate '" + core_.name() + "' is shut down");
  }
  if (!core_.executors().has(executor)) {
    discard(storage);
    throw InvalidArgument("no executor with index " + std::to_string(executor) + " in syndicate '" +
                          core_.name() + "'");
  }
  // A parent that is stopping (its tasks unwinding, its post_stop running)
  // has already stopped its children: a new one would never be stopped with
  // it and would report to a parent that is gone. Only the parent's own
  // token holder creates its children and sets that flag.
  if (parent != nullptr) {
    if (parent->has_flag(detail::flag_stopping)) {
      discard(storage);
      throw ActorStopped("create_actor: the parent actor is stopping");
    }
  }

  // The cell heads the object's block, or stands alone for objects made with
  // new. Its initial reference is the registry's.
  ActorCell* a = storage.in_block
                     ? ::new (static_cast<void*>(reinterpret_cast<char*>(object) -
                                                 ActorCell::object_offset(storage.align)))
                           ActorCell(&core_, core_.next_cell_id(), storage)
                     : new ActorCell(&core_, core_.next_cell_id(), storage);
  object->cell_ = a;
  a->set_executor_index(executor);  // checked by the caller (core_.executors().has)
  // Before anyone can schedule it (relaxed would do: nobody else sees the
  // cell yet; set_flag's ordering is more than enough).
  if (executor != 0) a->set_flag(detail::flag_other_executor);
  if (parent != nullptr) a->parent_ = parent->address();
  // Hold the token while pre_start runs: mail that arrives meanwhile waits.
  a->mailbox().try_acquire_idle();
  core_.registry().add(a, parent);
  ActorAddress address(a);

  auto stop_here = [&](const char* reason) {
    request_stop(a, reason, StopMode::silent);
    if (core_.run_loop().run(a) == RunOutcome::yield) core_.delivery().schedule(a);
  };
  // A shutdown that snapshotted the registry before our add would miss us;
  // the registry lock orders the two, so we see its flag here.
  if (core_.is_shut_down()) {
    stop_here(reasons::stopped_by_shutdown);
    throw SyndicateError("syndicate '" + core_.name() + "' is shut down");
  }
  Executor* other = executor != 0 ? core_.executors().other(executor) : nullptr;
  if (other != nullptr) {
    try {
      other->adopt(*a, placement);
    } catch (...) {
      stop_here(reasons::executor_refused);
      throw;
    }
  }
  try {
    object->pre_start();
  } catch (...) {
    stop_here(reasons::pre_start_failed);
    // Stopped here, never scheduled: what adopt made for it goes now (a
    // thread lane would otherwise sleep until shutdown).
    if (other != nullptr) other->abandon(*a);
    throw;
  }
  // Mail (or a stop nudge) that arrived during pre_start keeps the token ours:
  // hand the actor to the pool.
  if (!a->mailbox().try_mark_idle()) core_.delivery().schedule(a);
  return address;
}

namespace {
std::uint32_t mode_flags(StopMode mode) noexcept {
  switch (mode) {
    case StopMode::silent:
      return detail::flag_stop_silent;
    case StopMode::parent_stops:
      return detail::flag_stop_for_parent;
    case StopMode::notify_parent:
      break;
  }
  return 0;
}

StopMode mode_of(std::uint32_t flags) noexcept {
  if ((flags & detail::flag_stop_silent) != 0) return StopMode::silent;
  if ((flags & detail::flag_stop_for_parent) != 0) return StopMode::parent_stops;
  return StopMode::notify_parent;
}

// S1's claim, for request_stop and stop_and_wait alike: false if a stop was
// claimed already. `kept`: the side state that keeps `reason` (null when the
// parent hears "actor stopped" or nobody is told).
bool claim_stop(ActorCell* a, StopMode mode, SideState* kept, std::string&& reason) noexcept {
  SideLock lock(*a);
  if (a->has_flag(detail::flag_stop_claimed)) return false;
  if (kept != nullptr) kept->stop_reason = std::move(reason);
  // One read-modify-write: whoever sees STOP_REQUESTED also sees the claim,
  // the mode and the reason (release; the reason was written before it).
  a->set_flag(detail::flag_stop_claimed | detail::flag_stop_requested | mode_flags(mode) |
              (kept != nullptr ? detail::flag_stop_reason_kept : 0));
  return true;
}
}  // namespace

bool Lifecycle::request_stop(ActorCell* a, std::string reason, StopMode mode) {
  // Only a parent's ChildActorExited carries the reason, and the usual one
  // ("actor stopped") goes without saying: the side state (an allocation)
  // holds any other.
  const bool keep_reason = mode == StopMode::notify_parent && reason != reasons::actor_stopped;
  // A request that has lost already (checked again under the lock) makes no
  // side state for a reason nobody will read.
  if (keep_reason && a->has_flag(detail::flag_stop_claimed)) return false;
  if (!claim_stop(a, mode, keep_reason ? &side_of(*a) : nullptr, std::move(reason))) return false;
  nudge(a, false);
  return true;
}

Lifecycle::Claim Lifecycle::claim_or_nudge(ActorCell* a) {
  // Take the token if the actor is idle. Otherwise its holder may be about to
  // go idle without having seen the caller's flag; a control envelope settles
  // that race with the mailbox's own protocol: either the holder finds it (its
  // try_mark_idle fails) or our push finds the mailbox idle and we hold the
  // token.
  if (a->mailbox().try_acquire_idle()) return Claim::idle;
  Envelope* e = new_envelope(Message{});
  e->control = control_stop_nudge;
  return a->mailbox().push(e) ? Claim::pushed : Claim::busy;
}

void Lifecycle::nudge(ActorCell* a, bool run_here) {
  // The caller holds a reference to `a` (an address) for the whole call.
  if (claim_or_nudge(a) == Claim::busy) return;
  // The stop may have finished between our claim and now (the token holder
  // saw the flag first): then we hold the token of a stopped actor, which the
  // registry no longer keeps alive. Take the reference that run_stopped drops.
  if (a->has_flag(detail::flag_stopped)) a->retain();
  if (run_here) {
    if (core_.run_loop().run(a) == RunOutcome::yield) core_.delivery().schedule(a);
  } else {
    core_.delivery().schedule(a);
  }
}

RunOutcome Lifecycle::begin_stop(ActorCell* a) {
  // relaxed: read only by this actor's token holders (run(), create_actor of
  // a child, strand_of), whom the token's hand-off orders after us.
  a->set_flag(detail::flag_stopping, std::memory_order_relaxed);
  std::vector<ActorAddress> children = core_.registry().children_for_stop(a);
  if (children.empty()) return finish_stop(a);  // nothing to wait for, no guard taken
  for (ActorAddress& child : children) {
    request_stop(static_cast<ActorCell*>(child.cell()), reasons::parent_stopped, StopMode::parent_stops);
  }
  if (!core_.registry().release_guard(a)) return RunOutcome::suspended;  // the last child re-schedules us
  return finish_stop(a);
}

RunOutcome Lifecycle::finish_stop(ActorCell* a) {
  core_.wakeups().cancel_all(a);
  // acquire: pairs with the release in side_of. An actor that never needed
  // a side state has no tasks, handler or deferred mail to deal with; none
  // can appear now (flag_stopping keeps tasks from starting, and only the
  // token holder defers mail).
  SideState* hs = a->side_.load(std::memory_order_acquire);
  if (hs != nullptr) {
    // The actor's tasks (its coroutine handler included) are aborted with
    // ActorStopped, so their catch blocks and destructors run before post_stop.
    teardown_strand(*hs);
    if (hs->handler != nullptr) core_.run_loop().complete_handler_task(a, *hs, /*actor_stopping=*/true);
  }
  try {
    a->object()->post_stop();
  } catch (...) {
    // post_stop runs during teardown; its failure cannot undo the stop.
  }
  StopMode mode;
  std::string reason;
  {
    SideLock lock(*a);
    const std::uint32_t flags = a->flags();
    mode = mode_of(flags);
    // Only the parent's ChildActorExited carries it; the claim keeps every
    // later request_stop from writing it again. A kept reason implies `hs`:
    // request_stop made it before the claim this stop began from.
    if (mode == StopMode::notify_parent) {
      reason = (flags & detail::flag_stop_reason_kept) != 0 ? std::move(hs->stop_reason)
                                                            : std::string(reasons::actor_stopped);
    }
  }
  ActorAddress self = a->address();
  // The object goes now: its destructor releases the addresses it kept (peers
  // in a ring, children), so actors that point at each other are freed. It
  // goes before the registry forgets the actor, so whoever sees the actor
  // gone (status().actor_count, the parent's ChildActorExited) also sees its
  // destructor done.
  a->destroy_object();
  // Its services (fd watches, io/) end after the last of its code ran: a
  // watch made in post_stop, a task's catch block or the destructor ends too.
  core_.services().actor_stopped(*a);
  ActorCell* parent_done = core_.registry().remove(a);
  // STOPPED last: stop_and_wait's waiters (the shutdown) wake to an actor
  // already out of the registry, instead of re-listing it while a slow
  // destructor runs. We hold the token throughout, so no tell can take it
  // and nudge() cannot claim it before run_stopped below. seq_cst: the
  // stopper's half of StopBoard's Dekker pair (announce_stopped below); on
  // x86 the same locked instruction as acq_rel.
  a->set_flag(detail::flag_stopped, std::memory_order_seq_cst);
  if (mode == StopMode::notify_parent && a->parent_) {
    core_.delivery().tell(a->parent_, Delivery::make_message(ChildActorExited{self, std::move(reason)}, self));
  }
  // A stopped child no longer needs its parent; keeping the reference would
  // make a cycle with a parent that keeps its children's addresses (the usual
  // pattern), and neither would ever be freed.
  a->parent_ = ActorAddress();
  if (parent_done != nullptr) core_.delivery().schedule(parent_done);
  if (hs != nullptr) core_.run_loop().bounce_deferred(a, *hs);
  // Wakes the shutdown if it waits for this actor (the Dekker pair in
  // actor/stop_board.hpp: STOPPED was set above).
  stop_board_.announce_stopped();
  return core_.run_loop().run_stopped(a);
}

void Lifecycle::stop_and_wait(const ActorAddress& addr) {
  auto* a = static_cast<ActorCell*>(addr.cell());
  if (a->has_flag(detail::flag_stopped)) return;
  // A silent stop has no reason to keep: nothing is allocated. An idle actor
  // is stopped right here: no hand-off to a worker, so shutting down a
  // million idle actors costs no million wake-ups.
  if (claim_stop(a, StopMode::silent, nullptr, {})) nudge(a, true);
  // The usual case at shutdown: the actor was idle and nudge() stopped it
  // right here; the wait below would find it stopped at once (its predicate
  // is this flag), so skip its lock.
  if (a->has_flag(detail::flag_stopped)) return;
  stop_board_.wait_stopped(a);
}

}  // namespace ensemble::runtime
