#include "analysis/cuts.hpp"
#include "analysis/huge_pages.hpp"

#include <algorithm>
#include <limits>

namespace p2p::analysis {

Cuts cuts(const Graph& g) {
  constexpr std::uint32_t unvisited = std::numeric_limits<std::uint32_t>::max();
  const std::size_t n = g.node_count();
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  Cuts result;
  result.articulation.assign(n, 0);

  HugePageVector<std::uint32_t> order(n, unvisited);  // discovery time
  HugePageVector<std::uint32_t> low(n, 0);
  HugePageVector<NodeId> parent(n, 0);
  HugePageVector<std::uint64_t> cursor(n, 0);  // next adjacency index to scan
  HugePageVector<NodeId> stack;
  std::uint32_t time = 0;

  for (NodeId root = 0; root < n; ++root) {
    if (order[root] != unvisited) continue;
    order[root] = low[root] = time++;
    parent[root] = root;
    cursor[root] = offsets[root];
    std::size_t root_children = 0;
    stack.push_back(root);
    while (!stack.empty()) {
      const NodeId v = stack.back();
      if (cursor[v] < offsets[v + 1]) {
        const NodeId w = targets[cursor[v]++];
        if (order[w] == unvisited) {
          order[w] = low[w] = time++;
          parent[w] = v;
          cursor[w] = offsets[w];
          stack.push_back(w);
          if (v == root) ++root_children;
        } else if (w != parent[v]) {
          // The graph is simple, so the only edge back to the parent is the tree edge itself.
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      stack.pop_back();
      if (v == root) break;
      const NodeId p = parent[v];
      low[p] = std::min(low[p], low[v]);
      if (low[v] > order[p]) result.bridges.push_back({std::min(p, v), std::max(p, v)});
      if (p != root && low[v] >= order[p]) result.articulation[p] = 1;
    }
    if (root_children >= 2) result.articulation[root] = 1;
  }
  for (std::uint8_t a : result.articulation) result.articulation_points += a;
  std::sort(result.bridges.begin(), result.bridges.end(), [](const Edge& a, const Edge& b) {
    return a.source != b.source ? a.source < b.source : a.target < b.target;
  });
  return result;
}

}  // namespace p2p::analysis
