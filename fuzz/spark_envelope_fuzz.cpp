// spark's SPCB envelope reader on arbitrary bytes (a frame body): refuse or
// accept without crashing; an accepted envelope re-encodes to a body that
// reads back as the same envelope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <ensemble/errors.hpp>

#include "wire/spark/spark_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ensemble::wire::WireEnvelope e;
  try {
    e = ensemble::wire::decode_spark_body(std::span(data, size));
  } catch (const ensemble::CodecError&) {
    return 0;
  }
  const std::vector<std::uint8_t> body = ensemble::wire::encode_spark_body(e);
  const ensemble::wire::WireEnvelope back = ensemble::wire::decode_spark_body(body);  // must not throw
  // Payloads holding NaN are not equal to themselves; compare the rest.
  if (back.target != e.target || back.message_id != e.message_id || back.sender != e.sender ||
      back.deadline != e.deadline || back.correlation_id != e.correlation_id || back.trace_id != e.trace_id) {
    std::abort();
  }
  return 0;
}
