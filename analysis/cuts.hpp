#pragma once
// Bridges and articulation points: the single links and nodes whose loss splits a component.
#include <cstdint>
#include <vector>

#include "analysis/components.hpp"
#include "analysis/graph.hpp"

namespace p2p::analysis {

// `bridges` holds each bridge once with source < target, sorted; `articulation[v]` is 1 when
// removing v increases the number of components.
// `components` comes from the same search (each of its trees is a component, rooted at the
// component's smallest node), the same as connected_components(g) gives.
struct Cuts {
  std::vector<Edge> bridges;
  std::vector<std::uint8_t> articulation;
  std::size_t articulation_points = 0;
  Components components;
};

// Iterative Hopcroft-Tarjan low-link search: no recursion, so a path of millions of nodes cannot
// overflow the stack. One search gives the components too, so a report need not run both.
Cuts cuts(const Graph& g);

}  // namespace p2p::analysis
