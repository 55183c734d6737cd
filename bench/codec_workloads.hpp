// The codec workloads shared by codec-bench (Google Benchmark, time) and
// codec-count (callgrind, instructions): one envelope round trip each
// (encode, then decode into the same C++ types). Internal linkage on purpose,
// as in bench_actors.hpp.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <ensemble/codec_aggregates.hpp>
#include <ensemble/ensemble.hpp>

#include "wire/native/native_codec.hpp"
#include "wire/spark/spark_codec.hpp"

#ifdef ENSEMBLE_BENCH_HAVE_MSGPACK
#include <msgpack.hpp>
#endif

namespace {

using namespace ensemble;

struct Quad {
  std::int64_t id;
  double price;
  std::string name;
  bool urgent;
#ifdef ENSEMBLE_BENCH_HAVE_MSGPACK
  MSGPACK_DEFINE(id, price, name, urgent)
#endif
};
const bool quad_registered = register_type<Quad>("bench.Quad");

const ActorId target(SyndicateId::from_name("bench-server"), "7bc44254-6d13-4c10-a15b-3e1313c06270");
const ActorId sender(SyndicateId::from_name("bench-client"), "c0b18c5b-e18a-4a8f-b019-5522d5dbe70b");
const std::string sixteen = "0123456789abcdef";
const Quad quad{42, 99.5, "sixteen bytes!!!", true};

Payload payload_of(int which) {
  switch (which) {
    case 0:
      return Payload(42);
    case 1:
      return Payload(sixteen);
    default:
      return Payload(quad);
  }
}

Value value_of(int which) {
  switch (which) {
    case 0:
      return Value(42);
    case 1:
      return Value(sixteen);
    default:
      return Value(ValueMap{{"id", quad.id}, {"price", quad.price}, {"name", quad.name}, {"urgent", quad.urgent}});
  }
}

// One round trip per call; returns the encoded size.
struct NativeWork {
  wire::NativeEnvelope e;
  std::vector<std::uint8_t> buf;
  explicit NativeWork(int which) {
    (void)quad_registered;
    e.target = target;
    e.sender = sender;
    e.message_id = 123456789;
    e.payload = payload_of(which);
  }
  std::size_t run() {
    buf.clear();
    wire::encode_native(e, buf);
    wire::NativeEnvelope back = wire::decode_native(buf);
    if (back.message_id != e.message_id) std::abort();
    return buf.size();
  }
};

struct CborWork {
  wire::WireEnvelope e;
  explicit CborWork(int which) {
    e.target = target;
    e.sender = sender;
    e.message_id = "6b677246-57a6-4d29-803e-498e3e0f03a9";
    e.payload = value_of(which);
  }
  std::size_t run() {
    std::vector<std::uint8_t> body = wire::encode_spark_body(e);
    wire::WireEnvelope back = wire::decode_spark_body(body);
    if (back.message_id != e.message_id) std::abort();
    return body.size();
  }
};

#ifdef ENSEMBLE_BENCH_HAVE_MSGPACK
// The same envelope as msgpack-cxx users write it: the fields as an array,
// unpacked into the same C++ types (ids as text: msgpack has no uuid type).
template <class P>
struct MsgEnvelope {
  std::string target_syndicate, target_actor, sender_syndicate, sender_actor;
  std::uint64_t message_id = 0;
  P payload{};
  MSGPACK_DEFINE(target_syndicate, target_actor, sender_syndicate, sender_actor, message_id, payload)
};

template <class P>
struct MsgpackWork {
  MsgEnvelope<P> e;
  msgpack::sbuffer buf;
  explicit MsgpackWork(P payload)
      : e{target.syndicate_id().uuid(), target.actor_id(), sender.syndicate_id().uuid(), sender.actor_id(), 123456789,
          std::move(payload)} {}
  std::size_t run() {
    buf.clear();
    msgpack::pack(buf, e);
    msgpack::object_handle h = msgpack::unpack(buf.data(), buf.size());
    MsgEnvelope<P> back = h.get().as<MsgEnvelope<P>>();
    if (back.message_id != e.message_id) std::abort();
    return buf.size();
  }
};
#endif

}  // namespace
