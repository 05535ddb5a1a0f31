#pragma once
// Resilience to node removal: the largest component as nodes are taken away, whole curves at once.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// Largest component size after removing order[0..k) for every k = 0..n: element k of the result.
// `order` must be a permutation of the nodes. Newman-Ziff: nodes are added back in reverse order
// with a union-find, so the whole curve costs one pass over the edges instead of a search per step.
std::vector<std::uint32_t> largest_component_by_removal(const Graph& g,
                                                        const std::vector<NodeId>& order);

// Highest degree first, ties broken by lower id.
std::vector<NodeId> degree_removal_order(const Graph& g);
// A uniformly random permutation drawn from (seed, stream).
std::vector<NodeId> random_removal_order(const Graph& g, std::uint64_t seed, std::uint64_t stream);

// One point of a curve: after removing `nodes_removed` = floor(fraction_removed * n) nodes, the
// largest component holds `mean` of all n nodes (mean and population standard deviation over runs).
struct ResiliencePoint {
  double fraction_removed = 0;
  std::uint64_t nodes_removed = 0;
  double mean = 0;
  double stddev = 0;
};

// A removal strategy's curve at fraction steps of 0.01, plus the fraction removed at which the
// largest component first holds fewer than half of all nodes (the mean over runs, at node
// resolution; empty for a graph without nodes).
struct ResilienceCurve {
  std::string strategy;  // "random" or "degree"
  int runs = 0;
  std::vector<ResiliencePoint> points;
  std::optional<double> half_fraction;
};

// The curves' removal orders as separate pieces of work, so a caller can run them beside other
// passes: compute(i) for every i < count() (distinct i may run on different threads at once),
// then curves(). Order i < runs is random stream i; the last is the degree order.
class ResilienceOrders {
 public:
  ResilienceOrders(const Graph& g, std::uint64_t seed, int runs);
  std::size_t count() const { return fractions_.size(); }
  void compute(std::size_t i);
  std::vector<ResilienceCurve> curves() const;

 private:
  const Graph& g_;
  std::uint64_t seed_;
  int runs_;
  std::vector<std::vector<double>> fractions_;  // per order, the largest component at each step
  std::vector<std::uint64_t> below_half_;       // per order, nodes removed when it fell below half
};

// `random` over `runs` orders (seeded streams 0..runs-1) and `degree` (one deterministic order),
// the orders shared among `threads` threads (0: one per hardware thread) with the same result for
// every thread count.
std::vector<ResilienceCurve> resilience_curves(const Graph& g, std::uint64_t seed, int runs,
                                               unsigned threads);
std::vector<ResilienceCurve> resilience_curves(const Graph& g, std::uint64_t seed, int runs);

}  // namespace p2p::analysis
