#pragma once
// Timers are data: the node asks to be woken with a Timer value and is later handed the same value
// back. A timer that is no longer needed is simply ignored when it fires.
#include <cstdint>

namespace p2p {

// The node's own timers; a join rule's timers take the kinds from kFirstRuleTimer up.
enum class TimerKind : std::uint8_t {
  JoinRetry = 0,  // key: (shortfall number << 8) | attempt; re-check the links, ask again
};
inline constexpr std::uint8_t kFirstRuleTimer = 16;

// A join rule's timer kind `k` (0..239), and back.
constexpr TimerKind rule_timer(std::uint8_t k) {
  return static_cast<TimerKind>(kFirstRuleTimer + k);
}
constexpr bool is_rule_timer(TimerKind t) {
  return static_cast<std::uint8_t>(t) >= kFirstRuleTimer;
}
constexpr std::uint8_t rule_timer_kind(TimerKind t) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(t) - kFirstRuleTimer);
}

struct Timer {
  TimerKind kind = TimerKind::JoinRetry;
  std::uint64_t key = 0;
  friend bool operator==(const Timer&, const Timer&) = default;
};

}  // namespace p2p
