#include "analysis/paths.hpp"

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <numeric>
#include <span>
#include <thread>
#include <vector>

#include "analysis/random.hpp"
#include "analysis/tasks.hpp"
#include "protocol/huge_pages.hpp"

namespace p2p::analysis {
namespace {

constexpr std::uint64_t kPathStream = 0x70617468;  // separates path sampling from other draws
constexpr std::size_t kWidth = 64;                 // sources per batch, one bit each

// The nodes of the graph outside the connected piece being measured, and their edges: the
// searches start inside and never reach them, and bottom-up levels must not wait on them.
struct Outside {
  std::vector<NodeId> nodes;
  std::uint64_t edge_ends = 0;
};

// Up to 64 breadth-first searches at once, one bit per source (multi-source BFS). A node is
// touched once per distinct distance it has from the batch's sources rather than once per source,
// so on small-world graphs, where a node's distances to 64 sources take a handful of values, a
// batch costs a few plain searches; on a lattice, where they are all different, it costs no more
// than 64. (Wider batches read fewer random cache lines in all but spill the per-node arrays out
// of the cache: 256 sources a batch measured 3x slower on a million-node random graph.)
//
// Each level goes the cheaper of two ways (direction-optimising BFS): top-down pushes the
// frontier's words to their neighbours, work proportional to the frontier's edges; bottom-up lets
// every node still missing some source pull from its neighbours until it has all it can get,
// which wins in the few middle levels of a small-world graph where the frontier holds most edges.
// Both give the same distances, so the choice never shows in a result.
class MultiBfs {
 public:
  MultiBfs(const Graph& g, const Outside& outside)
      : g_(g),
        outside_(outside),
        seen_(g.node_count()),
        frontier_(g.node_count()),
        next_(g.node_count()),
        active_(g.node_count()),
        fresh_(g.node_count()) {}

  struct Result {
    std::uint64_t sum = 0;                    // distances from every source to every node
    std::vector<std::uint32_t> eccentricity;  // per source
    std::vector<NodeId> farthest;             // per source: a node at that distance
    bool cut_short = false;  // some node lies beyond depth_limit: the rest is meaningless
  };

  // Searches from up to kWidth sources; stops as soon as a level would lie deeper than
  // `depth_limit` and says so.
  Result run(std::span<const NodeId> sources,
             std::uint32_t depth_limit = std::numeric_limits<std::uint32_t>::max()) {
    const std::size_t n = g_.node_count();
    const std::size_t k = sources.size();
    const std::uint64_t full = k == kWidth ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
    const auto offsets = g_.offsets();
    const auto targets = g_.targets();
    std::fill(seen_.begin(), seen_.end(), 0);
    for (NodeId u : outside_.nodes) seen_[u] = ~std::uint64_t{0};  // nothing to learn there
    Result r;
    r.eccentricity.assign(k, 0);
    r.farthest.assign(sources.begin(), sources.end());

    std::size_t active = 0;  // nodes with a non-zero frontier word, in active_[0, active)
    std::uint64_t frontier_edges = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const NodeId s = sources[i];
      if (frontier_[s] == 0) {
        active_[active++] = s;
        frontier_edges += g_.degree(s);
      }
      seen_[s] |= std::uint64_t{1} << i;
      frontier_[s] |= std::uint64_t{1} << i;
    }
    // Edges of nodes that some source has not reached yet: bottom-up's cost, roughly.
    std::uint64_t unfinished_edges = targets.size() - outside_.edge_ends;

    for (std::uint32_t depth = 1; active > 0; ++depth) {
      if (depth > depth_limit) {
        for (std::size_t a = 0; a < active; ++a) frontier_[active_[a]] = 0;
        r.cut_short = true;
        return r;
      }
      std::size_t fresh = 0;  // nodes reached at this depth, in fresh_[0, fresh)
      if (frontier_edges * kBottomUpRatio < unfinished_edges) {
        for (std::size_t a = 0; a < active; ++a) {
          const NodeId v = active_[a];
          const std::uint64_t f = frontier_[v];
          for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
            const NodeId w = targets[i];
            const std::uint64_t gained = f & ~seen_[w];
            if (gained == 0) continue;
            if (next_[w] == 0) fresh_[fresh++] = w;
            next_[w] |= gained;
            seen_[w] |= gained;
          }
        }
      } else {
        for (NodeId v = 0; v < n; ++v) {
          // The neighbours' words are random reads: ask for a later node's while this one waits.
          if (v + kAhead < n && seen_[v + kAhead] != full) {
            const NodeId u = v + kAhead;
            for (std::uint64_t i = offsets[u]; i < offsets[u + 1]; ++i) {
              __builtin_prefetch(&frontier_[targets[i]]);
            }
          }
          const std::uint64_t missing = full & ~seen_[v];
          if (missing == 0) continue;
          std::uint64_t heard = 0;
          for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
            heard |= frontier_[targets[i]];
            if ((heard & missing) == missing) break;
          }
          const std::uint64_t gained = heard & missing;
          if (gained == 0) continue;
          fresh_[fresh++] = v;
          next_[v] = gained;
          seen_[v] |= gained;
        }
      }
      for (std::size_t a = 0; a < active; ++a) frontier_[active_[a]] = 0;
      frontier_.swap(next_);
      active_.swap(fresh_);
      active = fresh;

      // Account for the new level: distances, eccentricities, and the first node listed that
      // reached each source's bit (deterministic: the lists' order depends on the graph and the
      // batch alone).
      std::uint64_t reached = 0;
      frontier_edges = 0;
      for (std::size_t a = 0; a < active; ++a) {
        const NodeId v = active_[a];
        const std::uint64_t bits = frontier_[v];
        r.sum +=
            static_cast<std::uint64_t>(depth) * static_cast<std::uint64_t>(std::popcount(bits));
        frontier_edges += offsets[v + 1] - offsets[v];
        if (seen_[v] == full) unfinished_edges -= offsets[v + 1] - offsets[v];
        for (std::uint64_t first = bits & ~reached; first != 0; first &= first - 1) {
          r.farthest[static_cast<std::size_t>(std::countr_zero(first))] = v;
        }
        reached |= bits;
      }
      for (std::uint64_t bits = reached; bits != 0; bits &= bits - 1) {
        r.eccentricity[static_cast<std::size_t>(std::countr_zero(bits))] = depth;
      }
    }
    return r;
  }

 private:
  // Bottom-up once the frontier's edges exceed this fraction of the unfinished nodes' edges.
  static constexpr std::uint64_t kBottomUpRatio = 4;
  static constexpr NodeId kAhead = 16;  // nodes ahead whose neighbours bottom-up prefetches

  const Graph& g_;
  const Outside& outside_;
  HugePageVector<std::uint64_t> seen_;
  HugePageVector<std::uint64_t> frontier_;  // sources that reached each node at the current depth
  HugePageVector<std::uint64_t> next_;      // zero outside a level
  HugePageVector<NodeId> active_;
  HugePageVector<NodeId> fresh_;
};

// One breadth-first search per source, for deep graphs (lattices, long chains), where a node's
// distances to 64 sources are all different and batching shares nothing: a single wavefront
// keeps its working set small enough for the cache, 64 at once do not. Same Result as MultiBfs;
// a source's farthest node is the first one dequeued at its eccentricity.
class PlainBfs {
 public:
  // A search from inside the piece stays inside: the nodes outside need no care.
  PlainBfs(const Graph& g, const Outside& /*outside*/)
      : g_(g), distance_(g.node_count(), kUnseen), queue_(g.node_count()) {}

  MultiBfs::Result run(std::span<const NodeId> sources) {
    MultiBfs::Result r;
    for (NodeId s : sources) {
      const auto [sum, eccentricity, farthest] = search(s);
      r.sum += sum;
      r.eccentricity.push_back(eccentricity);
      r.farthest.push_back(farthest);
    }
    return r;
  }

  struct One {
    std::uint64_t sum;
    std::uint32_t eccentricity;
    NodeId farthest;
  };
  One search(NodeId source) {
    const auto offsets = g_.offsets();
    const auto targets = g_.targets();
    std::size_t head = 0;
    std::size_t tail = 0;
    queue_[tail++] = source;
    distance_[source] = 0;
    One r{0, 0, source};
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
  HugePageVector<std::uint32_t> distance_;
  HugePageVector<NodeId> queue_;
};

// Above this eccentricity of any of the first batch's sources, searches run one source at a
// time. On a million-node random graph (eccentricities 10-12) batches are 25 times faster than
// plain searches; on a million-node grid (eccentricities 1000-2000) 6.6 times slower.
constexpr std::uint32_t kDeepEccentricity = 32;

// Sum of distances and the largest eccentricity over batches of 64 sources, shared among
// `threads` workers. Batches are the same kWidth-source slices whatever the thread count, each
// batch's result is independent of which worker ran it, and the totals are an integer sum and a
// maximum, so any thread count gives the same answer.
struct BatchTotals {
  std::uint64_t sum = 0;
  std::uint32_t diameter = 0;
  std::vector<NodeId> first_farthest;  // the first batch's farthest nodes, one per source
};

template <class Search>
BatchTotals run_batches(const Graph& g, const Outside& outside, std::span<const NodeId> sources,
                        unsigned threads) {
  const std::size_t batches = (sources.size() + kWidth - 1) / kWidth;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads =
      static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(batches, 1)));
  std::vector<BatchTotals> part(threads);
  std::vector<std::function<void()>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Search bfs(g, outside);
      for (std::size_t b = t; b < batches; b += threads) {
        const std::size_t at = b * kWidth;
        const auto r = bfs.run(sources.subspan(at, std::min(kWidth, sources.size() - at)));
        part[t].sum += r.sum;
        for (std::uint32_t e : r.eccentricity) part[t].diameter = std::max(part[t].diameter, e);
        if (b == 0) part[t].first_farthest = r.farthest;
      }
    });
  }
  run_tasks(workers, threads);
  BatchTotals total;
  for (BatchTotals& p : part) {
    total.sum += p.sum;
    total.diameter = std::max(total.diameter, p.diameter);
    if (!p.first_farthest.empty()) total.first_farthest = std::move(p.first_farthest);
  }
  return total;
}

// The statistics of the piece (all of g when `piece` is empty).
PathStats piece_path_stats(const Graph& g, std::span<const NodeId> piece, std::size_t exact_limit,
                           std::size_t samples, std::uint64_t seed, unsigned threads) {
  const std::size_t n = piece.empty() ? g.node_count() : piece.size();
  Outside outside;
  if (!piece.empty() && piece.size() < g.node_count()) {
    std::vector<std::uint8_t> inside(g.node_count(), 0);
    for (NodeId v : piece) inside[v] = 1;
    for (NodeId v = 0; v < g.node_count(); ++v) {
      if (inside[v] != 0) continue;
      outside.nodes.push_back(v);
      outside.edge_ends += g.degree(v);
    }
  }
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
  // The piece's i-th node is node i of its induced subgraph: the same sources, met in the same
  // order, as in a copy of the piece.
  if (!piece.empty()) {
    for (NodeId& v : sources) v = piece[v];
  }

  // The first batch tells a small-world graph from a deep one: it stops as soon as a node lies
  // deeper than kDeepEccentricity from one of its sources (a few levels of little fronts on a
  // deep graph, cheap), and every source is then searched from alone. Otherwise it counts as
  // the first batch and the others follow.
  const std::size_t head = std::min(kWidth, sources.size());
  const MultiBfs::Result probe =
      MultiBfs(g, outside).run(std::span<const NodeId>(sources).first(head), kDeepEccentricity);
  const bool deep = probe.cut_short;
  auto run = [&g, &outside, deep](std::span<const NodeId> from, unsigned t) {
    return deep ? run_batches<PlainBfs>(g, outside, from, t)
                : run_batches<MultiBfs>(g, outside, from, t);
  };
  BatchTotals totals;
  if (deep) {
    totals = run(sources, threads);
  } else {
    totals = run(std::span<const NodeId>(sources).subspan(head), threads);
    totals.sum += probe.sum;
    for (std::uint32_t e : probe.eccentricity) totals.diameter = std::max(totals.diameter, e);
    totals.first_farthest = probe.farthest;
  }
  s.diameter = totals.diameter;
  if (s.exact) {
    s.mean_distance = static_cast<double>(totals.sum) / (static_cast<double>(n) * (n - 1));
    return s;
  }
  // Double sweeps: the node farthest from a source often lies at one end of a diameter. The
  // farthest nodes of the first batch's sources are searched from as one more batch.
  std::vector<NodeId> ends = totals.first_farthest;
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  s.diameter = std::max(s.diameter, run(ends, threads).diameter);
  s.mean_distance = static_cast<double>(totals.sum) / (static_cast<double>(samples) * (n - 1));
  return s;
}

}  // namespace

PathStats path_stats(const Graph& g, std::size_t exact_limit, std::size_t samples,
                     std::uint64_t seed, unsigned threads) {
  return piece_path_stats(g, {}, exact_limit, samples, seed, threads);
}

PathStats path_stats(const Graph& g, std::span<const NodeId> piece, std::size_t exact_limit,
                     std::size_t samples, std::uint64_t seed, unsigned threads) {
  return piece_path_stats(g, piece, exact_limit, samples, seed, threads);
}

PathStats path_stats(const Graph& g, std::size_t exact_limit, std::size_t samples,
                     std::uint64_t seed) {
  return path_stats(g, exact_limit, samples, seed, 1);
}

}  // namespace p2p::analysis
