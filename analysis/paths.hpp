#pragma once
// Shortest-path statistics of a connected graph: mean distance and diameter.
#include <cstddef>
#include <cstdint>
#include <span>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// `exact` when every node was a BFS source. Otherwise `mean_distance` is the mean over `samples`
// uniformly drawn sources (an unbiased estimate) and `diameter` a lower bound: the largest
// eccentricity seen, double sweeps included.
struct PathStats {
  double mean_distance = 0;
  std::uint32_t diameter = 0;
  bool exact = true;
  std::size_t samples = 0;
};

// `g` must be connected with at least two nodes. Exact when node_count <= exact_limit, else
// `samples` sources drawn from (seed, stream) plus double sweeps (a search from the node farthest
// from each of the first 64 sources) for the diameter. The searches run 64 sources at a time,
// the batches shared among up to `threads` threads (0: one per hardware thread); the result is the
// same for every thread count.
PathStats path_stats(const Graph& g, std::size_t exact_limit, std::size_t samples,
                     std::uint64_t seed, unsigned threads);
PathStats path_stats(const Graph& g, std::size_t exact_limit, std::size_t samples,
                     std::uint64_t seed);

// The same statistics for one connected piece of `g`, its nodes ascending (at least two, e.g.
// Components::members of a component): the result path_stats gives for induced_subgraph(g,
// piece), byte for byte, without copying the piece's graph.
PathStats path_stats(const Graph& g, std::span<const NodeId> piece, std::size_t exact_limit,
                     std::size_t samples, std::uint64_t seed, unsigned threads);

}  // namespace p2p::analysis
