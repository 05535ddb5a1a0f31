// libFuzzer target for the session's frame reassembly (transport/frame_reader.hpp): the input's
// first two bytes seed how the rest is cut into reads, as a socket might cut it; the rest is the
// byte stream. Beyond "no crash, no sanitizer report", it checks the reader's promises: the items
// it yields do not depend on how the stream was cut (they equal a walk over the whole stream at
// once), the buffer never passes the frame cap, there is always room to read into until the
// stream goes bad, and a bad stream stays bad.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/codec.hpp"
#include "transport/frame_reader.hpp"

namespace {

using p2p::transport::FrameReader;
using p2p::transport::kKeepAliveFrame;
namespace codec = p2p::codec;

struct Seen {
  FrameReader::Kind kind;
  codec::DecodeStatus status;
  p2p::Packet packet;
  bool operator==(const Seen&) const = default;
};

// The stream walked whole: keep-alives and codec frames, until the bytes run out or go bad.
std::vector<Seen> reference(std::span<const std::uint8_t> rest) {
  std::vector<Seen> out;
  while (!rest.empty()) {
    // A keep-alive's length prefix waits for its version byte.
    if (rest.size() < kKeepAliveFrame.size() && rest.size() >= codec::kLengthPrefixSize &&
        std::equal(rest.begin(), rest.begin() + codec::kLengthPrefixSize, kKeepAliveFrame.begin()))
      break;
    if (rest.size() >= kKeepAliveFrame.size() &&
        std::equal(kKeepAliveFrame.begin(), kKeepAliveFrame.end(), rest.begin())) {
      out.push_back({FrameReader::Kind::KeepAlive, codec::DecodeStatus::NeedMore, {}});
      rest = rest.subspan(kKeepAliveFrame.size());
      continue;
    }
    codec::Decoded d = codec::decode(rest);
    if (d.status == codec::DecodeStatus::NeedMore) break;
    if (d.status != codec::DecodeStatus::Ok) {
      out.push_back({FrameReader::Kind::Bad, d.status, {}});
      break;
    }
    out.push_back({FrameReader::Kind::Packet, d.status, std::move(d.packet)});
    rest = rest.subspan(d.consumed);
  }
  return out;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint32_t state = (std::uint32_t{data[0]} << 8 | data[1]) * 2654435761u + 1;
  std::span<const std::uint8_t> stream(data + 2, size - 2);

  FrameReader reader;
  std::vector<Seen> got;
  std::size_t at = 0;
  while (at < stream.size() && !reader.bad()) {
    const auto space = reader.space();
    check(!space.empty());
    check(reader.capacity() <= codec::kMaxFrameSize);
    // Reads of 1 byte up to the whole space, skewed towards small ones.
    state = state * 1664525u + 1013904223u;
    const std::size_t limit = (state >> 28) < 8 ? 1 + (state >> 16) % 16 : space.size();
    const std::size_t n = std::min({limit, space.size(), stream.size() - at});
    std::copy_n(stream.begin() + at, n, space.begin());
    reader.commit(n);
    at += n;
    for (;;) {
      FrameReader::Item item = reader.next();
      if (item.kind == FrameReader::Kind::NeedMore) break;
      const auto status =
          item.kind == FrameReader::Kind::KeepAlive ? codec::DecodeStatus::NeedMore : item.status;
      got.push_back({item.kind, status, std::move(item.packet)});
      if (item.kind == FrameReader::Kind::Bad) break;
    }
    check(reader.bad() || reader.buffered() < codec::kMaxFrameSize);
  }
  if (reader.bad()) {
    check(reader.space().empty());
    check(reader.next().kind == FrameReader::Kind::Bad);
  }
  check(got == reference(stream.subspan(0, at)));
  return 0;
}
