#pragma once
// Simulated nodes have real-looking addresses so the protocol handles them as it would on TCP:
// node i listens at [fd70:3270::i]:55555 (a unique-local prefix no real peer uses).
#include <cstdint>

#include "protocol/address.hpp"

namespace p2p::sim {

inline constexpr std::uint16_t kSimPort = 55555;

inline Address address_of(std::uint32_t index) {
  Address a;
  a.ip[0] = 0xfd;
  a.ip[1] = 0x70;
  a.ip[2] = 0x32;
  a.ip[3] = 0x70;
  a.ip[12] = static_cast<std::uint8_t>(index >> 24);
  a.ip[13] = static_cast<std::uint8_t>(index >> 16);
  a.ip[14] = static_cast<std::uint8_t>(index >> 8);
  a.ip[15] = static_cast<std::uint8_t>(index);
  a.port = kSimPort;
  return a;
}

inline std::uint32_t index_of(const Address& a) {
  return (std::uint32_t{a.ip[12]} << 24) | (std::uint32_t{a.ip[13]} << 16) |
         (std::uint32_t{a.ip[14]} << 8) | std::uint32_t{a.ip[15]};
}

}  // namespace p2p::sim
