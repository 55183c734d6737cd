// CAF's side of the ping-pong rows (caf_workloads.cpp, and over the network
// in caf_remote_workloads.cpp): two actors bounce a counter; the pinger's
// response promise delivers the last value.
#pragma once

#include <cstdint>
#include <tuple>
#include <utility>

#include <caf/all.hpp>

namespace ensemble_bench {

using run_atom = caf::atom_constant<caf::atom("run")>;

inline caf::behavior pong(caf::event_based_actor*) {
  return {
      [](caf::ping_atom, std::int64_t v) { return std::make_tuple(caf::pong_atom::value, v); },
  };
}

// CAF constructs an actor's state as `State(self)` whenever that compiles. In
// C++20 an aggregate state whose first member is an actor handle would compile
// (parenthesized aggregate initialization) and start out holding a strong
// reference to its own actor, so every state type declares its constructor.
struct ping_state {
  ping_state() = default;
  caf::actor pong;
  std::int64_t left = 0;
  caf::typed_response_promise<std::int64_t> done;
};

inline caf::behavior ping(caf::stateful_actor<ping_state>* self, std::int64_t rounds) {
  self->state.left = rounds;
  return {
      [=](run_atom, caf::actor buddy) -> caf::result<std::int64_t> {
        auto& st = self->state;
        st.pong = std::move(buddy);
        st.done = self->make_response_promise<std::int64_t>();
        self->send(st.pong, caf::ping_atom::value, std::int64_t{0});
        return st.done;
      },
      [=](caf::pong_atom, std::int64_t v) {
        auto& st = self->state;
        ++v;
        if (--st.left == 0) {
          st.done.deliver(v);
          st.pong = nullptr;  // a remote proxy is let go before the system ends
          self->quit();
          return;
        }
        self->send(st.pong, caf::ping_atom::value, v);
      },
  };
}

}  // namespace ensemble_bench
