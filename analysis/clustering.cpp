#include "analysis/clustering.hpp"
#include "protocol/huge_pages.hpp"

#include <algorithm>

namespace p2p::analysis {

Clustering clustering(const Graph& g) {
  const std::size_t n = g.node_count();
  Clustering c;
  c.triangles.assign(n, 0);
  c.local.assign(n, 0.0);

  // Orient every edge from lower to higher (degree, id) rank: each triangle is found exactly once,
  // from its lowest-ranked corner, and no out-list is longer than sqrt(2m), which bounds the work
  // at O(m^1.5) even with hubs.
  auto ranks_before = [&](NodeId a, NodeId b) {
    const std::size_t da = g.degree(a);
    const std::size_t db = g.degree(b);
    return da < db || (da == db && a < b);
  };
  // A neighbour's degree is a random read: ask for the one kAhead entries further down the
  // adjacency while this one is compared (rows follow one another, so any entry ahead will come).
  constexpr std::uint64_t kAhead = 64;
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  auto prefetch_degree = [&](std::uint64_t i) {
    if (i + kAhead < targets.size()) __builtin_prefetch(&offsets[targets[i + kAhead]]);
  };
  HugePageVector<std::uint64_t> out_offsets(n + 1, 0);
  for (NodeId v = 0; v < n; ++v) {
    std::uint64_t k = 0;
    for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
      prefetch_degree(i);
      k += ranks_before(v, targets[i]) ? 1 : 0;
    }
    out_offsets[v + 1] = out_offsets[v] + k;
  }
  HugePageVector<NodeId> out(out_offsets[n]);
  for (NodeId v = 0; v < n; ++v) {
    std::uint64_t at = out_offsets[v];
    for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
      prefetch_degree(i);
      if (ranks_before(v, targets[i])) out[at++] = targets[i];
    }
  }

  HugePageVector<NodeId> mark(n,
                              static_cast<NodeId>(n));  // mark[w] == u: w is an out-neighbour of u
  for (NodeId u = 0; u < n; ++u) {
    const std::uint64_t ub = out_offsets[u];
    const std::uint64_t ue = out_offsets[u + 1];
    if (ue - ub < 2) continue;
    for (std::uint64_t i = ub; i < ue; ++i) mark[out[i]] = u;
    for (std::uint64_t i = ub; i < ue; ++i) {
      // The same for the out-rows searched next (a few ahead: rows here are short).
      if (i + kAhead / 4 < out.size()) __builtin_prefetch(&out_offsets[out[i + kAhead / 4]]);
      const NodeId v = out[i];
      std::uint64_t found = 0;
      for (std::uint64_t j = out_offsets[v]; j < out_offsets[v + 1]; ++j) {
        const NodeId w = out[j];
        if (mark[w] == u) {
          ++found;
          ++c.triangles[w];
        }
      }
      c.triangles[u] += found;
      c.triangles[v] += found;
    }
  }

  std::uint64_t wedges = 0;  // sum of d (d - 1) / 2
  double local_sum = 0;
  for (NodeId v = 0; v < n; ++v) {
    const std::uint64_t d = g.degree(v);
    if (d < 2) continue;
    const std::uint64_t pairs = d * (d - 1) / 2;
    wedges += pairs;
    c.total_triangles += c.triangles[v];
    c.local[v] = static_cast<double>(c.triangles[v]) / static_cast<double>(pairs);
    local_sum += c.local[v];
  }
  c.total_triangles /= 3;
  c.average = n == 0 ? 0.0 : local_sum / static_cast<double>(n);
  c.transitivity = c.total_triangles == 0
                       ? 0.0
                       : 3.0 * static_cast<double>(c.total_triangles) / static_cast<double>(wedges);
  return c;
}

}  // namespace p2p::analysis
