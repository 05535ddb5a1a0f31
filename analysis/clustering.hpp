#pragma once
// Triangles, local and average clustering, transitivity.
#include <cstdint>
#include <vector>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// Per-node triangle counts and the clustering measures derived from them, with networkx's
// conventions: a node of degree < 2 has clustering 0; transitivity is 0 without triangles.
struct Clustering {
  std::vector<std::uint64_t> triangles;  // triangles through each node
  std::vector<double> local;             // 2 T(v) / (d (d - 1))
  std::uint64_t total_triangles = 0;
  double average = 0;  // mean of `local` over all nodes; meaningless for an empty graph
  double transitivity = 0;
};

Clustering clustering(const Graph& g);

}  // namespace p2p::analysis
