// runtime/base/intrusive_list.hpp: both shapes against a std::list model,
// over random operations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <list>
#include <random>
#include <vector>

#include "runtime/base/intrusive_list.hpp"

using ensemble::runtime::IntrusiveList;
using ensemble::runtime::ListHook;

namespace {
struct Item {
  int value = 0;
  ListHook<Item> a;
  ListHook<Item> b;
  bool on_a = false;
  bool on_b = false;
};

template <class List>
std::vector<int> forward(const List& l) {
  std::vector<int> out;
  for (Item* n = l.front(); n != nullptr; n = List::next(n)) out.push_back(n->value);
  return out;
}
template <class List>
std::vector<int> backward(const List& l) {
  std::vector<int> out;
  for (Item* n = l.back(); n != nullptr; n = List::prev(n)) out.push_back(n->value);
  std::reverse(out.begin(), out.end());
  return out;
}
std::vector<int> values(const std::list<Item*>& m) {
  std::vector<int> out;
  for (Item* n : m) out.push_back(n->value);
  return out;
}
}  // namespace

TEST_CASE("intrusive list: head-and-tail and head-only lists match a model over random operations") {
  constexpr int n = 200;
  std::vector<Item> items(n);
  for (int i = 0; i < n; ++i) items[static_cast<std::size_t>(i)].value = i;
  IntrusiveList<Item, &Item::a> both;          // push_back, pop_front, remove
  IntrusiveList<Item, &Item::b, false> head;   // push_front, remove
  static_assert(sizeof(head) == sizeof(void*), "a head-only list is one pointer");
  std::list<Item*> model_a, model_b;
  std::mt19937 rng(7);
  int mismatches = 0;
  for (int step = 0; step < 20000; ++step) {
    Item& it = items[rng() % n];
    switch (rng() % 5) {
      case 0:
        if (!it.on_a) { both.push_back(&it); model_a.push_back(&it); it.on_a = true; }
        break;
      case 1:
        if (it.on_a) { both.remove(&it); model_a.remove(&it); it.on_a = false; }
        break;
      case 2:
        if (Item* f = both.pop_front()) {
          if (model_a.empty() || model_a.front() != f) ++mismatches;
          if (!model_a.empty()) model_a.pop_front();
          f->on_a = false;
        } else if (!model_a.empty()) {
          ++mismatches;
        }
        break;
      case 3:
        if (!it.on_b) { head.push_front(&it); model_b.push_front(&it); it.on_b = true; }
        break;
      case 4:
        if (it.on_b) { head.remove(&it); model_b.remove(&it); it.on_b = false; }
        break;
    }
    if (step % 97 == 0) {
      if (forward(both) != values(model_a) || backward(both) != values(model_a)) ++mismatches;
      if (forward(head) != values(model_b)) ++mismatches;
      if (both.empty() != model_a.empty() || head.empty() != model_b.empty()) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
  // take_all detaches everything; the detached chain still walks in order.
  std::vector<int> taken;
  for (Item* f = both.take_all(); f != nullptr; f = decltype(both)::next(f)) taken.push_back(f->value);
  CHECK(taken == values(model_a));
  CHECK(both.empty());
  CHECK(both.back() == nullptr);
}
