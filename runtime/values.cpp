// Out-of-line pieces of the value types: errors, payload, address.
#include <cxxabi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <ensemble/address.hpp>
#include <ensemble/errors.hpp>
#include <ensemble/payload.hpp>

#include "runtime/syndicate_core.hpp"

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

std::string Payload::type_name() const {
  return ops_ == nullptr ? std::string("empty") : detail::demangle(ops_->type().name());
}

void Payload::throw_bad_access(const std::type_info& wanted) const {
  throw BadPayloadAccess("payload holds " + type_name() + ", not " +
                         detail::demangle(wanted.name()));
}

std::string ActorAddress::to_string() const {
  if (cell_ == nullptr) return "ActorAddr-None";
  char buf[64];
  std::snprintf(buf, sizeof buf, "ActorAddr-Actor(%s:%08llx)", cell_->core()->id_text().c_str(),
                static_cast<unsigned long long>(cell_->id()));
  return buf;
}

}  // namespace ensemble
