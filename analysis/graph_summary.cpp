#include "analysis/graph_summary.hpp"

#include <cmath>

namespace p2p::analysis {

double degree_stddev(const Graph& g) {
  const std::size_t n = g.node_count();
  if (n == 0) return 0;
  const double mean = static_cast<double>(2 * g.edge_count()) / static_cast<double>(n);
  double ss = 0;
  for (NodeId v = 0; v < n; ++v) {
    const double d = static_cast<double>(g.degree(v)) - mean;
    ss += d * d;
  }
  return std::sqrt(ss / static_cast<double>(n));
}

double link_share(const Graph& g, NodeId v) {
  if (g.edge_count() == 0 || v >= g.node_count()) return std::nan("");
  return static_cast<double>(g.degree(v)) / static_cast<double>(g.edge_count());
}

}  // namespace p2p::analysis
