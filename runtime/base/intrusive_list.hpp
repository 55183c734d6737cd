// Internal: one intrusive doubly linked list, for the runtime's lists of
// things that already exist elsewhere (actors in creation order, an actor's
// children, an actor's wake-ups, a timer wheel slot). The element carries a
// ListHook per list it can be on; the list links elements and never owns or
// allocates them. Not thread-safe: each use says which lock or thread owns
// its list.
//
// Two shapes, chosen per use:
//   IntrusiveList<T, &T::hook>          head and tail: push_back, pop_front
//   IntrusiveList<T, &T::hook, false>   head only (8 bytes, for lists that
//                                       live in every actor): push_front
// Both: remove(n) in O(1), front(), next(n)/prev(n) to walk, take_all().
#pragma once

#include <type_traits>

namespace ensemble::runtime {

template <class T>
struct ListHook {
  T* prev = nullptr;
  T* next = nullptr;
};

template <class T, ListHook<T> T::*Hook, bool WithTail = true>
class IntrusiveList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  T* front() const noexcept { return head_; }
  T* back() const noexcept
    requires WithTail
  {
    return tail_;
  }
  static T* next(const T* n) noexcept { return (n->*Hook).next; }
  static T* prev(const T* n) noexcept { return (n->*Hook).prev; }

  void push_back(T* n) noexcept
    requires WithTail
  {
    ListHook<T>& h = n->*Hook;
    h.prev = tail_;
    h.next = nullptr;
    if (tail_ != nullptr) {
      (tail_->*Hook).next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
  }

  void push_front(T* n) noexcept {
    ListHook<T>& h = n->*Hook;
    h.prev = nullptr;
    h.next = head_;
    if (head_ != nullptr) {
      (head_->*Hook).prev = n;
    } else if constexpr (WithTail) {
      tail_ = n;
    }
    head_ = n;
  }

  // `n` must be on this list.
  void remove(T* n) noexcept {
    ListHook<T>& h = n->*Hook;
    if (h.prev != nullptr) {
      (h.prev->*Hook).next = h.next;
    } else {
      head_ = h.next;
    }
    if (h.next != nullptr) {
      (h.next->*Hook).prev = h.prev;
    } else if constexpr (WithTail) {
      tail_ = h.prev;
    }
    h.prev = h.next = nullptr;
  }

  T* pop_front() noexcept {
    T* n = head_;
    if (n != nullptr) remove(n);
    return n;
  }

  // Detaches every element at once and returns the first; walk the rest
  // with next() (their hooks still link them to each other).
  T* take_all() noexcept {
    T* n = head_;
    head_ = nullptr;
    if constexpr (WithTail) tail_ = nullptr;
    return n;
  }

 private:
  struct NoTail {};
  T* head_ = nullptr;
  [[no_unique_address]] std::conditional_t<WithTail, T*, NoTail> tail_{};
};

}  // namespace ensemble::runtime
