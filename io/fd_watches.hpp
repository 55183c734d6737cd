// Internal (io/): spark's watch. Actors name the fds they want to hear about
// (Actor::watch); the syndicate's event loop (io_loop.hpp) waits on them and
// tells the owner WatchMessage, one fd per message.
//
// Two halves, so that errors are synchronous and the loop owns its objects:
//   - the table of who watches what, under a mutex, which watch() checks and
//     changes on the caller's thread (an fd owned by another actor is refused
//     there, with nothing changed);
//   - per fd, an Asio descriptor and its waits, touched only on the loop
//     thread; watch() and an actor's stop post the new state of each fd they
//     changed, under the same mutex, so the loop applies changes in the
//     table's order.
//
// Level-triggered, one report in flight per fd and direction: a readiness
// report carries a token (WatchMessage::in_flight) whose destruction, when
// the message was handled or dead-lettered, posts a re-arm; a generation
// number per fd and direction makes a re-arm from an older watch (another
// owner, a cleared and renewed one, a direction turned off) do nothing, and
// leaves the other direction's report in flight alone. So a handler that drains the fd hears
// of it again when more comes, one that does not is told again at once, and
// a slow handler is never flooded. The loop never closes an fd (it releases
// the descriptor instead): they stay the user's.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <ensemble/address.hpp>

#include "io/io_loop.hpp"
#include "runtime/core/services.hpp"

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::io {

class FdWatches final : public runtime::Service {
 public:
  FdWatches(runtime::SyndicateCore& core, IoLoop& loop);
  ~FdWatches() override;

  // Actor::watch, from the actor's handler (or pre_start).
  void set(runtime::ActorCell& actor, const std::vector<int>& read, const std::vector<int>& write);
  void actor_stopped(runtime::ActorCell& actor) noexcept override;
  // Ends every watch on the loop and waits for that; later re-arms do nothing.
  void shutdown() noexcept override;

  enum class Direction : std::uint8_t { read, write };
  struct Shared;  // what a report's token needs after this object is gone
  // [loop thread] a report's token died: wait for `fd` again if the watch is
  // still the one reported.
  void rearm_from_token(int fd, Direction d, std::uint64_t generation);

 private:
  struct Entry;
  struct Watched {
    std::vector<int> read;
    std::vector<int> write;
  };
  // [loop thread]
  void apply(int fd, const ActorAddress& owner, bool read, bool write, std::uint64_t sequence);
  void arm(const std::shared_ptr<Entry>& e, Direction d);
  void on_ready(const std::shared_ptr<Entry>& e, Direction d, std::uint64_t generation,
                const boost::system::error_code& ec);
  void report(Entry& e, Direction d, bool failed);
  void drop(int fd) noexcept;
  // [mutex_] posts `fd`'s new state, the table's change number `sequence`, to
  // the loop.
  void post_state(int fd, const ActorAddress& owner, bool read, bool write, std::uint64_t sequence);
  // [loop thread, takes mutex_] removes `fd` from the table after its wait
  // failed on the loop, unless a change newer than `sequence` (the failed
  // state's) was made since: that one is posted and stands.
  void forget_failed(int fd, std::uint64_t sequence);

  runtime::SyndicateCore& core_;
  IoLoop& loop_;
  std::mutex mutex_;
  struct Owner {
    runtime::ActorCell* cell = nullptr;
    std::uint64_t sequence = 0;  // the change that set it
  };
  std::unordered_map<int, Owner> owner_;                           // [mutex_]
  std::uint64_t last_sequence_ = 0;                                // [mutex_]
  std::unordered_map<runtime::ActorCell*, Watched> by_actor_;      // [mutex_]
  bool closed_ = false;                                            // [mutex_]
  std::unordered_map<int, std::shared_ptr<Entry>> entries_;        // [loop thread]
  std::uint64_t next_generation_ = 1;                              // [loop thread]
  std::shared_ptr<Shared> shared_;
};

// The syndicate's fd watches, attached (with the loop) on first use.
FdWatches& fd_watches_of(runtime::SyndicateCore& core);

}  // namespace ensemble::io
