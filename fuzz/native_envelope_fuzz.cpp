// ensemble's native envelope reader on arbitrary bytes: refuse or accept
// without crashing; an accepted envelope re-encodes to bytes that read back
// with the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <ensemble/errors.hpp>

#include "wire/native/native_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ensemble::wire::NativeEnvelope e;
  try {
    e = ensemble::wire::decode_native(std::span(data, size));
  } catch (const ensemble::CodecError&) {
    return 0;
  }
  std::vector<std::uint8_t> out;
  ensemble::wire::encode_native(e, out);
  const ensemble::wire::NativeEnvelope back = ensemble::wire::decode_native(out);  // must not throw
  if (back.target != e.target || back.sender != e.sender || back.message_id != e.message_id ||
      back.correlation_id != e.correlation_id || back.deadline != e.deadline || back.payload.ops() != e.payload.ops()) {
    std::abort();
  }
  return 0;
}
