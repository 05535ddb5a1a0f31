#pragma once
#include <cstdint>

namespace p2p {

// Names one connection of one node. Connections the node opens itself get ids it allocates, with
// the top bit clear; connections that arrive from outside get ids the driver allocates, with the
// top bit set. Both are local to the node: the same number may name different links elsewhere.
using ConnId = std::uint64_t;
inline constexpr ConnId kDriverConnBit = ConnId{1} << 63;
constexpr bool is_driver_conn(ConnId c) {
  return (c & kDriverConnBit) != 0;
}

}  // namespace p2p
