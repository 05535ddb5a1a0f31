#pragma once
// Small graph families with known answers, shared by the analysis tests.
#include <vector>

#include "analysis/graph.hpp"
#include "analysis/random.hpp"

namespace p2p::analysis::testing {

inline Graph path(NodeId n) {
  std::vector<Edge> e;
  for (NodeId v = 1; v < n; ++v) e.push_back({v - 1, v});
  return Graph::from_edges(n, e);
}

inline Graph cycle(NodeId n) {
  std::vector<Edge> e;
  for (NodeId v = 0; v < n; ++v) e.push_back({v, (v + 1) % n});
  return Graph::from_edges(n, e);
}

inline Graph star(NodeId leaves) {
  std::vector<Edge> e;
  for (NodeId v = 1; v <= leaves; ++v) e.push_back({0, v});
  return Graph::from_edges(leaves + 1, e);
}

inline Graph complete(NodeId n) {
  std::vector<Edge> e;
  for (NodeId u = 0; u < n; ++u) {
    for (NodeId v = u + 1; v < n; ++v) e.push_back({u, v});
  }
  return Graph::from_edges(n, e);
}

// A side x side grid, nodes numbered row by row: the large-diameter, lattice-like extreme.
inline Graph grid(NodeId side) {
  std::vector<Edge> e;
  for (NodeId r = 0; r < side; ++r) {
    for (NodeId c = 0; c < side; ++c) {
      if (c + 1 < side) e.push_back({r * side + c, r * side + c + 1});
      if (r + 1 < side) e.push_back({r * side + c, (r + 1) * side + c});
    }
  }
  return Graph::from_edges(side * side, e);
}

// G(n, m) with possible repeats (dropped by the Graph), from a fixed seed.
inline Graph random_graph(NodeId n, std::size_t m, std::uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<Edge> e;
  for (std::size_t i = 0; i < m; ++i) {
    e.push_back({static_cast<NodeId>(rng.below(n)), static_cast<NodeId>(rng.below(n))});
  }
  return Graph::from_edges(n, e);
}

}  // namespace p2p::analysis::testing
