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

#include <cbor.h>

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

// spark's CBOR envelope as a libcbor user writes it with the library's item
// API: the same nine-key map (the same bytes as CborWork's), built as a tree
// of cbor_item_t, serialised, loaded back with cbor_load and walked into the
// same C++ types (ids as text, the payload as a Value).
struct LibcborWork {
  int which;
  explicit LibcborWork(int w) : which(w) {}

  static cbor_pair pair(const char* key, cbor_item_t* value) {
    return cbor_pair{cbor_move(cbor_build_string(key)), cbor_move(value)};
  }
  static cbor_item_t* text(const std::string& s) { return cbor_build_stringn(s.data(), s.size()); }
  static cbor_item_t* id_map(const ActorId& id) {
    cbor_item_t* m = cbor_new_definite_map(2);
    (void)cbor_map_add(m, pair("system_uuid", text(id.syndicate_id().uuid())));
    (void)cbor_map_add(m, pair("actor_id", text(id.actor_id())));
    return m;
  }
  cbor_item_t* payload() const {
    switch (which) {
      case 0:
        return cbor_build_uint8(42);
      case 1:
        return text(sixteen);
      default: {
        cbor_item_t* m = cbor_new_definite_map(4);
        (void)cbor_map_add(m, pair("id", cbor_build_uint8(static_cast<std::uint8_t>(quad.id))));
        (void)cbor_map_add(m, pair("price", cbor_build_float8(quad.price)));
        (void)cbor_map_add(m, pair("name", text(quad.name)));
        (void)cbor_map_add(m, pair("urgent", cbor_build_bool(quad.urgent)));
        return m;
      }
    }
  }
  static std::string text_of(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) std::abort();
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
  }
  static Value value_of_item(const cbor_item_t* item) {
    if (cbor_isa_uint(item)) return Value(static_cast<std::int64_t>(cbor_get_int(item)));
    if (cbor_isa_string(item)) return Value(text_of(item));
    if (cbor_isa_float_ctrl(item)) {
      if (cbor_float_ctrl_is_ctrl(item)) return Value(cbor_get_bool(item));
      return Value(cbor_float_get_float(item));
    }
    if (cbor_isa_map(item)) {
      ValueMap m;
      const cbor_pair* p = cbor_map_handle(item);
      for (std::size_t i = 0; i < cbor_map_size(item); ++i) m.append(text_of(p[i].key), value_of_item(p[i].value));
      return Value(std::move(m));
    }
    std::abort();
  }

  std::size_t run() {
    cbor_item_t* root = cbor_new_definite_map(9);
    (void)cbor_map_add(root, pair("type", cbor_build_string("spark.envelope")));
    (void)cbor_map_add(root, pair("target", id_map(target)));
    (void)cbor_map_add(root, pair("payload", payload()));
    (void)cbor_map_add(root, pair("message_id", cbor_build_string("6b677246-57a6-4d29-803e-498e3e0f03a9")));
    (void)cbor_map_add(root, pair("headers", cbor_new_definite_map(0)));
    (void)cbor_map_add(root, pair("sender", id_map(sender)));
    (void)cbor_map_add(root, pair("deadline", cbor_new_null()));
    (void)cbor_map_add(root, pair("correlation_id", cbor_build_string("6b677246-57a6-4d29-803e-498e3e0f03a9")));
    (void)cbor_map_add(root, pair("trace_id", cbor_new_null()));
    unsigned char* buf = nullptr;
    std::size_t capacity = 0;
    const std::size_t size = cbor_serialize_alloc(root, &buf, &capacity);
    cbor_decref(&root);

    cbor_load_result result;
    cbor_item_t* back = cbor_load(buf, size, &result);
    if (back == nullptr || !cbor_isa_map(back)) std::abort();
    std::string message_id, target_uuid, target_actor;
    Value body;
    const cbor_pair* p = cbor_map_handle(back);
    for (std::size_t i = 0; i < cbor_map_size(back); ++i) {
      const std::string key = text_of(p[i].key);
      if (key == "message_id") {
        message_id = text_of(p[i].value);
      } else if (key == "payload") {
        body = value_of_item(p[i].value);
      } else if (key == "target") {
        const cbor_pair* t = cbor_map_handle(p[i].value);
        target_uuid = text_of(t[0].value);
        target_actor = text_of(t[1].value);
      }
    }
    cbor_decref(&back);
    std::free(buf);
    if (message_id.size() != 36 || target_actor != target.actor_id()) std::abort();
    return size + 6;  // plus spark's SPCB magic and version, as CborWork counts them
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
