#pragma once
// Simulation metrics, each defined once: its name (the summary.csv row and the runs.csv column),
// its unit, what it measures and when it applies. Every command, file and figure reads these
// definitions; a metric that does not apply to a run is left out, never faked.
#include <span>
#include <string_view>

namespace p2p::experiment {

struct MetricDefinition {
  std::string_view name;
  std::string_view unit;  // "count", "fraction", "s", "ms", "node", "links", "hops"
  std::string_view definition;
  std::string_view applies;  // when it is present; "always" when every run has it
};

// The metrics the simulator adds to the graph's own (analysis/), in summary.csv's order.
std::span<const MetricDefinition> simulation_metrics();
// The definition of `name`, or nullptr when it is not a simulation metric.
const MetricDefinition* find_metric(std::string_view name);

}  // namespace p2p::experiment
