// The wire codec: every packet survives a round trip, every kind of bad frame gets its own status,
// and no input -- random, mutated or lying about its sizes -- crashes it or makes it allocate
// beyond the frame cap.
#include "protocol/codec.hpp"

#include <gtest/gtest.h>

#include "allocation_probe.hpp"
#include "protocol/random.hpp"

namespace p2p::codec {
namespace {

using Bytes = std::vector<std::uint8_t>;

Address v6_address() {
  Address a;
  for (std::size_t i = 0; i < a.ip.size(); ++i) a.ip[i] = static_cast<std::uint8_t>(0x20 + i);
  a.port = 65535;
  return a;
}

Packet sample(PacketType type) {
  Packet p;
  p.type = type;
  p.hops = 7;
  p.origin = type == PacketType::JoinAck ? v6_address() : Address::v4(0x7f000001, 55555);
  p.id = 0xfedcba9876543210ULL;
  if (type == PacketType::Message) p.text = "hello, \xe2\x9c\x93 world";
  return p;
}

Bytes frame_of(const Packet& p) {
  Bytes out;
  EXPECT_TRUE(encode(p, out));
  return out;
}

// Rewrites the big-endian length prefix of a frame.
void set_length(Bytes& frame, std::uint32_t length) {
  frame[0] = static_cast<std::uint8_t>(length >> 24);
  frame[1] = static_cast<std::uint8_t>(length >> 16);
  frame[2] = static_cast<std::uint8_t>(length >> 8);
  frame[3] = static_cast<std::uint8_t>(length);
}

TEST(Codec, RoundTripsEveryPacketType) {
  for (std::uint8_t t : {0, 1, 2, 16, 17, 255}) {
    const Packet p = sample(static_cast<PacketType>(t));
    const Bytes frame = frame_of(p);
    const Decoded d = decode(frame);
    ASSERT_EQ(d.status, DecodeStatus::Ok) << "type " << int(t);
    EXPECT_EQ(d.consumed, frame.size());
    EXPECT_EQ(d.packet, p);
  }
}

TEST(Codec, RoundTripsExtremeFieldValues) {
  Packet p;
  p.type = PacketType::Message;
  p.hops = 255;
  p.origin = v6_address();
  p.id = ~std::uint64_t{0};
  p.text = std::string(kMaxTextSize, '\0');
  p.text.back() = 'x';
  const Bytes frame = frame_of(p);
  EXPECT_LE(frame.size(), kMaxFrameSize);
  const Decoded d = decode(frame);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.packet, p);

  Packet empty;
  const Decoded e = decode(frame_of(empty));
  ASSERT_EQ(e.status, DecodeStatus::Ok);
  EXPECT_EQ(e.packet, empty);
}

TEST(Codec, RoundTripsTheJoinRulesFields) {
  Packet p = sample(rule_message(1));
  p.ref = 0x0123456789abcdefULL;
  p.degree = 0xfffffffeu;
  p.flags = 0xa5;
  p.tag = 0xbeef;
  p.body.assign(kMaxBodySize, '\x7f');
  for (std::size_t i = 0; i < kMaxPeersPerPacket; ++i)
    p.peers.push_back(Address::v4(0x0a000000 + static_cast<std::uint32_t>(i), 1000));
  p.peers.back() = v6_address();
  const Decoded d = decode(frame_of(p));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.packet, p);
}

TEST(Codec, RefusesMoreAddressesOrBodyThanTheCap) {
  Packet p = sample(rule_message(2));
  p.peers.assign(kMaxPeersPerPacket + 1, v6_address());
  Bytes out;
  EXPECT_FALSE(encode(p, out));
  EXPECT_TRUE(out.empty());
  p.peers.clear();
  p.body.assign(kMaxBodySize + 1, 'x');
  EXPECT_FALSE(encode(p, out));
  EXPECT_TRUE(out.empty());
  // A frame that claims too many addresses: the count sits before the tag (2 bytes) and the
  // body's length (4 bytes) of an empty body.
  p.body.clear();
  Bytes frame = frame_of(p);
  const std::size_t count_at = frame.size() - 2 - 4 - 1;
  frame[count_at] = static_cast<std::uint8_t>(kMaxPeersPerPacket + 1);
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
  frame[count_at] = 255;
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
  // A body that claims more than the cap is refused before anything is allocated.
  Bytes big = frame_of(p);
  big[big.size() - 4] = 0;
  big[big.size() - 3] = 0;
  big[big.size() - 2] = 0x10;  // little-endian 0x00100000
  big[big.size() - 1] = 0;
  EXPECT_EQ(decode(big).status, DecodeStatus::Malformed);
}

TEST(Codec, FrameCutShortIsMalformedAndUnknownTypesAreRefused) {
  Packet p = sample(PacketType::JoinAck);
  Bytes cut = frame_of(p);
  cut.resize(cut.size() - 5);
  set_length(cut, static_cast<std::uint32_t>(cut.size() - kLengthPrefixSize));
  EXPECT_EQ(decode(cut).status, DecodeStatus::Malformed);
  for (std::uint8_t t : {std::uint8_t{kCorePacketTypes}, std::uint8_t{kFirstRuleMessage - 1}}) {
    Packet q = sample(PacketType::JoinReq);
    q.type = static_cast<PacketType>(t);
    EXPECT_EQ(decode(frame_of(q)).status, DecodeStatus::UnknownType) << int(t);
  }
  EXPECT_EQ(decode(frame_of(sample(rule_message(239)))).status, DecodeStatus::Ok);
}

TEST(Codec, LayoutIsLengthThenVersionThenLittleEndianPayload) {
  const Bytes frame = frame_of(sample(PacketType::JoinReq));
  const std::uint32_t length =
      (std::uint32_t{frame[0]} << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3];
  EXPECT_EQ(length, frame.size() - kLengthPrefixSize);
  EXPECT_EQ(frame[4], kVersion);
  EXPECT_EQ(frame[5], 1);  // cereal's byte-order mark: little-endian
  EXPECT_EQ(frame[6], static_cast<std::uint8_t>(PacketType::JoinReq));
  EXPECT_EQ(frame[7], 7);  // hops
  // origin: 16 address bytes, then the port little-endian
  EXPECT_EQ(frame[8 + 10], 0xff);
  EXPECT_EQ(frame[8 + 12], 127);
  EXPECT_EQ(frame[8 + 16], 55555 & 0xff);
  EXPECT_EQ(frame[8 + 17], 55555 >> 8);
}

TEST(Codec, DecodesBackToBackFramesOneAtATime) {
  Bytes stream;
  const std::uint8_t types[] = {0, 1, 2, 16, 200};
  for (std::uint8_t t : types) {
    ASSERT_TRUE(encode(sample(static_cast<PacketType>(t)), stream));
  }
  std::span<const std::uint8_t> rest(stream);
  for (std::uint8_t t : types) {
    const Decoded d = decode(rest);
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.packet, sample(static_cast<PacketType>(t)));
    rest = rest.subspan(d.consumed);
  }
  EXPECT_TRUE(rest.empty());
}

TEST(Codec, EveryProperPrefixNeedsMore) {
  const Bytes frame = frame_of(sample(PacketType::Message));
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const Decoded d = decode(std::span(frame).first(n));
    EXPECT_EQ(d.status, DecodeStatus::NeedMore) << "prefix " << n;
    EXPECT_EQ(d.consumed, 0u);
  }
}

TEST(Codec, RejectsOversizedFrameFromItsHeaderAlone) {
  Bytes header(kLengthPrefixSize);
  set_length(header, static_cast<std::uint32_t>(kMaxFrameSize - kLengthPrefixSize + 1));
  EXPECT_EQ(decode(header).status, DecodeStatus::Oversized);
  set_length(header, 0xffffffffu);
  EXPECT_EQ(decode(header).status, DecodeStatus::Oversized);
  set_length(header, static_cast<std::uint32_t>(kMaxFrameSize - kLengthPrefixSize));
  EXPECT_EQ(decode(header).status, DecodeStatus::NeedMore);
}

TEST(Codec, RejectsWrongVersion) {
  Bytes frame = frame_of(sample(PacketType::Message));
  frame[kLengthPrefixSize] = kVersion + 1;
  EXPECT_EQ(decode(frame).status, DecodeStatus::BadVersion);
  // Known from the header: no need to wait for the body.
  EXPECT_EQ(decode(std::span(frame).first(kHeaderSize)).status, DecodeStatus::BadVersion);
  frame[kLengthPrefixSize] = 0;
  EXPECT_EQ(decode(frame).status, DecodeStatus::BadVersion);
}

TEST(Codec, RejectsUnknownPacketType) {
  Bytes frame = frame_of(sample(PacketType::JoinReq));
  frame[6] = kCorePacketTypes;
  EXPECT_EQ(decode(frame).status, DecodeStatus::UnknownType);
  frame[6] = kFirstRuleMessage - 1;
  EXPECT_EQ(decode(frame).status, DecodeStatus::UnknownType);
  frame[6] = 0xff;  // a join rule's message kind: decoded, its meaning is the rule's
  EXPECT_EQ(decode(frame).status, DecodeStatus::Ok);
}

TEST(Codec, RejectsTooShortLength) {
  for (std::uint32_t length : {0u, 1u}) {
    Bytes frame(kHeaderSize + 1, 0);
    set_length(frame, length);
    frame[kLengthPrefixSize] = kVersion;
    EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed) << length;
  }
}

TEST(Codec, RejectsFrameWhosePayloadEndsEarly) {
  // A length that is consistent with the bytes present but too short for the packet's fields.
  Bytes frame = frame_of(sample(PacketType::JoinReq));
  frame.resize(frame.size() - 3);
  set_length(frame, static_cast<std::uint32_t>(frame.size() - kLengthPrefixSize));
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
}

TEST(Codec, RejectsTrailingBytesInsideFrame) {
  Bytes frame = frame_of(sample(PacketType::JoinAck));
  frame.push_back(0);
  set_length(frame, static_cast<std::uint32_t>(frame.size() - kLengthPrefixSize));
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
}

TEST(Codec, RejectsForeignByteOrderMark) {
  Bytes frame = frame_of(sample(PacketType::JoinAck));
  frame[kHeaderSize] = 0;
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
}

// The text length sits after type(1) hops(1) origin(16+2) id(8) in the payload, after its mark.
constexpr std::size_t kTextLengthOffset = kHeaderSize + 1 + 1 + 1 + 18 + 8;

void set_text_length(Bytes& frame, std::uint32_t n) {  // little-endian, as cereal writes it
  for (int i = 0; i < 4; ++i)
    frame[kTextLengthOffset + i] = static_cast<std::uint8_t>(n >> (8 * i));
}

TEST(Codec, RejectsTextLongerThanItsFrameWithoutAllocatingIt) {
  Bytes frame = frame_of(sample(PacketType::Message));
  set_text_length(frame, 0xfffffff0u);
  ::p2p::testing::reset_largest_allocation();
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
  EXPECT_LE(::p2p::testing::largest_allocation(), kMaxFrameSize);

  // Within the cap but past the frame's end: still refused, still no big allocation.
  set_text_length(frame, static_cast<std::uint32_t>(kMaxTextSize));
  ::p2p::testing::reset_largest_allocation();
  EXPECT_EQ(decode(frame).status, DecodeStatus::Malformed);
  EXPECT_LE(::p2p::testing::largest_allocation(), kMaxFrameSize);
}

TEST(Codec, RefusesToEncodeTextOverTheCap) {
  Packet p = sample(PacketType::Message);
  p.text.assign(kMaxTextSize + 1, 'a');
  Bytes out{9, 9};
  EXPECT_FALSE(encode(p, out));
  EXPECT_EQ(out, (Bytes{9, 9}));
}

// Property: whatever the bytes, decode returns, reports a consumed size within the input, and a
// packet it accepts re-encodes to a frame that decodes to the same packet.
void check_decode_is_sane(std::span<const std::uint8_t> bytes) {
  const Decoded d = decode(bytes);
  if (d.status != DecodeStatus::Ok) {
    ASSERT_EQ(d.consumed, 0u);
    return;
  }
  ASSERT_GT(d.consumed, 0u);
  ASSERT_LE(d.consumed, bytes.size());
  Bytes again;
  ASSERT_TRUE(encode(d.packet, again));
  const Decoded d2 = decode(again);
  ASSERT_EQ(d2.status, DecodeStatus::Ok);
  ASSERT_EQ(d2.packet, d.packet);
}

TEST(Codec, SurvivesRandomBytes) {
  Rng rng(20261127);
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes(rng.below(96));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.next());
    // Half the time give it a plausible header so the body parser is reached.
    if (bytes.size() >= kHeaderSize + 1 && rng.chance(0.5)) {
      set_length(bytes, static_cast<std::uint32_t>(bytes.size() - kLengthPrefixSize));
      bytes[kLengthPrefixSize] = kVersion;
      bytes[kHeaderSize] = 1;
    }
    check_decode_is_sane(bytes);
  }
}

TEST(Codec, SurvivesMutatedFrames) {
  Rng rng(42);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto kind = rng.below(kCorePacketTypes + 2);
    Bytes frame = frame_of(sample(kind < kCorePacketTypes ? static_cast<PacketType>(kind)
                                                          : rule_message(std::uint8_t(kind))));
    const int mutations = 1 + static_cast<int>(rng.below(4));
    for (int m = 0; m < mutations; ++m) {
      switch (rng.below(4)) {
        case 0:  // flip a byte
          frame[rng.below(frame.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
          break;
        case 1:  // cut the tail
          frame.resize(rng.below(frame.size() + 1));
          break;
        case 2:  // append junk
          frame.push_back(static_cast<std::uint8_t>(rng.next()));
          break;
        case 3:  // overwrite the text length (a Message's) with a random size
          if (frame.size() >= kTextLengthOffset + 4)
            set_text_length(frame, static_cast<std::uint32_t>(rng.next()));
          break;
      }
      if (frame.empty()) break;
    }
    ::p2p::testing::reset_largest_allocation();
    check_decode_is_sane(frame);
    ASSERT_LE(::p2p::testing::largest_allocation(), kMaxFrameSize);
    if (decode(frame).status == DecodeStatus::Ok) ++accepted;
  }
  // Mutations such as flipping the id or appending junk after a whole frame keep frames valid;
  // most others must not. Both paths are exercised.
  EXPECT_GT(accepted, 100);
  EXPECT_LT(accepted, 19000);
}

}  // namespace
}  // namespace p2p::codec
