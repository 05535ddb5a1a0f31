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
  // Each edge is held once, by its lower end: count them, then scatter each higher end into its
  // lower end's list. Sorted and rid of repeats, a node's list is the upper part of its final
  // row. Walking the nodes in ascending order and appending each one to its upper neighbours'
  // rows fills every row's lower part already sorted. Two random passes over the edges (the
  // scatter and that fill) besides the counts, where scattering both ends and transposing took
  // four, and no list is sorted but the short upper ones.
  HugePageVector<std::uint64_t> up_start(node_count + 1, 0);
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
    ++up_start[std::min(e.source, e.target) + 1];
  }
  for (std::size_t v = 0; v < node_count; ++v) up_start[v + 1] += up_start[v];
  HugePageVector<NodeId> up(up_start[node_count]);
  {
    HugePageVector<std::uint64_t> next(up_start.begin(), up_start.end() - 1);
    for (const Edge& e : edges) {
      if (e.source == e.target) continue;
      up[next[std::min(e.source, e.target)]++] = std::max(e.source, e.target);
    }
  }
  // Sort each upper list and drop its repeats in place, counting every node's lower neighbours.
  HugePageVector<std::uint64_t> down(node_count, 0);
  std::uint64_t kept = 0;
  for (std::size_t v = 0; v < node_count; ++v) {
    const auto begin = up.begin() + static_cast<std::ptrdiff_t>(up_start[v]);
    const auto end = up.begin() + static_cast<std::ptrdiff_t>(up_start[v + 1]);
    std::sort(begin, end);
    up_start[v] = kept;
    for (auto it = begin; it != end; ++it) {
      if (it != begin && *it == *(it - 1)) continue;
      up[kept++] = *it;
      ++down[*it];
    }
  }
  g.duplicates_dropped_ = static_cast<std::size_t>(up_start[node_count] - kept);
  up_start[node_count] = kept;

  g.offsets_.assign(node_count + 1, 0);
  for (std::size_t v = 0; v < node_count; ++v) {
    g.offsets_[v + 1] = g.offsets_[v] + down[v] + (up_start[v + 1] - up_start[v]);
  }
  g.targets_.resize(2 * kept);
  // `down` becomes each row's cursor for its lower part.
  for (std::size_t v = 0; v < node_count; ++v) down[v] = g.offsets_[v];
  for (std::size_t u = 0; u < node_count; ++u) {
    const std::uint64_t lower = down[u] - g.offsets_[u];
    std::uint64_t at = g.offsets_[u] + lower;
    // Every lower neighbour of u is below u, so its row's lower part is complete by now.
    for (std::uint64_t i = up_start[u]; i < up_start[u + 1]; ++i) {
      const NodeId w = up[i];
      g.targets_[at++] = w;
      g.targets_[down[w]++] = static_cast<NodeId>(u);
    }
  }
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
