// Instructions per envelope round trip, for callgrind (tools/count-codec-
// instructions): runs one codec workload N times.
// Usage: codec-count native|cbor|libcbor|msgpack int|string16|struct4 N
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/codec_workloads.hpp"

namespace {
template <class Work, class... A>
std::size_t repeat(long n, A... args) {
  Work w(args...);
  std::size_t bytes = 0;
  for (long i = 0; i < n; ++i) bytes = w.run();
  return bytes;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: codec-count native|cbor|libcbor|msgpack int|string16|struct4 N\n");
    return 2;
  }
  const std::string codec = argv[1], what = argv[2];
  const long n = std::atol(argv[3]);
  const int which = what == "int" ? 0 : what == "string16" ? 1 : what == "struct4" ? 2 : -1;
  if (which < 0) return 2;
  std::size_t bytes = 0;
  if (codec == "native") {
    bytes = repeat<NativeWork>(n, which);
  } else if (codec == "cbor") {
    bytes = repeat<CborWork>(n, which);
  } else if (codec == "libcbor") {
    bytes = repeat<LibcborWork>(n, which);
#ifdef ENSEMBLE_BENCH_HAVE_MSGPACK
  } else if (codec == "msgpack") {
    bytes = which == 0 ? repeat<MsgpackWork<int>>(n, 42)
            : which == 1 ? repeat<MsgpackWork<std::string>>(n, sixteen)
                         : repeat<MsgpackWork<Quad>>(n, quad);
#endif
  } else {
    std::fprintf(stderr, "codec %s not built\n", codec.c_str());
    return 2;
  }
  std::printf("%s/%s: %zu bytes\n", codec.c_str(), what.c_str(), bytes);
}
