#pragma once
// Packets and effect filters shared by the protocol tests.
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/effect.hpp"
#include "protocol/packet.hpp"

namespace p2p::test_packets {

inline Address addr(std::uint32_t host, std::uint16_t port = 55555) {
  return Address::v4(host, port);
}

inline Packet join_req(Address origin, std::uint8_t hops = 0, std::uint64_t id = 7) {
  Packet p;
  p.type = PacketType::JoinReq;
  p.origin = origin;
  p.hops = hops;
  p.id = id;
  return p;
}

// A JOIN_ACK from `acceptor`; `ref` names the request it answers (0: none, as the seed sends).
inline Packet ack(Address acceptor, std::uint64_t ref = 0) {
  Packet p;
  p.type = PacketType::JoinAck;
  p.origin = acceptor;
  p.id = 99;
  p.ref = ref;
  return p;
}

inline Packet message(Address origin, std::uint64_t id, std::string text = "hi") {
  Packet p;
  p.type = PacketType::Message;
  p.origin = origin;
  p.id = id;
  p.text = std::move(text);
  return p;
}

// The effects of type T in `out`, in order.
template <typename T>
std::vector<T> of_type(const Effects& out) {
  std::vector<T> r;
  for (const Effect& e : out)
    if (auto* p = std::get_if<T>(&e)) r.push_back(*p);
  return r;
}

}  // namespace p2p::test_packets
