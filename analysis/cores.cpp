#include "analysis/cores.hpp"
#include "protocol/huge_pages.hpp"

#include <algorithm>

namespace p2p::analysis {

std::vector<std::uint32_t> core_numbers(const Graph& g) {
  const std::size_t n = g.node_count();
  std::vector<std::uint32_t> degree(n);
  std::uint32_t max_degree = 0;
  for (NodeId v = 0; v < n; ++v) {
    degree[v] = static_cast<std::uint32_t>(g.degree(v));
    max_degree = std::max(max_degree, degree[v]);
  }
  // Nodes sorted by current degree in one array; bin[d] is where degree d starts. Lowering a
  // node's degree swaps it to the front of its bin and moves the boundary: O(1) per edge.
  std::vector<std::size_t> bin(static_cast<std::size_t>(max_degree) + 2, 0);
  for (NodeId v = 0; v < n; ++v) ++bin[degree[v] + 1];
  for (std::size_t d = 1; d < bin.size(); ++d) bin[d] += bin[d - 1];
  HugePageVector<NodeId> sorted(n);
  HugePageVector<NodeId> position(n);  // a node count fits a NodeId
  {
    std::vector<std::size_t> next(bin.begin(), bin.end() - 1);
    for (NodeId v = 0; v < n; ++v) {
      position[v] = static_cast<NodeId>(next[degree[v]]++);
      sorted[position[v]] = v;
    }
  }
  // Nodes are peeled in degree order, which is random in the graph: ask for a later node's row
  // and its neighbours' entries while this one is peeled (a node swapped in meanwhile only makes
  // a hint miss).
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  constexpr std::size_t kAhead = 16;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(&offsets[sorted[i + kAhead]]);
    if (i + kAhead / 2 < n) __builtin_prefetch(&targets[offsets[sorted[i + kAhead / 2]]]);
    if (i + kAhead / 4 < n) {
      const NodeId u = sorted[i + kAhead / 4];
      const std::uint64_t end = std::min(offsets[u + 1], offsets[u] + 16);  // hubs: the first few
      for (std::uint64_t j = offsets[u]; j < end; ++j) {
        __builtin_prefetch(&degree[targets[j]]);
        __builtin_prefetch(&position[targets[j]]);
      }
    }
    const NodeId v = sorted[i];
    for (NodeId w : g.neighbors(v)) {
      if (degree[w] <= degree[v]) continue;
      const std::uint32_t dw = degree[w];
      const NodeId pw = position[w];
      const std::size_t start = bin[dw];
      const NodeId u = sorted[start];
      if (u != w) {
        sorted[pw] = u;
        position[u] = pw;
        sorted[start] = w;
        position[w] = static_cast<NodeId>(start);
      }
      ++bin[dw];
      --degree[w];
    }
  }
  return degree;
}

}  // namespace p2p::analysis
