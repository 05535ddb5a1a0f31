#include "analysis/paths.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>
#include <span>
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

// 64 breadth-first searches at once, one bit per source (bit-parallel BFS): each level is one
// pass over the adjacency ORing neighbours' frontier words, so a batch costs about
// (eccentricity + 1) passes instead of 64 searches. Worth it on small-world graphs only; the
// caller checks the depth first.
class BatchBfs {
 public:
  explicit BatchBfs(const Graph& g)
      : g_(g), visited_(g.node_count()), frontier_(g.node_count()), next_(g.node_count()) {}

  struct Result {
    std::uint64_t sum = 0;  // distances from every source to every node
    std::vector<std::uint32_t> eccentricity;
    std::vector<NodeId> farthest;  // a node at that distance, per source
  };

  Result run(std::span<const NodeId> sources) {
    const std::size_t n = g_.node_count();
    const std::size_t k = sources.size();
    const std::uint64_t full = k == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
    std::fill(visited_.begin(), visited_.end(), 0);
    std::fill(frontier_.begin(), frontier_.end(), 0);
    Result r;
    r.eccentricity.assign(k, 0);
    r.farthest.assign(sources.begin(), sources.end());
    for (std::size_t i = 0; i < k; ++i) {
      visited_[sources[i]] |= std::uint64_t{1} << i;
      frontier_[sources[i]] |= std::uint64_t{1} << i;
    }
    const auto offsets = g_.offsets();
    const auto targets = g_.targets();
    for (std::uint32_t depth = 1;; ++depth) {
      std::uint64_t reached = 0;
      for (NodeId v = 0; v < n; ++v) {
        if (visited_[v] == full) {
          next_[v] = 0;
          continue;
        }
        std::uint64_t seen = 0;
        for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) seen |= frontier_[targets[i]];
        std::uint64_t fresh = seen & ~visited_[v];
        next_[v] = fresh;
        if (fresh == 0) continue;
        visited_[v] |= fresh;
        r.sum +=
            static_cast<std::uint64_t>(depth) * static_cast<std::uint64_t>(std::popcount(fresh));
        reached |= fresh;
        for (; fresh != 0; fresh &= fresh - 1) r.farthest[std::countr_zero(fresh)] = v;
      }
      if (reached == 0) break;
      for (std::uint64_t bits = reached; bits != 0; bits &= bits - 1) {
        r.eccentricity[std::countr_zero(bits)] = depth;
      }
      frontier_.swap(next_);
    }
    return r;
  }

 private:
  const Graph& g_;
  std::vector<std::uint64_t> visited_;
  std::vector<std::uint64_t> frontier_;
  std::vector<std::uint64_t> next_;
};

// A batch pass scans all nodes per level; against 64 plain searches it wins while a search is
// at most this deep (a probe's eccentricity bounds every other's by twice itself).
constexpr std::uint32_t kBatchDepth = 16;

}  // namespace

PathStats path_stats(const Graph& g, std::size_t exact_limit, std::size_t samples,
                     std::uint64_t seed) {
  const std::size_t n = g.node_count();
  PathStats s;
  std::vector<NodeId> sources(n);
  std::iota(sources.begin(), sources.end(), NodeId{0});
  if (n <= exact_limit || samples >= n) {
    s.samples = n;
  } else {
    s.exact = false;
    s.samples = samples;
    // Sources without replacement: a partial Fisher-Yates shuffle.
    Rng rng(seed, kPathStream);
    for (std::size_t i = 0; i < samples; ++i) std::swap(sources[i], sources[i + rng.below(n - i)]);
    sources.resize(samples);
  }

  Bfs bfs(g);
  const auto probe = bfs.run(sources[0]);
  std::uint64_t total = 0;
  std::vector<NodeId> far_ends;  // farthest nodes of the first sources, for double sweeps
  if (probe.eccentricity <= kBatchDepth / 2) {
    BatchBfs batch(g);
    for (std::size_t at = 0; at < sources.size(); at += 64) {
      const std::size_t k = std::min<std::size_t>(64, sources.size() - at);
      const auto r = batch.run(std::span<const NodeId>(sources).subspan(at, k));
      total += r.sum;
      for (std::size_t i = 0; i < k; ++i) s.diameter = std::max(s.diameter, r.eccentricity[i]);
      if (at == 0)
        far_ends.assign(r.farthest.begin(), r.farthest.begin() + std::min<std::size_t>(k, 4));
    }
  } else {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const auto r = bfs.run(sources[i]);
      total += r.sum;
      s.diameter = std::max(s.diameter, r.eccentricity);
      if (i < 4) far_ends.push_back(r.farthest);
    }
  }
  if (s.exact) {
    s.mean_distance = static_cast<double>(total) / (static_cast<double>(n) * (n - 1));
    return s;
  }
  // Double sweep: the node farthest from a source often lies at one end of a diameter.
  for (NodeId end : far_ends) s.diameter = std::max(s.diameter, bfs.run(end).eccentricity);
  s.mean_distance = static_cast<double>(total) / (static_cast<double>(samples) * (n - 1));
  return s;
}

}  // namespace p2p::analysis
