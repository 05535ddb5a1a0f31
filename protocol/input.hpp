#pragma once
// What a driver hands a Node: a closed set of inputs.
#include <string>
#include <variant>

#include "protocol/address.hpp"
#include "protocol/conn.hpp"
#include "protocol/packet.hpp"
#include "protocol/timer.hpp"

namespace p2p {

struct Join {  // the user typed `connect [ADDR]`
  Address entry;
};
struct Say {  // the user typed a chat line
  std::string text;
};
struct PacketIn {  // a decoded packet arrived on a connection (new or known)
  ConnId conn = 0;
  Packet packet;
};
struct Closed {  // the driver saw a connection end (peer closed, error, dial failure)
  ConnId conn = 0;
};
struct TimerFired {
  Timer timer;
};
struct Leave {  // graceful departure: close every link
};

using Input = std::variant<Join, Say, PacketIn, Closed, TimerFired, Leave>;

}  // namespace p2p
