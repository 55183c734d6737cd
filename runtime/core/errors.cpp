// ensemble/errors.hpp: the exceptions' messages, and the two text helpers
// they use (format_seconds, demangle).
#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <ensemble/errors.hpp>

namespace ensemble {

namespace detail {
std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(mangled);
}
}  // namespace detail

std::string format_seconds(std::chrono::nanoseconds d) {
  double s = std::chrono::duration<double>(d).count();
  char buf[64];
  // Python's repr of a float: the shortest form, with ".0" for whole numbers.
  std::snprintf(buf, sizeof buf, "%.15g", s);
  std::string out(buf);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

MessageDeliveryError::MessageDeliveryError(std::string target, std::string reason)
    : Error("Failed to deliver message to " + target + ": " + reason),
      target_(std::move(target)),
      reason_(std::move(reason)) {}

ActorTimeout::ActorTimeout(std::string operation, std::chrono::nanoseconds timeout)
    : Error(operation + " timed out after " + format_seconds(timeout) + " seconds"),
      timeout_(timeout) {}

}  // namespace ensemble
