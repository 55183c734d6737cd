// The syndicate's event loop (io_loop.hpp).
#include "io/io_loop.hpp"

#include <pthread.h>

#include <cstdio>
#include <exception>

#include <ensemble/errors.hpp>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::io {
namespace {
constexpr char io_loop_key[] = "io-loop";
}

IoLoop::IoLoop() : work_(boost::asio::make_work_guard(context_)) {
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "ensemble-io");
    // A handler that throws (our handlers throw only when out of memory)
    // leaves run(); the loop goes on with the next handler rather than end
    // the process from a thread the user never made, and says so.
    for (;;) {
      try {
        context_.run();
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ensemble: a handler on the event loop failed: %s; the loop goes on\n", e.what());
      } catch (...) {
        std::fputs("ensemble: a handler on the event loop failed; the loop goes on\n", stderr);
      }
    }
  });
}

IoLoop::~IoLoop() { shutdown(); }

void IoLoop::shutdown() noexcept {
  if (!thread_.joinable()) return;
  work_.reset();
  context_.stop();
  thread_.join();
}

IoLoop& io_loop_of(runtime::SyndicateCore& core) {
  runtime::Service* s = core.services().attach(io_loop_key, [] { return std::make_unique<IoLoop>(); });
  if (s == nullptr) throw SyndicateError("syndicate '" + core.name() + "' is shut down");
  return static_cast<IoLoop&>(*s);
}

}  // namespace ensemble::io
