#pragma once
#include <cstdint>

namespace p2p {
// Virtual or wall time in integer microseconds; never a floating-point sum.
using Time = std::int64_t;
inline constexpr Time kMicrosecond = 1;
inline constexpr Time kMillisecond = 1000;
inline constexpr Time kSecond = 1000 * kMillisecond;
}  // namespace p2p
