#include "analysis/cuts.hpp"
#include "protocol/huge_pages.hpp"

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
  Components& components = result.components;
  components.id.resize(n);

  // A node's search state in one 16-byte record: discovering a node writes one cache line, not
  // four (the graph's order is random, so each is a miss).
  struct State {
    std::uint32_t order = unvisited;  // discovery time
    std::uint32_t low = 0;
    NodeId parent = 0;
    std::uint32_t scanned = 0;  // neighbours looked at so far
  };
  HugePageVector<State> state(n);
  constexpr std::uint64_t kPrefetchNeighbors = 16;
  HugePageVector<NodeId> stack;
  std::uint32_t time = 0;

  for (NodeId root = 0; root < n; ++root) {
    if (state[root].order != unvisited) continue;
    // Roots come in ascending order, so a tree's root is its component's smallest node and the
    // trees are numbered as connected_components numbers components.
    const auto label = static_cast<std::uint32_t>(components.size.size());
    const std::uint32_t first = time;
    state[root] = {time, time, root, 0};
    components.id[root] = label;
    ++time;
    std::size_t root_children = 0;
    stack.push_back(root);
    while (!stack.empty()) {
      const NodeId v = stack.back();
      State& sv = state[v];
      const std::uint64_t at = offsets[v] + sv.scanned;
      if (at < offsets[v + 1]) {
        ++sv.scanned;
        const NodeId w = targets[at];
        State& sw = state[w];
        if (sw.order == unvisited) {
          sw = {time, time, v, 0};
          components.id[w] = label;
          ++time;
          stack.push_back(w);
          // The search scans w's neighbours next and descends into the first one unvisited:
          // ask for their records and their rows' offsets all at once, so a descent waits on
          // two misses instead of three, and the back edges' records arrive together (hubs:
          // the first few).
          const std::uint64_t end = std::min(offsets[w + 1], offsets[w] + kPrefetchNeighbors);
          for (std::uint64_t i = offsets[w]; i < end; ++i) {
            __builtin_prefetch(&state[targets[i]]);
            __builtin_prefetch(&offsets[targets[i]]);
          }
          if (v == root) ++root_children;
        } else if (w != sv.parent) {
          // The graph is simple, so the only edge back to the parent is the tree edge itself.
          sv.low = std::min(sv.low, sw.order);
        }
        continue;
      }
      stack.pop_back();
      if (v == root) break;
      const NodeId p = sv.parent;
      State& sp = state[p];
      sp.low = std::min(sp.low, sv.low);
      if (sv.low > sp.order) result.bridges.push_back({std::min(p, v), std::max(p, v)});
      if (p != root && sv.low >= sp.order) result.articulation[p] = 1;
    }
    if (root_children >= 2) result.articulation[root] = 1;
    components.size.push_back(time - first);
    if (components.size.back() > components.size[components.largest]) components.largest = label;
  }
  for (std::uint8_t a : result.articulation) result.articulation_points += a;
  std::sort(result.bridges.begin(), result.bridges.end(), [](const Edge& a, const Edge& b) {
    return a.source != b.source ? a.source < b.source : a.target < b.target;
  });
  return result;
}

}  // namespace p2p::analysis
