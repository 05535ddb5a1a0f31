#include "analysis/graph.hpp"
#include "protocol/huge_pages.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace p2p::analysis {

Graph Graph::from_edges(std::size_t node_count, std::span<const Edge> edges) {
  if (node_count > std::numeric_limits<NodeId>::max()) {
    throw std::invalid_argument("graph: too many nodes for 32-bit node ids");
  }
  Graph g;
  HugePageVector<std::uint64_t> degree(node_count + 1, 0);
  for (const Edge& e : edges) {
    if (e.source >= node_count || e.target >= node_count) {
      throw std::invalid_argument("graph: edge endpoint " +
                                  std::to_string(std::max(e.source, e.target)) +
                                  " is not below the node count " + std::to_string(node_count));
    }
    if (e.source == e.target) {
      ++g.self_loops_dropped_;
      continue;
    }
    ++degree[e.source];
    ++degree[e.target];
  }

  // Scatter unsorted, then transpose: visiting rows in ascending order and appending the row index
  // to each neighbour's list yields every list already sorted (the graph is symmetric), in linear
  // time with no per-list sort.
  HugePageVector<std::uint64_t> offsets(node_count + 1, 0);
  for (std::size_t v = 0; v < node_count; ++v) offsets[v + 1] = offsets[v] + degree[v];
  const std::uint64_t half_edges = offsets[node_count];
  HugePageVector<NodeId> scattered(half_edges);
  {
    HugePageVector<std::uint64_t> next(offsets.begin(), offsets.end() - 1);
    for (const Edge& e : edges) {
      if (e.source == e.target) continue;
      scattered[next[e.source]++] = e.target;
      scattered[next[e.target]++] = e.source;
    }
  }
  HugePageVector<NodeId> sorted(half_edges);
  {
    HugePageVector<std::uint64_t> next(offsets.begin(), offsets.end() - 1);
    for (std::size_t u = 0; u < node_count; ++u) {
      for (std::uint64_t i = offsets[u]; i < offsets[u + 1]; ++i) {
        sorted[next[scattered[i]]++] = static_cast<NodeId>(u);
      }
    }
  }
  scattered = {};

  // Compact in place, dropping repeats; a duplicate edge leaves one repeat in each endpoint's list.
  g.offsets_.assign(node_count + 1, 0);
  std::uint64_t write = 0;
  for (std::size_t v = 0; v < node_count; ++v) {
    const std::uint64_t begin = offsets[v];
    const std::uint64_t end = offsets[v + 1];
    for (std::uint64_t i = begin; i < end; ++i) {
      if (i > begin && sorted[i] == sorted[i - 1]) continue;
      sorted[write++] = sorted[i];
    }
    g.offsets_[v + 1] = write;
  }
  g.duplicates_dropped_ = static_cast<std::size_t>((half_edges - write) / 2);
  sorted.resize(write);
  sorted.shrink_to_fit();
  g.targets_ = std::move(sorted);
  return g;
}

Graph induced_subgraph(const Graph& g, std::span<const NodeId> nodes) {
  constexpr NodeId absent = std::numeric_limits<NodeId>::max();
  HugePageVector<NodeId> index(g.node_count(), absent);
  for (std::size_t i = 0; i < nodes.size(); ++i) index[nodes[i]] = static_cast<NodeId>(i);
  if (!std::is_sorted(nodes.begin(), nodes.end())) {
    std::vector<Edge> edges;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      for (NodeId w : g.neighbors(nodes[i])) {
        const NodeId j = index[w];
        if (j != absent && j > i) edges.push_back({static_cast<NodeId>(i), j});
      }
    }
    return Graph::from_edges(nodes.size(), edges);
  }
  // Nodes in ascending order (a component's members, the report's case): renumbering keeps every
  // neighbour list sorted and simple, so the rows are copied straight across, two passes.
  Graph sub;
  sub.offsets_.assign(nodes.size() + 1, 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::uint64_t kept = 0;
    for (NodeId w : g.neighbors(nodes[i])) kept += index[w] != absent;
    sub.offsets_[i + 1] = sub.offsets_[i] + kept;
  }
  sub.targets_.resize(sub.offsets_[nodes.size()]);
  std::uint64_t at = 0;
  for (NodeId v : nodes) {
    for (NodeId w : g.neighbors(v)) {
      if (index[w] != absent) sub.targets_[at++] = index[w];
    }
  }
  return sub;
}

}  // namespace p2p::analysis
