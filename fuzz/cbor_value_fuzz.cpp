// spark's CBOR value reader on arbitrary bytes: it must refuse or accept
// without crashing, and what it accepts must re-encode to CBOR that reads
// back as the same value (NaN aside, which is not equal to itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <ensemble/errors.hpp>

#include "wire/cbor/cbor_value.hpp"

namespace {
bool has_nan(const ensemble::Value& v) {
  using namespace ensemble;
  if (const double* d = v.get_if<double>()) return *d != *d;
  if (const ValueArray* a = v.get_if<ValueArray>()) {
    for (const Value& x : *a) if (has_nan(x)) return true;
  }
  if (const ValueTuple* t = v.get_if<ValueTuple>()) {
    for (const Value& x : t->items) if (has_nan(x)) return true;
  }
  if (const ValueMap* m = v.get_if<ValueMap>()) {
    for (const auto& [k, x] : *m) if (has_nan(x)) return true;
  }
  return false;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ensemble::Value v;
  try {
    v = ensemble::wire::decode_cbor(std::span(data, size), "payload");
  } catch (const ensemble::CodecError&) {
    return 0;
  }
  std::vector<std::uint8_t> out;
  ensemble::wire::encode_cbor(v, out);
  const ensemble::Value back = ensemble::wire::decode_cbor(out, "payload");  // must not throw
  if (!has_nan(v) && !(back == v)) std::abort();
  return 0;
}
