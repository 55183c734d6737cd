// ensemble/payload.hpp: the out-of-line pieces of Payload.
#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/payload.hpp>

namespace ensemble {

namespace detail {
std::string demangle(const char* mangled);
}

std::string Payload::type_name() const {
  return ops_ == nullptr ? std::string("empty") : detail::demangle(ops_->type().name());
}

void Payload::throw_bad_access(const std::type_info& wanted) const {
  throw BadPayloadAccess("payload holds " + type_name() + ", not " +
                         detail::demangle(wanted.name()));
}

}  // namespace ensemble
