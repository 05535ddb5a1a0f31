#include "analysis/paths.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "analysis/random.hpp"

namespace p2p::analysis {
namespace {

constexpr std::uint64_t kPathStream = 0x70617468;  // separates path sampling from other draws

// Breadth-first search with flat arrays reused across sources.
class Bfs {
 public:
  explicit Bfs(const Graph& g)
      : g_(g), distance_(g.node_count(), kUnseen), queue_(g.node_count()) {}

  // Distances from `source`; returns (sum of distances, eccentricity, a farthest node).
  struct Result {
    std::uint64_t sum = 0;
    std::uint32_t eccentricity = 0;
    NodeId farthest = 0;
  };
  Result run(NodeId source) {
    const auto offsets = g_.offsets();
    const auto targets = g_.targets();
    std::size_t head = 0;
    std::size_t tail = 0;
    queue_[tail++] = source;
    distance_[source] = 0;
    Result r;
    r.farthest = source;
    while (head < tail) {
      const NodeId v = queue_[head++];
      const std::uint32_t dv = distance_[v];
      r.sum += dv;
      if (dv > r.eccentricity) {
        r.eccentricity = dv;
        r.farthest = v;
      }
      for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
        const NodeId w = targets[i];
        if (distance_[w] == kUnseen) {
          distance_[w] = dv + 1;
          queue_[tail++] = w;
        }
      }
    }
    for (std::size_t i = 0; i < tail; ++i) distance_[queue_[i]] = kUnseen;
    return r;
  }

 private:
  static constexpr std::uint32_t kUnseen = std::numeric_limits<std::uint32_t>::max();
  const Graph& g_;
  std::vector<std::uint32_t> distance_;
  std::vector<NodeId> queue_;
};

}  // namespace

PathStats path_stats(const Graph& g, std::size_t exact_limit, std::size_t samples,
                     std::uint64_t seed) {
  const std::size_t n = g.node_count();
  Bfs bfs(g);
  PathStats s;
  if (n <= exact_limit || samples >= n) {
    std::uint64_t total = 0;
    for (NodeId v = 0; v < n; ++v) {
      const auto r = bfs.run(v);
      total += r.sum;
      s.diameter = std::max(s.diameter, r.eccentricity);
    }
    s.mean_distance = static_cast<double>(total) / (static_cast<double>(n) * (n - 1));
    s.samples = n;
    return s;
  }
  s.exact = false;
  s.samples = samples;
  // Sources without replacement: a partial Fisher-Yates shuffle.
  std::vector<NodeId> nodes(n);
  std::iota(nodes.begin(), nodes.end(), NodeId{0});
  Rng rng(seed, kPathStream);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    std::swap(nodes[i], nodes[i + rng.below(n - i)]);
    const auto r = bfs.run(nodes[i]);
    total += r.sum;
    s.diameter = std::max(s.diameter, r.eccentricity);
    // Double sweep: the node farthest from a source often lies at one end of a diameter.
    if (i < 4) s.diameter = std::max(s.diameter, bfs.run(r.farthest).eccentricity);
  }
  s.mean_distance = static_cast<double>(total) / (static_cast<double>(samples) * (n - 1));
  return s;
}

}  // namespace p2p::analysis
