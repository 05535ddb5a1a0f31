#pragma once
// Cuts one connection's byte stream into frames: codec frames carrying a Packet, and the
// transport's own keep-alive frames, which never reach the Node. Pure (no sockets, no clock), so
// the fuzzer drives it exactly as a Session does: ask for space, write some bytes there, commit,
// then take items until it needs more.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/packet.hpp"

namespace p2p::transport {

// A frame holding only the version byte: "still here". Links send it when they have sent nothing
// for a while, so a silent neighbour can be told from an idle one. The codec refuses a frame this
// short, so it can never be mistaken for a packet.
inline constexpr std::array<std::uint8_t, codec::kHeaderSize> kKeepAliveFrame{0, 0, 0, 1,
                                                                              codec::kVersion};

class FrameReader {
 public:
  enum class Kind : std::uint8_t { NeedMore, Packet, KeepAlive, Bad };
  struct Item {
    Kind kind = Kind::NeedMore;
    codec::DecodeStatus status = codec::DecodeStatus::NeedMore;  // why, when Bad
    Packet packet;                                               // when Packet
  };

  FrameReader() : buffer_(kInitialSize) {}

  // Where the next bytes may be written; never empty unless the stream went bad. The buffer grows
  // (doubling, up to the codec's frame cap) only while a frame needs it, and shrinks back to its
  // initial size once it is empty.
  std::span<std::uint8_t> space();
  // `n` bytes (at most space().size()) were written at the front of space().
  void commit(std::size_t n);
  // The next whole item from the committed bytes. After Bad, every call returns Bad: a byte
  // stream cannot be resynchronised.
  Item next();
  // Forgets buffered bytes (a closing connection discards what still arrives).
  void clear();

  // Committed bytes not yet taken: nonzero means a frame is partly here.
  std::size_t buffered() const { return used_ - offset_; }
  std::size_t capacity() const { return buffer_.size(); }
  bool bad() const { return bad_; }

  static constexpr std::size_t kInitialSize = 4096;

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t offset_ = 0;  // first byte not yet taken
  std::size_t used_ = 0;    // bytes committed
  bool bad_ = false;
  codec::DecodeStatus bad_status_ = codec::DecodeStatus::Malformed;
};

}  // namespace p2p::transport
