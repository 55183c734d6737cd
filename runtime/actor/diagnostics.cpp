// Syndicate::diagnostics(): a snapshot of every actor, its family and the
// messages waiting for it, without a counter on the tell path.
//
// A mailbox keeps no size: one would add an atomic read-modify-write to every
// tell, whose whole cost today is one exchange. A queue can be walked only by
// its token holder (only it unlinks and frees nodes; producers only append),
// so each count is taken by whoever holds the actor's token:
//
//  1. The prober tries to claim the token of an idle actor (Mailbox P5). If
//     it gets it, it counts (the queue is empty; a coroutine handler may hold
//     mail back) and hands the token on as any claimer does.
//  2. Otherwise it has set flag_count_queue before, and pushes a no-op
//     control envelope: claim_or_nudge, the race-closing step a stop uses.
//     Either the holder finds the flag before it goes idle (its
//     try_mark_idle fails because of our envelope, so it loops back to the
//     flag check) or our push found the mailbox idle and we hold the token
//     and count ourselves.
//  3. The run loop tests flag_count_queue in the same load and test as
//     flag_stop_requested, so the hot path pays nothing; on the slow branch
//     it counts between two messages and answers through the QueueProbe.
//     A stopped actor's holder (run_stopped) answers 0: its mail bounces.
//  4. Whoever clears the flag (fetch_and: exactly one thread sees it set)
//     answers; the prober waits for answers until `wait` runs out, then
//     clears the flags left. If a holder cleared one first, its answer is
//     moments away (counting does not block) and is waited for, so no answer
//     ever outlives its probe.
// An actor that stays inside one handler for the whole wait has no count
// (an empty mailbox_depth). From a worker thread nothing is waited for: the
// worker may be the one that has to answer.
#include <ensemble/diagnostics.hpp>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::detail {
std::string demangle(const char* mangled);
}

namespace ensemble::runtime {

std::size_t SyndicateCore::count_waiting(ActorCell* a, const SideState* hs) noexcept {
  std::size_t n = 0;
  a->mailbox().for_each_queued([&](MailboxNode* node) {
    if (static_cast<Envelope*>(node)->control == 0) ++n;
  });
  if (hs != nullptr) {
    // relaxed: the deferred list is touched by the token holder only.
    for (MailboxNode* d = hs->deferred_head; d != nullptr; d = d->next_.load(std::memory_order_relaxed)) ++n;
  }
  return n;
}

void SyndicateCore::answer_depth(ActorCell* a, std::size_t depth) noexcept {
  try {
    queue_probe_.answer(a, depth);
  } catch (...) {
    // Out of memory while answering: the prober reports no count for `a`.
  }
}

RuntimeDiagnostics SyndicateCore::diagnostics(std::chrono::nanoseconds wait) {
  RuntimeDiagnostics d;
  d.syndicate_id = id_text_;
  d.backend_type = backend_type_name(config_.backend);
  d.external_inbox_count = inboxes_.open_count();
  d.dead_letter_count = delivery_.dead_letters().count();

  std::vector<FamilyEntry> family = registry_.oldest_first_with_family();
  d.actors.resize(family.size());
  d.actor_count = family.size();

  std::lock_guard serial(queue_probe_.serial());
  queue_probe_.open();
  struct CloseProbe {
    QueueProbe& probe;
    ~CloseProbe() { probe.close(); }
  } close_probe{queue_probe_};
  std::vector<std::size_t> pending;  // indices of actors asked to count
  pending.reserve(family.size());

  auto cell_at = [&](std::size_t i) { return static_cast<ActorCell*>(family[i].actor.cell()); };
  // We hold `a`'s token: count (nothing here allocates or throws), then hand
  // the token on before anything that may throw, so no failure can keep it.
  auto count_holding_token = [&](std::size_t i) {
    ActorCell* a = cell_at(i);
    // acquire: pairs with the release in side_of.
    d.actors[i].mailbox_depth = count_waiting(a, a->side_.load(std::memory_order_acquire));
    if (!a->mailbox().try_mark_idle()) delivery_.schedule_claimed(a);
  };

  for (std::size_t i = 0; i < family.size(); ++i) {
    ActorCell* a = cell_at(i);
    ActorDiagnostics& out = d.actors[i];
    out.actor_id = a->id();
    if (family[i].parent_id != 0) out.parent_id = family[i].parent_id;
    out.child_count = family[i].child_count;
    out.stopped = a->has_flag(detail::flag_stop_requested | detail::flag_stopped);
    out.running = !out.stopped;
    // start_actor refuses an object without a type, so every listed actor has one.
    out.actor_class = detail::demangle(a->type()->type->name());
    if (a->has_flag(detail::flag_stopped)) {
      out.mailbox_depth = 0;  // its mail bounces
      continue;
    }
    // The flag first, then the claim: a holder that keeps the token sees it
    // (claim_or_nudge's envelope). If claim_or_nudge throws (no memory for
    // the envelope), the flag merely makes the holder count once more, into
    // a closed probe.
    a->set_flag(detail::flag_count_queue);
    const Lifecycle::Claim claim = Lifecycle::claim_or_nudge(a);
    out.scheduled = claim != Lifecycle::Claim::idle;
    if (claim != Lifecycle::Claim::busy) {
      // The token is ours. Count ourselves unless a holder already took the
      // flag (then it answers).
      if (a->take_flag(detail::flag_count_queue)) {
        count_holding_token(i);
        continue;
      }
      delivery_.schedule_claimed(a);
    }
    pending.push_back(i);
  }

  auto collect = [&] {
    std::erase_if(pending, [&](std::size_t i) {
      std::optional<std::size_t> got = queue_probe_.take(cell_at(i));
      if (!got) return false;
      d.actors[i].mailbox_depth = got;
      return true;
    });
  };
  const bool may_wait = !on_executor_thread() && current_actor() == nullptr;
  const auto now = std::chrono::steady_clock::now();
  // Saturating: no_timeout (nanoseconds::max()) must not overflow the clock.
  const auto deadline = !may_wait ? now
                        : wait >= std::chrono::steady_clock::time_point::max() - now
                            ? std::chrono::steady_clock::time_point::max()
                            : now + wait;
  std::uint64_t seen = 0;
  collect();
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    seen = queue_probe_.wait_for_answer(seen, deadline);
    collect();
  }
  // Out of time: take back the flags nobody took. A flag already cleared
  // means its holder is counting now and answers in moments (counting does
  // not block); wait for it, bounded in case answering failed for memory.
  std::erase_if(pending, [&](std::size_t i) { return cell_at(i)->take_flag(detail::flag_count_queue); });
  const auto last_call = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!pending.empty() && std::chrono::steady_clock::now() < last_call) {
    seen = queue_probe_.wait_for_answer(seen, last_call);
    collect();
  }
  return d;
}

}  // namespace ensemble::runtime
