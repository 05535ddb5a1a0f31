#pragma once
// The values that travel between peers. The codec turns them into frames; the simulator carries
// them as they are.
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/address.hpp"

namespace p2p {

enum class PacketType : std::uint8_t {
  Message = 0,      // chat text, flooded once per id
  JoinReq = 1,      // a newcomer asks to be connected; walks the overlay until accepted
  JoinAck = 2,      // the first packet of a new lasting connection; answers request `ref`
  Neighbor = 3,     // HyParView: "take me into your active view" on a connection we opened
  Shuffle = 4,      // HyParView: a sample of addresses walking to a random peer
  ShuffleReply = 5  // HyParView: the walk's end answers with a sample of its own
};
inline constexpr std::uint8_t kPacketTypeCount = 6;

// Bits of Packet::flags.
inline constexpr std::uint8_t kFlagBounced = 1;       // JOIN_REQ: a refused Metropolis move
inline constexpr std::uint8_t kFlagForwardJoin = 2;   // JOIN_REQ: HyParView's FORWARDJOIN walk
inline constexpr std::uint8_t kFlagHighPriority = 4;  // Neighbor: the sender has no neighbour left

// At most this many addresses ride in one packet (a shuffle's sample).
inline constexpr std::size_t kMaxPeersPerPacket = 64;

struct Packet {
  PacketType type = PacketType::Message;
  std::uint8_t hops = 0;   // times a JOIN_REQ was passed on, or a message forwarded
  std::uint8_t flags = 0;  // kFlag* bits
  Address origin;          // the newcomer (JOIN_REQ), the acceptor (JOIN_ACK), the author (Message)
  std::uint32_t degree = 0;    // JOIN_REQ: the sender's degree, for a Metropolis-Hastings walk
  std::uint64_t id = 0;        // unique id: a message's flood key, a request's identity
  std::uint64_t ref = 0;       // JOIN_ACK, ShuffleReply: the id of the request this answers
  std::string text;            // chat text (Message only)
  std::vector<Address> peers;  // Shuffle, ShuffleReply: at most kMaxPeersPerPacket addresses

  friend bool operator==(const Packet&, const Packet&) = default;
};

}  // namespace p2p
