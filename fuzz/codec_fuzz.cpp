// libFuzzer target for the wire decoder. Beyond "no crash, no sanitizer report", it checks the
// codec's own promises: a refused input consumes nothing, and an accepted frame re-encodes to a
// frame that decodes to the same packet.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace p2p::codec;
  std::span<const std::uint8_t> rest(data, size);
  // Walk the input as a stream, as the transport does with a connection's bytes.
  while (!rest.empty()) {
    const Decoded d = decode(rest);
    if (d.status != DecodeStatus::Ok) {
      if (d.consumed != 0) std::abort();
      break;
    }
    if (d.consumed == 0 || d.consumed > rest.size()) std::abort();
    std::vector<std::uint8_t> again;
    if (!encode(d.packet, again)) std::abort();
    const Decoded d2 = decode(again);
    if (d2.status != DecodeStatus::Ok || !(d2.packet == d.packet) || d2.consumed != again.size())
      std::abort();
    rest = rest.subspan(d.consumed);
  }
  return 0;
}
