#include "analysis/resilience.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "analysis/random.hpp"
#include "analysis/tasks.hpp"
#include "protocol/huge_pages.hpp"

namespace p2p::analysis {
namespace {

constexpr int kSteps = 100;  // fraction steps of 0.01

// Union-find over the nodes added so far, in one array as Newman and Ziff keep it, so a lookup
// touches one cache line per step: 0 = not added yet, > 0 = parent + 1, < 0 = a root holding
// -value nodes. Path halving keeps the trees flat.
class Percolation {
 public:
  explicit Percolation(std::size_t n) : link_(n, 0) {}
  bool present(NodeId v) const { return link_[v] != 0; }
  void prefetch(NodeId v) const { __builtin_prefetch(&link_[v]); }
  void add(NodeId v) { link_[v] = -1; }
  NodeId find(NodeId v) {
    while (link_[v] > 0) {
      const auto parent = static_cast<NodeId>(link_[v] - 1);
      if (link_[parent] > 0) link_[v] = link_[parent];
      v = parent;
    }
    return v;
  }
  // Joins the sets of a and b; returns the size of the result.
  std::uint32_t unite(NodeId a, NodeId b) {
    a = find(a);
    b = find(b);
    if (a == b) return static_cast<std::uint32_t>(-link_[a]);
    if (link_[a] > link_[b]) std::swap(a, b);  // a is the larger set
    link_[a] += link_[b];
    link_[b] = static_cast<std::int32_t>(a) + 1;
    return static_cast<std::uint32_t>(-link_[a]);
  }

 private:
  HugePageVector<std::int32_t> link_;
};

// First k at which 2 * largest[k] < n: the curve never rises as more nodes go, so it is a cut.
std::uint64_t first_below_half(const std::vector<std::uint32_t>& largest, std::size_t n) {
  std::uint64_t k = 0;
  while (2 * static_cast<std::uint64_t>(largest[k]) >= n) ++k;
  return k;
}

std::uint64_t removed_at_step(int step, std::size_t n) {
  return static_cast<std::uint64_t>(step) * n / kSteps;
}

}  // namespace

std::vector<std::uint32_t> largest_component_by_removal(const Graph& g,
                                                        const std::vector<NodeId>& order) {
  const std::size_t n = g.node_count();
  if (n >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::length_error("resilience: more nodes than a 32-bit union-find holds");
  }
  std::vector<std::uint32_t> largest(n + 1, 0);
  Percolation sets(n);
  std::uint32_t best = 0;
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  // Nodes come in random order, so every step would wait on memory three times over: for the
  // node's offsets, its neighbour list, and its neighbours' union-find entries. Asking for each a
  // few steps ahead keeps those loads in flight together.
  constexpr std::size_t kAhead = 16;
  for (std::size_t k = n; k-- > 0;) {
    if (k >= kAhead) __builtin_prefetch(&offsets[order[k - kAhead]]);
    if (k >= kAhead / 2) {
      const NodeId u = order[k - kAhead / 2];
      __builtin_prefetch(&targets[offsets[u]]);
      sets.prefetch(u);
    }
    if (k >= kAhead / 4) {
      const NodeId u = order[k - kAhead / 4];
      const std::uint64_t end = std::min(offsets[u + 1], offsets[u] + 16);  // hubs: the first few
      for (std::uint64_t i = offsets[u]; i < end; ++i) sets.prefetch(targets[i]);
    }
    const NodeId v = order[k];
    sets.add(v);
    best = std::max<std::uint32_t>(best, 1);
    for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
      const NodeId w = targets[i];
      if (sets.present(w)) best = std::max(best, sets.unite(v, w));
    }
    largest[k] = best;  // nodes order[k..n) present, i.e. k removed
  }
  return largest;
}

std::vector<NodeId> degree_removal_order(const Graph& g) {
  // A counting sort: one pass over the degrees in id order, so ties keep the lower id first (a
  // comparison sort read each compared node's degree from a random place, n log n times).
  const std::size_t n = g.node_count();
  std::size_t max_degree = 0;
  for (NodeId v = 0; v < n; ++v) max_degree = std::max(max_degree, g.degree(v));
  std::vector<std::size_t> next(max_degree + 2,
                                0);  // next[d]: where the next node of degree d goes
  for (NodeId v = 0; v < n; ++v) ++next[max_degree - g.degree(v) + 1];
  std::partial_sum(next.begin(), next.end(), next.begin());
  std::vector<NodeId> order(n);
  for (NodeId v = 0; v < n; ++v) order[next[max_degree - g.degree(v)]++] = v;
  return order;
}

std::vector<NodeId> random_removal_order(const Graph& g, std::uint64_t seed, std::uint64_t stream) {
  std::vector<NodeId> order(g.node_count());
  std::iota(order.begin(), order.end(), NodeId{0});
  Rng rng(seed, stream);
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[rng.below(i)]);
  }
  return order;
}

ResilienceOrders::ResilienceOrders(const Graph& g, std::uint64_t seed, int runs)
    : g_(g),
      seed_(seed),
      runs_(std::max(runs, 0)),
      fractions_(g.node_count() > 0 ? runs_ + 1 : 0, std::vector<double>(kSteps + 1)),
      below_half_(fractions_.size()) {}

void ResilienceOrders::compute(std::size_t i) {
  const std::size_t n = g_.node_count();
  const bool by_degree = i + 1 == fractions_.size();
  const auto largest = largest_component_by_removal(
      g_, by_degree ? degree_removal_order(g_) : random_removal_order(g_, seed_, i));
  for (int step = 0; step <= kSteps; ++step) {
    fractions_[i][step] = largest[removed_at_step(step, n)] / static_cast<double>(n);
  }
  below_half_[i] = first_below_half(largest, n);
}

std::vector<ResilienceCurve> ResilienceOrders::curves() const {
  const std::size_t n = g_.node_count();
  auto make_points = [&](ResilienceCurve& curve) {
    for (int step = 0; step <= kSteps; ++step) {
      ResiliencePoint p;
      p.fraction_removed = step / static_cast<double>(kSteps);
      p.nodes_removed = removed_at_step(step, n);
      curve.points.push_back(p);
    }
  };
  ResilienceCurve random{"random", runs_, {}, std::nullopt};
  make_points(random);
  ResilienceCurve degree{"degree", 1, {}, std::nullopt};
  make_points(degree);
  const std::size_t orders = fractions_.size();
  if (orders > 1) {
    // Mean and deviation over runs in a fixed order, two passes so the deviation has no
    // cancellation.
    double half_sum = 0;
    for (std::size_t r = 0; r + 1 < orders; ++r) {
      half_sum += static_cast<double>(below_half_[r]) / static_cast<double>(n);
    }
    for (int step = 0; step <= kSteps; ++step) {
      double mean = 0;
      for (std::size_t r = 0; r + 1 < orders; ++r) mean += fractions_[r][step];
      mean /= runs_;
      double squares = 0;
      for (std::size_t r = 0; r + 1 < orders; ++r) {
        squares += (fractions_[r][step] - mean) * (fractions_[r][step] - mean);
      }
      random.points[step].mean = mean;
      random.points[step].stddev = std::sqrt(squares / runs_);
    }
    random.half_fraction = half_sum / runs_;
  }
  if (orders > 0) {
    for (int step = 0; step <= kSteps; ++step) {
      degree.points[step].mean = fractions_[orders - 1][step];
    }
    degree.half_fraction = static_cast<double>(below_half_[orders - 1]) / static_cast<double>(n);
  }
  std::vector<ResilienceCurve> curves;
  curves.push_back(std::move(random));
  curves.push_back(std::move(degree));
  return curves;
}

std::vector<ResilienceCurve> resilience_curves(const Graph& g, std::uint64_t seed, int runs,
                                               unsigned threads) {
  ResilienceOrders orders(g, seed, runs);
  std::vector<std::function<void()>> tasks;
  for (std::size_t i = 0; i < orders.count(); ++i) {
    tasks.emplace_back([&orders, i] { orders.compute(i); });
  }
  run_tasks(tasks, threads);
  return orders.curves();
}

std::vector<ResilienceCurve> resilience_curves(const Graph& g, std::uint64_t seed, int runs) {
  return resilience_curves(g, seed, runs, 1);
}

}  // namespace p2p::analysis
