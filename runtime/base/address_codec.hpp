// Internal (runtime/): who turns an ActorAddress inside a payload into bytes
// and back.
//
// An address means something only in its syndicate: its cell is a pointer.
// What it becomes on the wire depends on where the bytes go: to a peer
// syndicate it is the actor's ActorId (and the local cell is exported, so
// that the peer can name it back); to a worker process it is a handle of the
// proxy's table. So Codec<ActorAddress> asks the transport at hand, which
// installs itself for the thread with an AddressCodecScope around the
// encode_payload or decode_payload it makes. Without one (a payload encoded
// by the program itself) an address cannot be written or read: CodecError.
//
// Thread safety: the scope is per thread and nests (the previous codec comes
// back when it ends); an AddressCodec's members run on the thread that
// installed it, inside that scope.
#pragma once

namespace ensemble {
class ActorAddress;
class ByteWriter;
class ByteReader;
}  // namespace ensemble

namespace ensemble::runtime {

class AddressCodec {
 public:
  // Writes `a` (maybe empty). Throws CodecError if it cannot cross here.
  virtual void encode(ByteWriter& w, const ActorAddress& a) = 0;
  // Reads what encode wrote on the other side. Throws CodecError for bytes
  // that do not name an address; an address whose actor is gone here reads
  // as an address that dead-letters what it is told.
  virtual ActorAddress decode(ByteReader& r) = 0;

 protected:
  ~AddressCodec() = default;
};

// The codec in force on this thread, or null.
AddressCodec* current_address_codec() noexcept;

class AddressCodecScope {
 public:
  explicit AddressCodecScope(AddressCodec& codec) noexcept;
  ~AddressCodecScope();
  AddressCodecScope(const AddressCodecScope&) = delete;
  AddressCodecScope& operator=(const AddressCodecScope&) = delete;

 private:
  AddressCodec* previous_;
};

}  // namespace ensemble::runtime
