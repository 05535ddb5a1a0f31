#pragma once
// Degree statistics: extremes, mean, the full distribution and degree assortativity.
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// Degree summary of a non-empty graph; `distribution` lists (degree, count) for every degree
// present, ascending.
struct DegreeStats {
  std::size_t min = 0;
  std::size_t max = 0;
  double mean = 0;
  std::size_t isolated = 0;
  std::vector<std::pair<std::size_t, std::size_t>> distribution;
};

DegreeStats degree_stats(const Graph& g);

// Pearson correlation of the degrees at either end of an edge (networkx's
// degree_assortativity_coefficient). Computed from exact integer moments, so it is the same on
// every build; empty when undefined (no edges, or every edge joins equal degrees).
std::optional<double> degree_assortativity(const Graph& g);

}  // namespace p2p::analysis
