#include "analysis/cores.hpp"
#include "analysis/huge_pages.hpp"

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
  HugePageVector<std::size_t> position(n);
  {
    std::vector<std::size_t> next(bin.begin(), bin.end() - 1);
    for (NodeId v = 0; v < n; ++v) {
      position[v] = next[degree[v]]++;
      sorted[position[v]] = v;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const NodeId v = sorted[i];
    for (NodeId w : g.neighbors(v)) {
      if (degree[w] <= degree[v]) continue;
      const std::uint32_t dw = degree[w];
      const std::size_t pw = position[w];
      const std::size_t start = bin[dw];
      const NodeId u = sorted[start];
      if (u != w) {
        sorted[pw] = u;
        position[u] = pw;
        sorted[start] = w;
        position[w] = start;
      }
      ++bin[dw];
      --degree[w];
    }
  }
  return degree;
}

}  // namespace p2p::analysis
