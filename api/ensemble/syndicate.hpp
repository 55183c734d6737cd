// ensemble/syndicate.hpp: Syndicate, the actor system.
//
//     ensemble::Syndicate syn("hello");
//     auto hello = syn.create_actor<HelloActor>();
//     syn.tell(hello, "World");
//     auto reply = syn.receive(std::chrono::seconds(1));   // "Hello World"
//
// A Syndicate owns a pool of worker threads that run its actors, a timer
// thread, and the system inbox that receive()/listen() read. It is RAII: the
// destructor shuts down (stops every actor in reverse creation order, turns
// later deliveries into dead letters, joins every thread).
//
// Thread safety: every member may be called from any thread, including from
// actor handlers, except the blocking ones (receive, listen, ask(...).get()),
// which throw SyndicateError on a worker thread instead of deadlocking it.
// Lifetime: destroy a Syndicate from plain code, never from one of its own
// actors' handlers (its destructor joins the threads that run them).
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ensemble/actor.hpp>
#include <ensemble/address.hpp>
#include <ensemble/identity.hpp>
#include <ensemble/remote.hpp>
#include <ensemble/ask.hpp>
#include <ensemble/diagnostics.hpp>
#include <ensemble/messages.hpp>
#include <ensemble/payload.hpp>
#include <ensemble/spec.hpp>

namespace ensemble {

// What Execution::system means in a syndicate (spark's `backend`). status()
// and diagnostics() report spark's names for it: "async-inprocess",
// "async-hybrid-threaded", "async-hybrid-process".
enum class Backend {
  inprocess,  // system actors run on the work-stealing pool
  threaded,   // system actors get a thread each (Execution::thread)
  process,    // system actors run in a worker process (Execution::process)
};
ENSEMBLE_API const char* to_string(Backend backend) noexcept;         // "inprocess", "threaded", "process"
ENSEMBLE_API const char* backend_type_name(Backend backend) noexcept;  // "async-inprocess", ...

struct ENSEMBLE_API SyndicateConfig {
  // Worker threads; 0 means one per core available to the process.
  std::size_t workers = 0;
  Backend backend = Backend::inprocess;
  // Pins pool worker i to one processing unit: the first of every physical
  // core first, then the hyper-thread siblings (hwloc's topology). Off by
  // default: the kernel then places the workers.
  bool pin_workers = false;
  // Messages an actor handles per activation before it yields its worker.
  std::size_t messages_per_activation = 64;
  // Dead letters kept for dead_letters(); older ones are dropped from the list
  // (never from the count in status()).
  std::size_t dead_letters_kept = 10000;
  // Remote syndicates: off unless remote.enabled (ensemble/remote.hpp).
  RemoteConfig remote = {};

  friend bool operator==(const SyndicateConfig&, const SyndicateConfig&) = default;
};

class Endpoint;

class ENSEMBLE_API Syndicate {
 public:
  explicit Syndicate(std::string name = {}, SyndicateConfig config = {});
  ~Syndicate();
  Syndicate(const Syndicate&) = delete;
  Syndicate& operator=(const Syndicate&) = delete;

  const std::string& name() const noexcept;
  // spark's identity: uuid5(NAMESPACE_DNS, name), or a random uuid4 when the
  // syndicate has no name. Peers name this syndicate by it.
  const SyndicateId& id() const noexcept;

  template <class A, class... Args>
  ActorAddress create_actor(Args&&... args) {
    return start_storage(detail::make_actor_storage<A>(std::forward<Args>(args)...));
  }
  ActorAddress create_actor_from_spec(const ActorSpec& spec);
  // Starts an actor made elsewhere (spark's start_actor); A's process() is
  // used unless the actor was made by ActorSpec::of. A second start of the
  // same instance throws ActorAlreadyStartedError.
  template <class A>
  ActorAddress start_actor(std::unique_ptr<A> actor) {
    if constexpr (!std::is_same_v<A, Actor>) {
      if (actor) detail::bind_actor_type<A>(*actor);
    }
    return start_storage(detail::ActorStorage{actor.release(), false, 0});
  }

  // Tells `payload` to `target`; the sender is the system inbox.
  DeliveryResult tell(const ActorAddress& target, Payload payload);
  // Tells a prepared message (sender, deadline, correlation id kept).
  DeliveryResult tell(const ActorAddress& target, Message message);
  // Asks `target`; get() it from plain code or co_await it from a coroutine.
  AskOperation ask(const ActorAddress& target, Payload payload,
                   std::chrono::nanoseconds timeout = default_ask_timeout);

  // The next payload that reached the system inbox, or nullopt after `timeout`
  // (no_timeout: wait until one arrives or the syndicate shuts down).
  std::optional<Payload> receive(std::chrono::nanoseconds timeout = no_timeout);
  // The system inbox as a blocking range; iteration ends at shutdown.
  class Listener;
  Listener listen();
  // A private inbox with the same API.
  Endpoint endpoint();
  // The system inbox's address (the sender of syndicate tells).
  ActorAddress inbox_address() const;

  // Remote syndicates (ensemble/remote.hpp). Each throws
  // UnsupportedBackendError("remote transport is not enabled") unless
  // SyndicateConfig::remote.enabled.
  // Where this syndicate listens (the port picked when it asked for 0).
  RemoteEndpoint remote_address() const;
  // Where `peer` listens: the first message for it opens the connection
  // (spark's connect). A peer that connected here needs no connect(): the
  // connection is used both ways. A later call replaces the route.
  // RemoteProtocol::spark speaks to a Python spark syndicate; both sides
  // then need connect(), as in spark (replies go by the route table).
  void connect(const SyndicateId& peer, const std::string& host, std::uint16_t port,
               RemoteProtocol protocol = RemoteProtocol::native);
  // The address of an actor of another syndicate, from its id (as printed,
  // or received in a payload as an ActorRef): tell it, ask it. The same id
  // gives an equal address while either is held. An id of this syndicate
  // gives the local actor, if it was published or sent a message out.
  ActorAddress remote_actor(const ActorId& id);
  // Publishes a local actor under `name` for peers' lookup(); a later call
  // replaces it. The name ends with the actor's stop.
  void publish(const std::string& name, const ActorAddress& actor);
  // The actor `peer` published under `name`. Throws MessageDeliveryError
  // when the peer has no such name or cannot be reached, ActorTimeout after
  // `timeout`. Blocking: call it from plain code (SyndicateError on a worker
  // thread, as receive()).
  ActorAddress lookup(const SyndicateId& peer, const std::string& name,
                      std::chrono::nanoseconds timeout = std::chrono::seconds(5));

  // Stops one actor (reason "actor stopped"); false if it was already stopping.
  bool stop(const ActorAddress& actor);
  // Stops every actor in reverse creation order and joins every thread.
  // Idempotent; called by the destructor.
  void shutdown();
  bool is_shut_down() const noexcept;

  // The most recent dead letters (SyndicateConfig::dead_letters_kept of them),
  // oldest first; status().dead_letter_count counts all of them.
  std::vector<std::shared_ptr<const DeadLetter>> dead_letters() const;
  SystemStatus status() const;
  // Every live actor (creation order) with its parent, children, state and
  // the messages waiting for it, plus the syndicate's figures: spark's
  // diagnostics(). The mailbox of an actor that is being run can only be
  // counted between two of its messages (keeping a count would cost every
  // tell an atomic read-modify-write), so this waits up to `wait` for busy
  // actors to reach a message boundary; one still inside a handler then has
  // an empty mailbox_depth. Called from an actor's handler (or any worker
  // thread) it does not wait at all. Concurrent calls take turns.
  RuntimeDiagnostics diagnostics(
      std::chrono::nanoseconds wait = std::chrono::milliseconds(100)) const;


 private:
  friend struct runtime::CoreAccess;  // the runtime's way in (runtime/core/syndicate_core.hpp)
  ActorAddress start_storage(detail::ActorStorage storage);

  // Shared with the Endpoints and Listeners made from this syndicate, so that
  // they stay safe to use (and to destroy) after it is gone.
  std::shared_ptr<runtime::SyndicateCore> core_;
};

// A private inbox: replies to its tells and asks come back here.
//
// Lifetime: an Endpoint may outlive its Syndicate. Once the syndicate is shut
// down (or destroyed) its tells fail with "system is shut down", receive()
// returns nullopt at once, ask() throws MessageDeliveryError, and
// create_actor() throws SyndicateError; destroying it is always safe. A
// moved-from Endpoint throws SyndicateError from every call.
//
// Thread safety: any member may be called from several threads at once.
// receive() from several threads hands each message to one of them. ask()
// takes the next message of this inbox as its reply, so two threads asking
// through one endpoint at once may take each other's replies: give each
// concurrent asker an endpoint of its own (or use Syndicate::ask).
class ENSEMBLE_API Endpoint {
 public:
  Endpoint(Endpoint&&) noexcept;
  Endpoint& operator=(Endpoint&&) noexcept;
  ~Endpoint();

  DeliveryResult tell(const ActorAddress& target, Payload payload);
  // Sends from this endpoint and returns the next message in it; throws
  // ActorTimeout when none arrives in time.
  Payload ask(const ActorAddress& target, Payload payload,
                             std::chrono::nanoseconds timeout = default_ask_timeout);
  std::optional<Payload> receive(std::chrono::nanoseconds timeout = no_timeout);
  std::optional<Message> receive_message(std::chrono::nanoseconds timeout = no_timeout);
  template <class A, class... Args>
  ActorAddress create_actor(Args&&... args) {
    return start_storage(detail::make_actor_storage<A>(std::forward<Args>(args)...));
  }
  const ActorAddress& address() const noexcept { return address_; }

 private:
  friend class Syndicate;
  Endpoint(std::shared_ptr<runtime::SyndicateCore> core, ActorAddress inbox) noexcept;
  ActorAddress start_storage(detail::ActorStorage storage);
  runtime::SyndicateCore& live_core() const;  // throws SyndicateError once moved from
  std::shared_ptr<runtime::SyndicateCore> core_;  // declared first: outlives address_
  ActorAddress address_;
};

// The system inbox as a range: each step blocks for the next payload, and
// the iteration ends once the syndicate shuts down (at once if it already
// has). A Listener may outlive its Syndicate (it then yields nothing). One
// Listener is iterated by one thread; several Listeners (or receive() calls)
// on one syndicate share its inbox, each payload going to one of them.
class ENSEMBLE_API Syndicate::Listener {
 public:
  struct End {};
  class Iterator {
   public:
    using value_type = Payload;
    using difference_type = std::ptrdiff_t;
    explicit Iterator(runtime::SyndicateCore* core) : core_(core) { advance(); }
    Payload& operator*() noexcept { return *current_; }
    Iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    friend bool operator==(const Iterator& it, End) noexcept { return !it.current_.has_value(); }

   private:
    void advance() { current_ = Listener::next(*core_); }
    runtime::SyndicateCore* core_;  // kept alive by the Listener
    std::optional<Payload> current_;
  };
  explicit Listener(std::shared_ptr<runtime::SyndicateCore> core) noexcept : core_(std::move(core)) {}
  Iterator begin() { return Iterator(core_.get()); }
  End end() const noexcept { return {}; }

 private:
  static std::optional<Payload> next(runtime::SyndicateCore& core);
  std::shared_ptr<runtime::SyndicateCore> core_;
};

inline Syndicate::Listener Syndicate::listen() { return Listener(core_); }

}  // namespace ensemble
