#include "sim/scenario.hpp"

#include <stdexcept>

namespace p2p::sim {

GrowthResult run_growth(Network& net, const GrowthScenario& scenario, std::uint64_t seed) {
  if (net.size() != 0) throw std::logic_error("run_growth needs an empty network");
  GrowthResult result;
  if (scenario.nodes == 0) return result;
  Rng rng(derive_seed(seed, kScenarioSender, 0));
  net.reserve(scenario.nodes);
  net.add_node();  // the entry node: it exists from time 0 and joins nobody
  for (std::uint32_t i = 1; i < scenario.nodes; ++i) {
    const Time t = static_cast<Time>(i) * scenario.arrival_interval;
    // Nodes' events at the arrival instant come first: they sort before the scenario's.
    net.run_until(t);
    const std::uint32_t id = net.add_node();
    net.schedule_join(t, id, 0);
  }
  net.drain();
  result.growth_end = net.now();
  if (scenario.flood) {
    result.flood_origin = static_cast<std::uint32_t>(rng.below(net.size()));
    net.schedule_say(net.now(), result.flood_origin, scenario.message);
    net.drain();
    result.flood_id = net.last_said();
    if (const FloodStats* f = net.flood(result.flood_id)) result.flood = *f;
  }
  result.end = net.now();
  return result;
}

}  // namespace p2p::sim
