#pragma once
// The one seed-range parser: "A..B" (inclusive) or "A", for every command and study file.
#include <cstdint>
#include <string_view>
#include <vector>

namespace p2p::experiment {

inline constexpr std::uint64_t kMaxSeeds = 100000;

// Throws std::invalid_argument with a one-line message on anything but non-negative integers
// A <= B with at most kMaxSeeds seeds.
std::vector<std::uint64_t> parse_seed_range(std::string_view text);

}  // namespace p2p::experiment
