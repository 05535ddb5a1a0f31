#pragma once
// The values that travel between peers. The codec turns them into frames; the simulator carries
// them as they are.
#include <cstdint>
#include <string>

#include "protocol/address.hpp"

namespace p2p {

enum class PacketType : std::uint8_t {
  Message = 0,  // chat text, flooded once per id
  JoinReq = 1,  // a newcomer asks to be connected; walks the overlay until accepted
  JoinAck = 2,  // sent by the acceptor as the first packet of a new lasting connection
};
inline constexpr std::uint8_t kPacketTypeCount = 3;

struct Packet {
  PacketType type = PacketType::Message;
  std::uint8_t hops = 0;  // times a JOIN_REQ was passed on, or a message forwarded
  Address origin;         // the newcomer (JOIN_REQ), the acceptor (JOIN_ACK), the author (Message)
  std::uint64_t id = 0;   // unique id: a message's flood key, a request's identity
  std::string text;       // chat text (Message only)

  friend bool operator==(const Packet&, const Packet&) = default;
};

}  // namespace p2p
