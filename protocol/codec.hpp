#pragma once
// The wire format: one Packet per frame, as pure functions on byte spans so the codec is tested and
// fuzzed without sockets.
//
// Frame: [u32 big-endian length L][u8 version][L-1 bytes: cereal portable binary of the Packet].
// The payload is type, hops, origin, id, text, ref, degree, flags, a u8-counted address list (at
// most kMaxPeersPerPacket), a join rule's tag and its body (at most kMaxBodySize bytes). Types
// between the seed's three and kFirstRuleMessage are refused as unknown.
// L counts everything after the length prefix; a whole frame is at most kMaxFrameSize bytes.
// Decoding trusts no length from the wire: a declared size is checked against the cap before
// anything is allocated or waited for.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/packet.hpp"

namespace p2p::codec {

// Bumped whenever the packet layout changes; a peer speaking another version is refused.
// 3: core packets carry their author's key and signature in `body` (protocol/auth.hpp).
// 4: JOIN_ACKs and HyParView's NEIGHBOR are signed too; a peer of version 3 would send answers
//    a signing peer refuses.
inline constexpr std::uint8_t kVersion = 4;
inline constexpr std::size_t kLengthPrefixSize = 4;
inline constexpr std::size_t kHeaderSize = kLengthPrefixSize + 1;  // length + version
inline constexpr std::size_t kMaxFrameSize = 64 * 1024;
// Chat text is capped well below the frame so every other field, at its own cap, always fits
// beside it.
inline constexpr std::size_t kMaxTextSize = kMaxFrameSize - 4096;

enum class DecodeStatus : std::uint8_t {
  Ok,
  NeedMore,     // a valid prefix of a frame: wait for more bytes
  Oversized,    // the declared length exceeds kMaxFrameSize
  BadVersion,   // the frame is from an incompatible version of the protocol
  UnknownType,  // a PacketType this build does not know
  Malformed,    // anything else: a zero length, a lying field, trailing bytes, a text over the cap
};
const char* to_string(DecodeStatus s);

// The outcome of decoding the front of a byte stream. `consumed` is the whole frame's size when
// `status` is Ok and 0 otherwise; `packet` is meaningful only when Ok.
struct Decoded {
  DecodeStatus status = DecodeStatus::NeedMore;
  std::size_t consumed = 0;
  Packet packet;
};

// Decodes the first frame of `bytes`. Never reads past `bytes`, never allocates more than
// kMaxFrameSize, never throws.
Decoded decode(std::span<const std::uint8_t> bytes);

// Appends one frame for `packet` to `out`. Returns false (and leaves `out` as it was) when the
// packet cannot be framed: its text exceeds kMaxTextSize or it carries too many addresses.
bool encode(const Packet& packet, std::vector<std::uint8_t>& out);

}  // namespace p2p::codec
