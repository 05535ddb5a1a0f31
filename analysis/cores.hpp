#pragma once
// k-core decomposition.
#include <cstdint>
#include <vector>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// Core number of every node (networkx's core_number): the largest k such that the node lies in a
// subgraph where every node has degree >= k. Batagelj-Zaversnik bucket peeling, O(n + m).
std::vector<std::uint32_t> core_numbers(const Graph& g);

}  // namespace p2p::analysis
