// Internal: the actor mailbox.
//
// ---------------------------------------------------------------------------
// Design
// ---------------------------------------------------------------------------
// An intrusive multi-producer single-consumer queue: Dmitry Vyukov's intrusive
// MPSC node queue (1024cores.net, "Intrusive MPSC node-based queue"), with the
// "idle" bit of Pony's messageq (ponyc libponyrt/actor/messageq.c) folded into
// the head pointer, so that one atomic exchange both enqueues a message and tells
// the producer whether it just woke the actor up.
//
// Roles
//   producers: any thread that tells the actor (push).
//   consumer:  the one thread that currently holds the actor's *token*, the
//              right to run it (pop, in_flight, try_mark_idle).
//
// Fields and who writes them
//   head_  producers (exchange), consumer (exchange in the stub re-push, and
//          the CAS in try_mark_idle). Low bit set = IDLE: the queue is empty
//          and nobody holds the token.
//   tail_  consumer only; plain field.
//   stub_  a node embedded in the mailbox, so an idle actor owns no envelope.
//          stub_.next_ is written by whichever producer linked behind it.
//
// Protocols
//   P1 push(n): n.next = null; prev = head.exchange(n); prev.next = n.
//      If prev had the IDLE bit, the producer now holds the token and must
//      schedule the actor: exactly one producer sees the bit per idle period.
//   P2 pop(): Vyukov's pop. The stub is skipped; when the last real node would
//      be taken, the stub is pushed again behind it so the node can leave the
//      queue completely (the caller may free it right after handling it).
//   P3 going idle: when pop() finds nothing, the consumer calls try_mark_idle(),
//      a CAS of head from &stub_ to &stub_|IDLE. It succeeds only if no producer
//      has exchanged since; then the token is released. If it fails, a message
//      arrived: keep popping.
//   P4 in flight: a producer pre-empted between its exchange and its link
//      leaves head != tail with a null link; pop() reports empty and
//      try_mark_idle() fails. The consumer keeps the token and should re-queue
//      the actor rather than spin on the producer.
//
// Invariants
//   P5 taking an idle token: try_acquire_idle() CASes &stub_|IDLE to &stub_;
//      the caller then holds the token exactly as a producer that saw IDLE.
//   INV-1 at most one thread holds the token; only it calls pop/try_mark_idle.
//   INV-2 every pushed node is popped exactly once by a token holder, or freed
//         by drain() when the mailbox is destroyed.
//   INV-3 IDLE is set only while the queue is empty (head == &stub_).
//
// Deviation from the sources: Pony keeps the last popped message as the queue's
// dummy (one message per idle actor stays allocated); we use Vyukov's embedded
// stub instead, so an idle actor holds no envelope (the memory target is per
// actor), at the price of one extra exchange when the queue drains.
#pragma once

#include <atomic>
#include <cstdint>

namespace ensemble::runtime {

struct MailboxNode {
  std::atomic<MailboxNode*> next_{nullptr};
};

class Mailbox {
 public:
  static constexpr std::uintptr_t idle_bit = 1;

  Mailbox() noexcept
      : head_(reinterpret_cast<std::uintptr_t>(&stub_) | idle_bit), tail_(&stub_) {}
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // P1. Returns true when the mailbox was idle: the caller now holds the token.
  bool push(MailboxNode* node) noexcept {
    // relaxed: published by the release half of the exchange below.
    node->next_.store(nullptr, std::memory_order_relaxed);
    // acq_rel: release publishes the node's contents (and its null link) to the
    // consumer; acquire pairs with the release CAS in try_mark_idle, so a
    // producer that takes the token sees everything the last holder wrote.
    std::uintptr_t prev = head_.exchange(reinterpret_cast<std::uintptr_t>(node),
                                         std::memory_order_acq_rel);
    auto* prev_node = reinterpret_cast<MailboxNode*>(prev & ~idle_bit);
    // release: pairs with the acquire load of next_ in pop(); the consumer that
    // follows this link sees the node's contents.
    prev_node->next_.store(node, std::memory_order_release);
    return (prev & idle_bit) != 0;
  }

  // P2. Consumer only. Returns the next node, detached from the queue, or null.
  MailboxNode* pop() noexcept {
    MailboxNode* tail = tail_;
    // acquire: pairs with the release store of the link in push().
    MailboxNode* next = tail->next_.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next_.load(std::memory_order_acquire);  // same pairing as above
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    // tail is the last linked node. If head moved past it, a producer is between
    // its exchange and its link (P4): report empty for now.
    // acquire: if head still equals tail, no newer node exists to synchronise with.
    if (reinterpret_cast<MailboxNode*>(head_.load(std::memory_order_acquire)) != tail) {
      return nullptr;
    }
    push(&stub_);  // the stub goes behind tail so tail can leave the queue
    next = tail->next_.load(std::memory_order_acquire);  // pairs with push's link store
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

  // P3. Consumer only, after pop() returned null.
  // true: the mailbox is IDLE and the caller gave up the token.
  bool try_mark_idle() noexcept {
    auto expected = reinterpret_cast<std::uintptr_t>(&stub_);
    if (tail_ != &stub_) return false;  // the last node is still queued (P4)
    // release: pairs with the acquire exchange (or acquire CAS in
    // try_acquire_idle) of whoever next takes the token, handing it everything
    // this holder wrote, actor state included.
    // relaxed on failure: we only learn that a producer arrived; we keep the token.
    return head_.compare_exchange_strong(expected, expected | idle_bit,
                                         std::memory_order_release,
                                         std::memory_order_relaxed);
  }

  // P5. Any thread: takes the token of an IDLE mailbox without pushing (to
  // run a stop, or to hold an actor while its pre_start runs). true: the
  // caller holds the token.
  bool try_acquire_idle() noexcept {
    auto idle = reinterpret_cast<std::uintptr_t>(&stub_) | idle_bit;
    // acquire: pairs with the release in try_mark_idle, so the new holder sees
    // what the last one wrote. relaxed on failure: nothing is read.
    return head_.compare_exchange_strong(idle, idle & ~idle_bit, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }

  // Consumer only: calls f(node) for each node queued now, the stub skipped.
  // A push still between its exchange and its link (P4) is not reached yet.
  // Walking is safe because only the token holder ever unlinks or frees a
  // node; producers only append. O(n): for diagnostics, never the hot path.
  template <class F>
  void for_each_queued(F&& f) const {
    // acquire: pairs with the release store of each link in push(), as in pop().
    for (MailboxNode* node = tail_; node != nullptr;
         node = node->next_.load(std::memory_order_acquire)) {
      if (node != &stub_) f(node);
    }
  }

 private:
  std::atomic<std::uintptr_t> head_;
  MailboxNode* tail_;
  MailboxNode stub_;
};

}  // namespace ensemble::runtime
