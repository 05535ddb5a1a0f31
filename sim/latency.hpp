#pragma once
// How long a packet takes from one simulated node to another. Each pair of nodes has one latency,
// drawn once from the model by a hash of (seed, pair): a TCP connection delivers in order, and
// drawing per message would let a later packet overtake an earlier one on the same connection
// (a JOIN_REQ passed on over a link before that link's JOIN_ACK arrived, say). The hash makes the
// draw independent of how nodes are laid out, and needs no per-link memory.
#include <algorithm>
#include <cstdint>

#include "protocol/random.hpp"
#include "protocol/time.hpp"

namespace p2p::sim {

struct LatencyModel {
  Time min = 10 * kMillisecond;  // uniform on [min, max], the common PeerSim setting
  Time max = 50 * kMillisecond;
  std::uint64_t seed = 0;

  Time between(std::uint32_t a, std::uint32_t b) const {
    const std::uint64_t lo = std::min(a, b), hi = std::max(a, b);
    Rng rng(derive_seed(seed, (hi << 32) | lo, 2));
    return rng.between(min, max);
  }
};

}  // namespace p2p::sim
