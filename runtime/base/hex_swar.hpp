// Internal: lower-case hex <-> bytes, eight characters at a time in one
// 64-bit word (SWAR). Codecs turn every uuid of every envelope to 16 bytes
// and back; a table lookup per character cost about 270 instructions per
// uuid; parsing without checks and formatting back to compare costs about
// 100 (tools/count-codec-instructions, docs/wire.md).
// Little-endian hosts only (the first character is the word's low byte).
#pragma once

#include <cstdint>
#include <cstring>

namespace ensemble::runtime {

// Eight hex digits at `p` -> four bytes at `out`, without checking them:
// a character that is not a digit gives some nibble. Callers that must
// refuse non-digits format the bytes back and compare (hex8_is_canonical),
// which is cheaper than classifying each character.
inline void hex8_to_bytes_unchecked(const char* p, unsigned char* out) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  // '0'-'9' are 0x30-0x39 and 'a'-'f' 0x61-0x66: the low nibble, plus 9 for letters.
  const std::uint64_t nib = (x & 0x0f0f0f0f0f0f0f0fULL) + ((x >> 6) & 0x0101010101010101ULL) * 9;
  std::uint64_t t = ((nib << 4) | (nib >> 8)) & 0x00ff00ff00ff00ffULL;
  t = (t | (t >> 8)) & 0x0000ffff0000ffffULL;
  t = (t | (t >> 16)) & 0x00000000ffffffffULL;
  const auto w = static_cast<std::uint32_t>(t);
  std::memcpy(out, &w, 4);
}

// Four bytes at `b` -> eight lower-case hex digits at `out`.
inline void bytes_to_hex8(const unsigned char* b, char* out) noexcept {
  std::uint32_t v32;
  std::memcpy(&v32, b, 4);
  std::uint64_t x = v32;
  x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
  x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;  // byte 2j = b[j]
  const std::uint64_t n = ((x >> 4) & 0x000f000f000f000fULL) | ((x & 0x000f000f000f000fULL) << 8);
  const std::uint64_t ten_up = ((n + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;  // 1 where n >= 10
  const std::uint64_t c = n + 0x3030303030303030ULL + ten_up * 39;  // 'a' - '0' - 10 = 39
  std::memcpy(out, &c, 8);
}

}  // namespace ensemble::runtime
