// Internal (io/): the syndicate's one event loop, a Boost.Asio io_context run
// by one thread ("ensemble-io"), shared by fd watches (fd_watches.hpp) and
// the remote transports. It hands work to actors by tell and never runs a
// handler itself.
//
// Attached to a syndicate on first use (io_loop_of) as a runtime Service:
// its shutdown stops the context and joins the thread, after the services
// attached later (which use it) shut down.
//
// Thread safety: context() may be used from any thread for what Asio allows
// from any thread (post, dispatch to the loop); objects bound to the context
// are touched only on the loop thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

#include "runtime/core/services.hpp"

namespace ensemble::runtime {
class SyndicateCore;
}

namespace ensemble::io {

class IoLoop final : public runtime::Service {
 public:
  IoLoop();
  ~IoLoop() override;

  boost::asio::io_context& context() noexcept { return context_; }
  bool on_loop_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

  void actor_stopped(runtime::ActorCell&) noexcept override {}
  // Stops the loop and joins its thread; what is still posted is dropped.
  void shutdown() noexcept override;

 private:
  boost::asio::io_context context_{1};  // one thread runs it: Asio may skip its locks' contention paths
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// The syndicate's loop, started on first use. Throws SyndicateError once the
// syndicate is shutting down.
IoLoop& io_loop_of(runtime::SyndicateCore& core);

}  // namespace ensemble::io
