#include "analysis/resilience.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "test_graphs.hpp"

namespace p2p::analysis {
namespace {

using testing::random_graph;
using testing::star;

// The direct method Newman-Ziff replaces: remove the first k nodes, search what is left.
std::uint32_t largest_after_direct_removal(const Graph& g, const std::vector<NodeId>& order,
                                           std::size_t k) {
  std::vector<std::uint8_t> gone(g.node_count(), 0);
  for (std::size_t i = 0; i < k; ++i) gone[order[i]] = 1;
  std::vector<std::uint8_t> seen(g.node_count(), 0);
  std::uint32_t best = 0;
  for (NodeId root = 0; root < g.node_count(); ++root) {
    if (gone[root] || seen[root]) continue;
    std::vector<NodeId> queue{root};
    seen[root] = 1;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      for (NodeId w : g.neighbors(queue[head])) {
        if (!gone[w] && !seen[w]) {
          seen[w] = 1;
          queue.push_back(w);
        }
      }
    }
    best = std::max(best, static_cast<std::uint32_t>(queue.size()));
  }
  return best;
}

TEST(Resilience, NewmanZiffEqualsDirectRecomputationAtEveryStep) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Graph g = random_graph(150, 120 + 60 * seed, seed);  // around the percolation threshold
    for (const auto& order : {random_removal_order(g, seed, 0), random_removal_order(g, seed, 1),
                              degree_removal_order(g)}) {
      const auto curve = largest_component_by_removal(g, order);
      ASSERT_EQ(curve.size(), g.node_count() + 1);
      for (std::size_t k = 0; k <= g.node_count(); ++k) {
        ASSERT_EQ(curve[k], largest_after_direct_removal(g, order, k))
            << "seed " << seed << " k " << k;
      }
    }
  }
}

TEST(Resilience, DegreeOrderTakesHubsFirstAndBreaksTiesByLowerId) {
  const std::vector<Edge> e{{0, 1}, {2, 3}, {2, 4}, {5, 3}};
  const auto order = degree_removal_order(Graph::from_edges(6, e));
  EXPECT_EQ(order, (std::vector<NodeId>{2, 3, 0, 1, 4, 5}));
}

TEST(Resilience, DegreeOrderIsTheStableSortByDescendingDegree) {
  // Many ties, isolated nodes (degree 0) and two hubs; then a random graph. Against a comparison
  // sort that keeps equal degrees in id order.
  std::vector<Edge> e;
  for (NodeId v = 1; v < 400; v += 3) e.push_back({0, v});
  for (NodeId v = 2; v < 400; v += 7) e.push_back({5, v});
  for (const Graph& g : {Graph::from_edges(1000, e), random_graph(3000, 9000, 2)}) {
    std::vector<NodeId> expected(g.node_count());
    std::iota(expected.begin(), expected.end(), NodeId{0});
    std::stable_sort(expected.begin(), expected.end(),
                     [&](NodeId a, NodeId b) { return g.degree(a) > g.degree(b); });
    EXPECT_EQ(degree_removal_order(g), expected);
  }
}

TEST(Resilience, RandomOrdersArePermutationsThatDependOnSeedAndStream) {
  const Graph g = random_graph(100, 200, 1);
  auto a = random_removal_order(g, 7, 0);
  EXPECT_EQ(a, random_removal_order(g, 7, 0));
  EXPECT_NE(a, random_removal_order(g, 7, 1));
  EXPECT_NE(a, random_removal_order(g, 8, 0));
  std::sort(a.begin(), a.end());
  for (NodeId v = 0; v < 100; ++v) EXPECT_EQ(a[v], v);
}

TEST(Resilience, StarFallsApartWhenItsHubGoes) {
  const auto curves = resilience_curves(star(99), 1, 5);
  ASSERT_EQ(curves.size(), 2u);
  const ResilienceCurve& degree = curves[1];
  EXPECT_EQ(degree.strategy, "degree");
  ASSERT_EQ(degree.points.size(), 101u);
  EXPECT_DOUBLE_EQ(degree.points[0].mean, 1.0);
  EXPECT_DOUBLE_EQ(degree.points[1].mean, 0.01);  // one node removed: the hub
  EXPECT_DOUBLE_EQ(*degree.half_fraction, 0.01);
  const ResilienceCurve& random = curves[0];
  EXPECT_EQ(random.runs, 5);
  EXPECT_DOUBLE_EQ(random.points[100].mean, 0.0);
  for (std::size_t i = 1; i < random.points.size(); ++i) {
    EXPECT_LE(random.points[i].mean, random.points[i - 1].mean);
    EXPECT_GE(random.points[i].stddev, 0.0);
  }
}

}  // namespace
}  // namespace p2p::analysis
