#include "analysis/degrees.hpp"

#include <algorithm>
#include <map>

namespace p2p::analysis {

DegreeStats degree_stats(const Graph& g) {
  DegreeStats s;
  const std::size_t n = g.node_count();
  if (n == 0) return s;
  std::vector<std::size_t> count;
  s.min = g.degree(0);
  for (NodeId v = 0; v < n; ++v) {
    const std::size_t d = g.degree(v);
    s.min = std::min(s.min, d);
    s.max = std::max(s.max, d);
    if (d >= count.size()) count.resize(d + 1, 0);
    ++count[d];
  }
  s.isolated = count.empty() ? 0 : count[0];
  s.mean = 2.0 * static_cast<double>(g.edge_count()) / static_cast<double>(n);
  for (std::size_t d = 0; d < count.size(); ++d) {
    if (count[d] != 0) s.distribution.emplace_back(d, count[d]);
  }
  return s;
}

std::optional<double> degree_assortativity(const Graph& g) {
  __extension__ using i128 = __int128;
  // Each edge is seen from both ends, as networkx's symmetric mixing matrix does.
  i128 ends = 0;   // 2m
  i128 sum = 0;    // sum over edge ends of the degree
  i128 sum2 = 0;   // ... of the degree squared
  i128 cross = 0;  // sum over ordered edges of d(u) d(v)
  for (NodeId v = 0; v < g.node_count(); ++v) {
    const i128 d = static_cast<i128>(g.degree(v));
    ends += d;
    sum += d * d;
    sum2 += d * d * d;
    for (NodeId w : g.neighbors(v)) cross += d * static_cast<i128>(g.degree(w));
  }
  if (ends == 0) return std::nullopt;
  const i128 numerator = ends * cross - sum * sum;
  const i128 denominator = ends * sum2 - sum * sum;
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(static_cast<long double>(numerator) /
                             static_cast<long double>(denominator));
}

}  // namespace p2p::analysis
