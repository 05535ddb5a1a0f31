#pragma once
// The values that travel between peers. The codec turns them into frames; the simulator carries
// them as they are.
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/address.hpp"

namespace p2p {

// The three packets of the seed's protocol; a join rule's own messages take the numbers from
// kFirstRuleMessage up, their meaning scoped by the rule's tag.
enum class PacketType : std::uint8_t {
  Message = 0,  // chat text, flooded once per id
  JoinReq = 1,  // a newcomer asks to be connected; walks the overlay until accepted
  JoinAck = 2,  // the first packet of a new lasting connection; answers request `ref`
};
inline constexpr std::uint8_t kCorePacketTypes = 3;
inline constexpr std::uint8_t kFirstRuleMessage = 16;

// A join rule's message kind `k` (0..239) as a packet type, and back.
constexpr PacketType rule_message(std::uint8_t k) {
  return static_cast<PacketType>(kFirstRuleMessage + k);
}
constexpr bool is_rule_message(PacketType t) {
  return static_cast<std::uint8_t>(t) >= kFirstRuleMessage;
}
constexpr std::uint8_t rule_message_kind(PacketType t) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(t) - kFirstRuleMessage);
}

// At most this many addresses ride in one packet (a shuffle's sample), and this many bytes of a
// rule's own payload.
inline constexpr std::size_t kMaxPeersPerPacket = 64;
inline constexpr std::size_t kMaxBodySize = 1024;

struct Packet {
  PacketType type = PacketType::Message;
  std::uint8_t hops = 0;   // times a JOIN_REQ was passed on, or a message forwarded
  std::uint8_t flags = 0;  // bits whose meaning the join rule defines
  Address origin;          // the newcomer (JOIN_REQ), the acceptor (JOIN_ACK), the author (Message)
  std::uint32_t degree = 0;  // JOIN_REQ: the sender's degree (a Metropolis-Hastings walk reads it)
  std::uint64_t id = 0;      // unique id: a message's flood key, a request's identity
  std::uint64_t ref = 0;     // an answer: the id of the request it answers
  std::uint16_t tag = 0;     // a rule's message: the sending rule's tag (JoinRule::tag)
  std::string text;          // chat text (Message only)
  std::vector<Address> peers;  // a rule's message: at most kMaxPeersPerPacket addresses
  std::string body;            // a rule's message: at most kMaxBodySize bytes of its own

  friend bool operator==(const Packet&, const Packet&) = default;
};

// A plain JOIN_REQ's fields: one that carries no text, tag, address list or body (an unsigned
// request). A rule may decide a hop from these alone (JoinRule::join_hop), and a driver that holds
// requests compactly (the simulator) then hands them over without building a Packet.
struct JoinHop {
  Address origin;
  std::uint64_t id = 0;
  std::uint64_t ref = 0;
  std::uint32_t degree = 0;
  std::uint8_t hops = 0;
  std::uint8_t flags = 0;

  friend bool operator==(const JoinHop&, const JoinHop&) = default;
};

// The fields of `p` (any JOIN_REQ) as a JoinHop, and a hop's fields written into `p`.
inline JoinHop hop_of(const Packet& p) {
  return JoinHop{p.origin, p.id, p.ref, p.degree, p.hops, p.flags};
}
inline void write_hop(const JoinHop& hop, Packet& p) {
  p.origin = hop.origin;
  p.id = hop.id;
  p.ref = hop.ref;
  p.degree = hop.degree;
  p.hops = hop.hops;
  p.flags = hop.flags;
}
// The plain JOIN_REQ that `hop` describes.
inline Packet join_request_of(const JoinHop& hop) {
  Packet p;
  p.type = PacketType::JoinReq;
  write_hop(hop, p);
  return p;
}
// The plain JOIN_ACK with `ack`'s fields: an answer names its sender (origin), its own id and the
// request it answers (ref); the other fields are zero.
inline Packet join_ack_of(const JoinHop& ack) {
  Packet p;
  p.type = PacketType::JoinAck;
  write_hop(ack, p);
  return p;
}

}  // namespace p2p
