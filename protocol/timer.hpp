#pragma once
// Timers are data: the node asks to be woken with a Timer value and is later handed the same value
// back. A timer that is no longer needed is simply ignored when it fires.
#include <cstdint>

namespace p2p {

enum class TimerKind : std::uint8_t {
  JoinRetry = 0,        // key: (shortfall number << 8) | attempt; re-check the links, ask again
  Maintenance = 1,      // key: round number; HyParView's periodic shuffle
  NeighborTimeout = 2,  // key: the connection of a HyParView neighbour request still unanswered
};

struct Timer {
  TimerKind kind = TimerKind::JoinRetry;
  std::uint64_t key = 0;
  friend bool operator==(const Timer&, const Timer&) = default;
};

}  // namespace p2p
