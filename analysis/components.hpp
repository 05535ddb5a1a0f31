#pragma once
// Connected components.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// Connected components numbered in order of their smallest node, so ids never depend on how the
// search ran. `largest` is the biggest component, the lowest id among equals (networkx's
// max(connected_components, key=len) picks the same one when nodes are inserted in id order).
struct Components {
  std::vector<std::uint32_t> id;  // component of each node
  std::vector<std::size_t> size;  // nodes in each component
  std::uint32_t largest = 0;      // meaningless for an empty graph

  std::size_t count() const { return size.size(); }
  // Nodes of component c, ascending.
  std::vector<NodeId> members(std::uint32_t c) const;
};

Components connected_components(const Graph& g);

}  // namespace p2p::analysis
