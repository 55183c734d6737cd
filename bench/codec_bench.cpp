// The codecs side by side (docs/wire.md, "Speed"): encode + decode of one
// envelope (target and sender ids, a message id, a small payload) per
// iteration, and the bytes it takes on the wire (counter "bytes").
//
//   native/*   ensemble's envelope (wire/native), payload by registered type
//   cbor/*     spark's SPCB envelope (wire/spark), payload as a Value
//   libcbor/*  the same CBOR envelope through libcbor's item API (build a
//              tree, cbor_serialize_alloc, cbor_load, walk it): the CBOR
//              library anchor
//   msgpack/*  msgpack-cxx doing the same work: the same fields packed as an
//              array and unpacked into the same C++ struct (built only when
//              msgpack-cxx's headers are found: tools/install-deps)
//
// Payloads: an int; a 16-byte string; a struct of four fields (int64,
// double, string, bool; a map of four keys for the CBOR envelope, which has
// no structs). Time is noisy on this machine: bench/codec_count.cpp counts
// instructions for the same workloads.
#include <benchmark/benchmark.h>

#include "bench/codec_workloads.hpp"

namespace {

template <class Work, class... A>
void run(benchmark::State& state, A... args) {
  Work w(args...);
  std::size_t bytes = 0;
  for (auto _ : state) bytes = w.run();
  state.counters["bytes"] = static_cast<double>(bytes);
}

void native_int(benchmark::State& s) { run<NativeWork>(s, 0); }
void native_string16(benchmark::State& s) { run<NativeWork>(s, 1); }
void native_struct4(benchmark::State& s) { run<NativeWork>(s, 2); }
void cbor_int(benchmark::State& s) { run<CborWork>(s, 0); }
void cbor_string16(benchmark::State& s) { run<CborWork>(s, 1); }
void cbor_struct4(benchmark::State& s) { run<CborWork>(s, 2); }
BENCHMARK(native_int)->Name("native/int");
BENCHMARK(native_string16)->Name("native/string16");
BENCHMARK(native_struct4)->Name("native/struct4");
BENCHMARK(cbor_int)->Name("cbor/int");
BENCHMARK(cbor_string16)->Name("cbor/string16");
BENCHMARK(cbor_struct4)->Name("cbor/struct4");
void libcbor_int(benchmark::State& s) { run<LibcborWork>(s, 0); }
void libcbor_string16(benchmark::State& s) { run<LibcborWork>(s, 1); }
void libcbor_struct4(benchmark::State& s) { run<LibcborWork>(s, 2); }
BENCHMARK(libcbor_int)->Name("libcbor/int");
BENCHMARK(libcbor_string16)->Name("libcbor/string16");
BENCHMARK(libcbor_struct4)->Name("libcbor/struct4");

#ifdef ENSEMBLE_BENCH_HAVE_MSGPACK
void msgpack_int(benchmark::State& s) { run<MsgpackWork<int>>(s, 42); }
void msgpack_string16(benchmark::State& s) { run<MsgpackWork<std::string>>(s, sixteen); }
void msgpack_struct4(benchmark::State& s) { run<MsgpackWork<Quad>>(s, quad); }
BENCHMARK(msgpack_int)->Name("msgpack/int");
BENCHMARK(msgpack_string16)->Name("msgpack/string16");
BENCHMARK(msgpack_struct4)->Name("msgpack/struct4");
#endif

}  // namespace

BENCHMARK_MAIN();
