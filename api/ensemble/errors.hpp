// ensemble/errors.hpp: every exception the runtime throws, with spark's messages.
//
// Everything the runtime itself throws derives from ensemble::Error, so
// `catch (const ensemble::Error&)` catches every runtime failure. Two other
// kinds can reach a caller and are not wrapped: std::bad_alloc when memory
// runs out, and a user's own exception where the API rethrows it on purpose
// (task::run rethrows the task's error, join() the fork's, a pre_start's
// throw leaves create_actor). A handler's exception never leaves a tell: it
// becomes a dead letter "handler failed: ...".
#pragma once

#include <ensemble/export.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

namespace ensemble {

// Base of every ensemble exception.
class ENSEMBLE_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Payload::get<T>() on a payload of another type.
class ENSEMBLE_API BadPayloadAccess : public Error {
 public:
  using Error::Error;
};

// Bytes that a codec cannot read as a message, or a value it cannot write:
// says what was wrong and where ("payload.items[2]: unsupported CBOR tag 1").
class ENSEMBLE_API CodecError : public Error {
 public:
  using Error::Error;
};

// An ask (or tell that must succeed) whose delivery failed at once:
// "Failed to deliver message to <target>: <reason>".
class ENSEMBLE_API MessageDeliveryError : public Error {
 public:
  MessageDeliveryError(std::string target, std::string reason);
  const std::string& target() const noexcept { return target_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string target_;
  std::string reason_;
};

// An ask that got no reply in time: "ask timed out after 0.5 seconds".
class ENSEMBLE_API ActorTimeout : public Error {
 public:
  ActorTimeout(std::string operation, std::chrono::nanoseconds timeout);
  std::chrono::nanoseconds timeout() const noexcept { return timeout_; }

 private:
  std::chrono::nanoseconds timeout_;
};

// An Actor helper (tell, ask, create_actor, ...) used before the actor is bound.
class ENSEMBLE_API ActorNotStartedError : public Error {
 public:
  using Error::Error;
};

// An actor instance started a second time.
class ENSEMBLE_API ActorAlreadyStartedError : public Error {
 public:
  using Error::Error;
};

// An ActorSpec that names no factory, or an execution mode this build cannot run.
class ENSEMBLE_API InvalidActorSpecError : public Error {
 public:
  using Error::Error;
};

// A configuration this syndicate does not support (bad worker count, ...).
class ENSEMBLE_API UnsupportedBackendError : public Error {
 public:
  using Error::Error;
};

// An argument out of its domain (spark's ValueError): a zero or negative ask
// time-out, ...
class ENSEMBLE_API InvalidArgument : public Error {
 public:
  using Error::Error;
};

// Misuse of a Syndicate: creating actors after shutdown, a blocking call on a
// worker thread that would deadlock, ...
class ENSEMBLE_API SyndicateError : public Error {
 public:
  using Error::Error;
};

// An actor in a worker process (Execution::process) called a helper that only
// in-process actors have (spark's RuntimeError "executor actors do not
// support {api}; ..."), or its worker process could not be started.
class ENSEMBLE_API ExecutorError : public Error {
 public:
  using Error::Error;
};

// The awaited operation was cancelled because its actor is stopping.
class ENSEMBLE_API ActorStopped : public Error {
 public:
  using Error::Error;
};

// Formats seconds as spark (Python) prints a float: 10 -> "10.0", 0.25 -> "0.25".
ENSEMBLE_API std::string format_seconds(std::chrono::nanoseconds d);

}  // namespace ensemble
