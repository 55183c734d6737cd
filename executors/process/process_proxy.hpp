// Internal: the parent's stand-in for an actor that runs in a worker process
// (Execution::process).
//
// The stand-in is an ordinary actor on a thread lane (executors/
// thread_lanes.hpp): its mailbox is the actor's mailbox, so per-sender FIFO,
// one message at a time, status, dead letters and ChildActorExited are the
// runtime's, unchanged, and messages queued while a worker restarts simply
// wait. Its handler forwards each message to the worker (channel.hpp,
// protocol.hpp) and blocks its lane until the worker says the message is
// done, delivering the worker's tells and reply on the way.
//
// Failures:
//   - the worker dies (pidfd readable or the socket closes) while handling a
//     message: that message becomes a dead letter "executor crashed: killed
//     by signal 9" (an ask waiting on it fails at once with that reason), the
//     parent is told ExecutorCrashed, a new worker starts, the next message
//     goes to it. crash_limit crashes within crash_window stop the actor with
//     "executor crash loop: ..." (its parent gets ChildActorExited).
//   - the handler throws in the worker: the stand-in fails the same way, so
//     the run loop records "handler failed: <what>" and stops the actor
//     (spark's rule).
//   - stop: once the current message is done, the worker is asked to stop
//     (post_stop runs there), given stop_grace, then SIGTERM and term_grace,
//     then SIGKILL; always reaped. A stop requested while the worker is busy
//     gives it stop_grace to finish the message first.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <ensemble/actor.hpp>
#include <ensemble/address.hpp>

#include "executors/process/registry.hpp"
#include "executors/process/worker_process.hpp"
#include "runtime/base/address_codec.hpp"

namespace ensemble::runtime {
class ActorCell;
class SyndicateCore;
}  // namespace ensemble::runtime

namespace ensemble::executors::process {

class ProcessProxy final : public Actor, private runtime::AddressCodec {
 public:
  static constexpr std::size_t crash_limit = 5;
  static constexpr std::chrono::seconds crash_window{10};
  static constexpr std::chrono::milliseconds stop_grace{2000};  // spark: join(2 s)
  static constexpr std::chrono::milliseconds term_grace{1000};
  static constexpr std::chrono::milliseconds start_timeout{10000};

  explicit ProcessProxy(const RegisteredActor& type);
  ~ProcessProxy() override;

  void pre_start() override;
  void post_stop() override;

  // The handler table's dispatch (RegisteredActor::stand_in_type).
  static bool dispatch(Actor& self, Message& m, detail::DispatchResult& out);

 private:
  enum class Read { frame, closed, stop_requested, timed_out };
  // The next frame from the worker. `deadline`: give up then (timed_out);
  // `watch_stop`: return stop_requested once this actor is asked to stop.
  Read read_frame(std::uint8_t& kind, std::span<const std::uint8_t>& body,
                  std::chrono::steady_clock::time_point deadline, bool watch_stop);
  void start_worker();  // throws ExecutorError
  void forward(Message& m);
  // Frames the worker sends while a message (or the start) is under way.
  void deliver_tell(std::span<const std::uint8_t> body);
  std::string take_released(std::span<const std::uint8_t> body);  // returns the note after the list
  void worker_died(Message& m, const std::string& reason);
  // Counts a crash, stops the actor on a crash loop, else tells the parent
  // and starts a new worker.
  void after_crash(const std::string& reason);
  // The worker has exited though no message was under way: replace it.
  bool died_while_idle();
  std::uint64_t handle_for(const ActorAddress& sender);
  ActorAddress address_of(std::uint64_t handle) const;
  // Drops the handles numbered `first` and above (made for a message the
  // worker never read). [this actor's lane]
  void forget_handles_from(std::uint64_t first);
  // runtime::AddressCodec: addresses inside payloads (Codec<ActorAddress>)
  // are handles of the same table as senders: handle + 1 (0: none) and,
  // towards the worker, the actor's number. [this actor's lane]
  void encode(ByteWriter& w, const ActorAddress& a) override;
  ActorAddress decode(ByteReader& r) override;
  runtime::SyndicateCore& core() const noexcept;

  const RegisteredActor& type_;
  runtime::ActorCell* self_ = nullptr;  // our cell; it outlives this object
  ActorAddress parent_address_;
  WorkerProcess worker_;
  std::vector<std::uint8_t> out_;  // a reused frame body
  std::unordered_map<const void*, std::uint64_t> handle_of_;
  std::unordered_map<std::uint64_t, ActorAddress> address_of_;
  std::uint64_t next_handle_;
  std::deque<std::chrono::steady_clock::time_point> crashes_;
};

}  // namespace ensemble::executors::process
