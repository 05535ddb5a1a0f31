#pragma once
// Simulated nodes have real-looking addresses so the protocol handles them as it would on TCP:
// node i listens at [fd70:3270::i]:55555 (a unique-local prefix no real peer uses).
#include <bit>
#include <cstdint>
#include <cstring>

#include "protocol/address.hpp"
#include "protocol/peer_book.hpp"

namespace p2p::sim {

inline constexpr std::uint16_t kSimPort = 55555;
// The first eight bytes of every simulated address.
inline constexpr std::uint8_t kSimPrefix[8] = {0xfd, 0x70, 0x32, 0x70, 0, 0, 0, 0};

// Writes the address of node `index` into `a` where it lies: a copy of a freshly built address,
// read as one 16-byte word from two 8-byte writes still on their way to memory, waits for them.
inline void set_address_of(Address& a, std::uint32_t index) {
  // Written as words: every packet event rebuilds its origin, every send its peer's address.
  // Bytes 12-15 hold the index big-endian.
  const std::uint64_t tail = std::endian::native == std::endian::little
                                 ? std::uint64_t{__builtin_bswap32(index)} << 32
                                 : std::uint64_t{index};
  std::memcpy(a.ip.data(), kSimPrefix, 8);
  std::memcpy(a.ip.data() + 8, &tail, 8);
  a.port = kSimPort;
}

inline Address address_of(std::uint32_t index) {
  Address a;
  set_address_of(a, index);
  return a;
}

inline std::uint32_t index_of(const Address& a) {
  return (std::uint32_t{a.ip[12]} << 24) | (std::uint32_t{a.ip[13]} << 16) |
         (std::uint32_t{a.ip[14]} << 8) | std::uint32_t{a.ip[15]};
}

// Whether `a` is a simulated node's address (of some index).
// Every packet's origin is checked: two word compares rather than a byte loop or a memcmp.
inline bool is_sim_address(const Address& a) {
  std::uint64_t head, prefix;
  std::uint32_t middle;
  std::memcpy(&head, a.ip.data(), 8);
  std::memcpy(&prefix, kSimPrefix, 8);
  std::memcpy(&middle, a.ip.data() + 8, 4);
  return a.port == kSimPort && head == prefix && middle == 0;
}

// The simulator's PeerBook: a node's id is its index, so the book keeps no table and is shared,
// immutable, by every simulation. An address no simulated node can have (a forged one) gets
// kNoPeer, whose address is that of an index no network reaches.
class SimBook final : public PeerBook {
 public:
  PeerId hold(const Address& a) override { return find(a); }
  void release(PeerId) override {}
  PeerId find(const Address& a) const override { return is_sim_address(a) ? index_of(a) : kNoPeer; }
  Address address(PeerId id) const override { return address_of(id); }
};

// The one SimBook.
const PeerBookPtr& sim_book();

}  // namespace p2p::sim
