#pragma once
// The default scenario, the one PeerSim users compare against: node 0 is the entry; one newcomer
// arrives every `arrival_interval` and sends its JOIN_REQs to node 0; after the last arrival the
// network drains; then one chat message is flooded from a random node and the network drains again.
#include <cstdint>
#include <string>

#include "sim/network.hpp"

namespace p2p::sim {

struct GrowthScenario {
  std::uint32_t nodes = 1000;
  Time arrival_interval = 10 * kMillisecond;
  bool flood = true;
  std::string message = "hello";
};

struct GrowthResult {
  Time growth_end = 0;  // virtual time when the network had drained after the last arrival
  Time end = 0;         // virtual time at the end of the run
  std::uint32_t flood_origin = 0;
  std::uint64_t flood_id = 0;
  FloodStats flood;  // zeros when no flood was run
};

// Runs the scenario on an empty network; the scenario's own draws (the flood's origin) come from a
// generator derived from `seed`, apart from every node's.
GrowthResult run_growth(Network& net, const GrowthScenario& scenario, std::uint64_t seed);

}  // namespace p2p::sim
