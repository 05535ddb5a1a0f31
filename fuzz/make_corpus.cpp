// Writes one valid frame per packet type into a directory, as the fuzzer's starting corpus.
#include <cstdio>
#include <string>
#include <vector>

#include "protocol/codec.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR\n");
    return 2;
  }
  // The seed's three packet types and two of a join rule's own.
  for (std::uint8_t t = 0; t < p2p::kCorePacketTypes + 2; ++t) {
    p2p::Packet p;
    p.type = t < p2p::kCorePacketTypes ? static_cast<p2p::PacketType>(t) : p2p::rule_message(t);
    p.hops = t;
    p.origin = p2p::Address::v4(0x7f000001, static_cast<std::uint16_t>(55555 + t));
    p.id = 0x0123456789abcdefULL + t;
    if (p.type == p2p::PacketType::Message) p.text = "hello";
    // Every frame carries the tail; give the fuzzer non-default values and a short address list.
    p.ref = 0xfedcba9876543210ULL - t;
    p.degree = 3u + t;
    p.flags = t;
    p.peers.assign(t % 3, p.origin);
    if (t >= p2p::kCorePacketTypes) {
      p.tag = static_cast<std::uint16_t>(0x1234 + t);
      p.body = "rule body";
    } else if (t != 2) {  // a message's or JOIN_REQ's proof: key, (sequence,) signature
      p.body.assign(t == 0 ? 104 : 96, static_cast<char>(0x40 + t));
    }
    std::vector<std::uint8_t> frame;
    if (!p2p::codec::encode(p, frame)) return 1;
    const std::string path = std::string(argv[1]) + "/type" + std::to_string(t);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 1;
    std::fwrite(frame.data(), 1, frame.size(), f);
    std::fclose(f);
  }
  return 0;
}
