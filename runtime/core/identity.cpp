// ensemble/identity.hpp: spark's identities. uuid5 hashes with OpenSSL's
// SHA-1 (RFC 4122 section 4.3); uuid4 draws from the OS.
#include <ensemble/identity.hpp>

#include <openssl/evp.h>

#include "runtime/base/hex_swar.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>

namespace ensemble {

namespace {

// RFC 4122 appendix C: the DNS namespace, 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
constexpr unsigned char namespace_dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                             0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

std::string short_form(const std::string& text) { return text.substr(0, 8); }

}  // namespace

std::string uuid_text(const unsigned char (&b)[16]) {
  // Eight digits at a time (runtime/base/hex_swar.hpp), one string: codecs
  // format ids per message.
  char d[32];
  for (int i = 0; i < 4; ++i) runtime::bytes_to_hex8(b + 4 * i, d + 8 * i);
  std::string out(36, '-');
  char* o = out.data();
  std::memcpy(o, d, 8);
  std::memcpy(o + 9, d + 8, 4);
  std::memcpy(o + 14, d + 12, 4);
  std::memcpy(o + 19, d + 16, 4);
  std::memcpy(o + 24, d + 20, 12);
  return out;
}

SyndicateId SyndicateId::from_name(std::string_view name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, namespace_dns, sizeof namespace_dns) == 1 &&
                  EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &length) == 1 && length >= 16;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SyndicateId::from_name: SHA-1 is not available");
  unsigned char b[16];
  std::memcpy(b, digest, 16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x50);  // version 5
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return SyndicateId(uuid_text(b));
}

SyndicateId SyndicateId::random() {
  std::random_device rd;
  unsigned char b[16];
  for (int i = 0; i < 16; i += 4) {
    const std::uint32_t r = rd();
    std::memcpy(b + i, &r, 4);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return SyndicateId(uuid_text(b));
}

std::string SyndicateId::to_string() const { return "System(" + short_form(uuid_) + ")"; }

std::string ActorId::to_string() const {
  return "Actor(" + short_form(syndicate_.uuid()) + ":" + short_form(actor_) + ")";
}

}  // namespace ensemble
