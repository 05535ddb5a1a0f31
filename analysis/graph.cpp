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
  // Each edge is held once, by its lower end: count them, then scatter each higher end into its
  // lower end's list. Sorted and rid of repeats, the lists are the upper rows from_upper_rows
  // takes. One random pass over the edges (the scatter) besides the counts, and two over the
  // simple graph's edges there, where scattering both ends and transposing took four over all
  // the edges; no list is sorted but the short upper ones.
  std::size_t self_loops = 0;
  HugePageVector<std::uint64_t> up_start(node_count + 1, 0);
  for (const Edge& e : edges) {
    if (e.source >= node_count || e.target >= node_count) {
      throw std::invalid_argument("graph: edge endpoint " +
                                  std::to_string(std::max(e.source, e.target)) +
                                  " is not below the node count " + std::to_string(node_count));
    }
    if (e.source == e.target) {
      ++self_loops;
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
  // Sort each upper list and drop its repeats, in place.
  std::uint64_t kept = 0;
  for (std::size_t v = 0; v < node_count; ++v) {
    const auto begin = up.begin() + static_cast<std::ptrdiff_t>(up_start[v]);
    const auto end = up.begin() + static_cast<std::ptrdiff_t>(up_start[v + 1]);
    std::sort(begin, end);
    up_start[v] = kept;
    for (auto it = begin; it != end; ++it) {
      if (it == begin || *it != *(it - 1)) up[kept++] = *it;
    }
  }
  const auto duplicates = static_cast<std::size_t>(up_start[node_count] - kept);
  up_start[node_count] = kept;
  Graph g = from_upper_rows(up_start, {up.data(), static_cast<std::size_t>(kept)}, duplicates);
  g.self_loops_dropped_ = self_loops;
  return g;
}

Graph Graph::from_upper_rows(std::span<const std::uint64_t> row_start,
                             std::span<const NodeId> uppers, std::size_t duplicates_dropped) {
  const std::size_t node_count = row_start.empty() ? 0 : row_start.size() - 1;
  if (node_count > std::numeric_limits<NodeId>::max()) {
    throw std::invalid_argument("graph: too many nodes for 32-bit node ids");
  }
  if (row_start.empty() ? !uppers.empty()
                        : row_start[0] != 0 || row_start[node_count] != uppers.size()) {
    throw std::invalid_argument("graph: upper rows do not cover their neighbour list");
  }
  // Count each node's lower neighbours, checking the rows on the way.
  HugePageVector<std::uint64_t> down(node_count, 0);
  for (std::size_t v = 0; v < node_count; ++v) {
    if (row_start[v + 1] < row_start[v]) {
      throw std::invalid_argument("graph: upper rows out of order");
    }
    NodeId last = static_cast<NodeId>(v);
    for (std::uint64_t i = row_start[v]; i < row_start[v + 1]; ++i) {
      const NodeId w = uppers[i];
      if (w <= last || w >= node_count) {
        throw std::invalid_argument("graph: node " + std::to_string(v) +
                                    "'s upper row is not ascending, above it and below the "
                                    "node count");
      }
      last = w;
      ++down[w];
    }
  }
  Graph g;
  g.duplicates_dropped_ = duplicates_dropped;
  g.offsets_.assign(node_count + 1, 0);
  for (std::size_t v = 0; v < node_count; ++v) {
    g.offsets_[v + 1] = g.offsets_[v] + down[v] + (row_start[v + 1] - row_start[v]);
  }
  g.targets_.resize(2 * uppers.size());
  // Walking the nodes in ascending order and appending each one to its upper neighbours' rows
  // fills every row's lower part already sorted; `down` becomes those parts' cursors. Every
  // lower neighbour of u is below u, so u's lower part is complete when u's turn comes, and its
  // upper row follows it.
  for (std::size_t v = 0; v < node_count; ++v) down[v] = g.offsets_[v];
  for (std::size_t u = 0; u < node_count; ++u) {
    std::uint64_t at = down[u];
    for (std::uint64_t i = row_start[u]; i < row_start[u + 1]; ++i) {
      const NodeId w = uppers[i];
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
