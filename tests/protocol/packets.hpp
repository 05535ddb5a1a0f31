#pragma once
// Packets and effect filters shared by the protocol tests.
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
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

// Whether two effects say the same (Deliver's author aside).
inline bool same(const Effect& a, const Effect& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, Send>)
          return x.conn == y.conn && x.peer == y.peer && x.packet == y.packet;
        else if constexpr (std::is_same_v<T, SendOnce>)
          return x.to == y.to && x.packet == y.packet;
        else if constexpr (std::is_same_v<T, Open>)
          return x.conn == y.conn && x.to == y.to && x.packet == y.packet;
        else if constexpr (std::is_same_v<T, Close>)
          return x.conn == y.conn && x.peer == y.peer;
        else if constexpr (std::is_same_v<T, WakeAt>)
          return x.at == y.at && x.timer == y.timer;
        else if constexpr (std::is_same_v<T, Note>)
          return x.kind == y.kind && x.peer == y.peer && x.id == y.id;
        else
          return x.origin == y.origin && x.id == y.id && x.text == y.text;
      },
      a);
}

}  // namespace p2p::test_packets
