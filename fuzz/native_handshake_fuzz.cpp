// The native remote protocol's first reader of outside bytes: the framing
// (remote/native/frames.hpp) feeding the handshake (handshake.hpp), as an
// acceptor (first byte even) or as an opener that has sent its hello (odd).
// Neither may crash, and whatever the bytes, no handshake may succeed: the
// input cannot know the secret or answer a fresh nonce.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <ensemble/errors.hpp>

#include "remote/native/handshake.hpp"

using namespace ensemble::remote::native;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool acceptor = (data[0] & 1) == 0;
  Handshake hs(acceptor ? Handshake::Role::acceptor : Handshake::Role::opener,
               HandshakeConfig{ensemble::SyndicateId::from_name("fuzz-self"), "fuzz secret", {}});
  std::vector<std::uint8_t> out;
  hs.start(out);
  // Split the rest at the second byte's offset, so frames arrive in pieces.
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::size_t cut = rest.empty() ? 0 : rest[0] % (rest.size() + 1);
  FrameReader reader(4096, acceptor);
  try {
    for (const auto& piece : {rest.first(cut), rest.subspan(cut)}) {
      reader.feed(piece);
      while (auto f = reader.next()) {
        out.clear();
        const Handshake::Step step = hs.on_frame(*f, out);
        if (step == Handshake::Step::done) std::abort();  // authenticated without the secret
        if (step == Handshake::Step::failed) return 0;
      }
    }
  } catch (const ensemble::CodecError&) {
    return 0;  // the framing refused the stream: the connection closes
  }
  return 0;
}
