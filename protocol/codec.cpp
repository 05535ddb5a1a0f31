#include "protocol/codec.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>

namespace p2p::codec {
namespace {

// Thrown from inside a load to stop decoding with a precise status.
struct Rejected {
  DecodeStatus status;
};

// Bytes: a u32 length, then the bytes. cereal's own std::string loader would resize to whatever
// 64-bit length the wire declares, so the length is checked against the cap first.
struct BoundedText {
  std::string& text;
  std::size_t cap = kMaxTextSize;
};
template <class Archive>
void save(Archive& ar, const BoundedText& t) {
  ar(static_cast<std::uint32_t>(t.text.size()));
  ar(cereal::binary_data(t.text.data(), t.text.size()));
}
template <class Archive>
void load(Archive& ar, BoundedText& t) {
  std::uint32_t size = 0;
  ar(size);
  if (size > t.cap) throw Rejected{DecodeStatus::Malformed};
  t.text.resize(size);
  ar(cereal::binary_data(t.text.data(), size));
}

// The tail's address list: a u8 count checked against the cap before anything is allocated.
struct BoundedPeers {
  std::vector<Address>& peers;
};
template <class Archive>
void save(Archive& ar, const BoundedPeers& b) {
  ar(static_cast<std::uint8_t>(b.peers.size()));
  for (Address& a : b.peers) ar(a);
}
template <class Archive>
void load(Archive& ar, BoundedPeers& b) {
  std::uint8_t count = 0;
  ar(count);
  if (count > kMaxPeersPerPacket) throw Rejected{DecodeStatus::Malformed};
  b.peers.resize(count);
  for (Address& a : b.peers) ar(a);
}

// The packet type, refused as soon as it is read if this build does not know it.
struct TypeField {
  PacketType& type;
};
template <class Archive>
void save(Archive& ar, const TypeField& f) {
  ar(static_cast<std::uint8_t>(f.type));
}
template <class Archive>
void load(Archive& ar, TypeField& f) {
  std::uint8_t raw = 0;
  ar(raw);
  if (raw >= kCorePacketTypes && raw < kFirstRuleMessage) throw Rejected{DecodeStatus::UnknownType};
  f.type = static_cast<PacketType>(raw);
}

// Reads a byte span in place, without copying it into a stream.
class SpanSource : public std::streambuf {
 public:
  explicit SpanSource(std::span<const std::uint8_t> bytes) {
    // The get area is only read from; streambuf's interface just lacks a const variant.
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(bytes.data()));
    setg(begin, begin, begin + bytes.size());
  }
  std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

// Appends whatever is written to a byte vector.
class VectorSink : public std::streambuf {
 public:
  explicit VectorSink(std::vector<std::uint8_t>& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.push_back(static_cast<std::uint8_t>(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.insert(out_.end(), s, s + n);
    return n;
  }

 private:
  std::vector<std::uint8_t>& out_;
};

// The portable binary archive opens with one byte naming the writer's byte order; we always
// write little-endian, so any other value marks a frame we did not produce.
constexpr std::uint8_t kLittleEndianMark = 1;

std::uint32_t read_length(std::span<const std::uint8_t> b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

}  // namespace
}  // namespace p2p::codec

namespace p2p {

// Every field on the wire, in order. Adding a field to Packet is one more argument here and a
// kVersion bump.
template <class Archive>
void serialize(Archive& ar, Packet& p) {
  ar(codec::TypeField{p.type}, p.hops, p.origin, p.id, codec::BoundedText{p.text}, p.ref, p.degree,
     p.flags, codec::BoundedPeers{p.peers}, p.tag, codec::BoundedText{p.body, kMaxBodySize});
}

template <class Archive>
void serialize(Archive& ar, Address& a) {
  ar(a.ip, a.port);
}

}  // namespace p2p

namespace p2p::codec {

const char* to_string(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::Ok:
      return "ok";
    case DecodeStatus::NeedMore:
      return "truncated frame";
    case DecodeStatus::Oversized:
      return "oversized frame";
    case DecodeStatus::BadVersion:
      return "wrong protocol version";
    case DecodeStatus::UnknownType:
      return "unknown packet type";
    case DecodeStatus::Malformed:
      return "malformed frame";
  }
  return "?";
}

Decoded decode(std::span<const std::uint8_t> bytes) {
  Decoded d;
  if (bytes.size() < kLengthPrefixSize) return d;
  const std::uint32_t length = read_length(bytes);
  // Refuse an impossible length before waiting for (or buffering) the bytes it announces.
  if (length > kMaxFrameSize - kLengthPrefixSize) {
    d.status = DecodeStatus::Oversized;
    return d;
  }
  if (length < 2) {  // a version byte and at least the byte-order mark
    d.status = DecodeStatus::Malformed;
    return d;
  }
  if (bytes.size() >= kHeaderSize && bytes[kLengthPrefixSize] != kVersion) {
    d.status = DecodeStatus::BadVersion;
    return d;
  }
  const std::size_t frame_size = kLengthPrefixSize + length;
  if (bytes.size() < frame_size) return d;

  const auto payload = bytes.subspan(kHeaderSize, length - 1);
  if (payload[0] != kLittleEndianMark) {
    d.status = DecodeStatus::Malformed;
    return d;
  }
  SpanSource source(payload);
  try {
    std::istream stream(&source);
    cereal::PortableBinaryInputArchive archive(stream);
    archive(d.packet);
  } catch (const Rejected& r) {
    d.status = r.status;
    d.packet = Packet{};
    return d;
  } catch (const std::exception&) {  // cereal::Exception: a field ran past the frame's end
    d.status = DecodeStatus::Malformed;
    d.packet = Packet{};
    return d;
  }
  if (source.remaining() != 0) {  // bytes the packet does not account for
    d.status = DecodeStatus::Malformed;
    d.packet = Packet{};
    return d;
  }
  d.status = DecodeStatus::Ok;
  d.consumed = frame_size;
  return d;
}

bool encode(const Packet& packet, std::vector<std::uint8_t>& out) {
  if (packet.text.size() > kMaxTextSize) return false;
  if (packet.peers.size() > kMaxPeersPerPacket) return false;
  if (packet.body.size() > kMaxBodySize) return false;
  const std::size_t start = out.size();
  out.resize(start + kHeaderSize);
  out[start + kLengthPrefixSize] = kVersion;
  {
    VectorSink sink(out);
    std::ostream stream(&sink);
    cereal::PortableBinaryOutputArchive archive(
        stream, cereal::PortableBinaryOutputArchive::Options::LittleEndian());
    // cereal's save path takes the value by non-const reference but does not modify it.
    auto& p = const_cast<Packet&>(packet);
    archive(p);
  }
  const std::size_t frame_size = out.size() - start;
  if (frame_size > kMaxFrameSize) {
    out.resize(start);
    return false;
  }
  const auto length = static_cast<std::uint32_t>(frame_size - kLengthPrefixSize);
  out[start + 0] = static_cast<std::uint8_t>(length >> 24);
  out[start + 1] = static_cast<std::uint8_t>(length >> 16);
  out[start + 2] = static_cast<std::uint8_t>(length >> 8);
  out[start + 3] = static_cast<std::uint8_t>(length);
  return true;
}

}  // namespace p2p::codec
