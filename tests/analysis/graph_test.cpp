#include "analysis/graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

namespace p2p::analysis {
namespace {

template <typename T>
std::vector<T> list(std::span<const T> s) {
  return {s.begin(), s.end()};
}

TEST(Graph, DropsSelfLoopsAndDuplicatesInEitherDirection) {
  const std::vector<Edge> edges{{0, 1}, {1, 0}, {2, 2}, {1, 2}, {0, 1}, {3, 3}, {2, 1}};
  const Graph g = Graph::from_edges(4, edges);
  EXPECT_EQ(g.node_count(), 4u);
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_EQ(g.self_loops_dropped(), 2u);
  EXPECT_EQ(g.duplicates_dropped(), 3u);
  EXPECT_EQ(g.degree(3), 0u);
}

TEST(Graph, NeighbourListsAreSortedAndSymmetric) {
  const std::vector<Edge> edges{{4, 0}, {2, 4}, {4, 1}, {3, 4}, {0, 2}};
  const Graph g = Graph::from_edges(5, edges);
  EXPECT_EQ(list(g.neighbors(4)), (std::vector<NodeId>{0, 1, 2, 3}));
  EXPECT_EQ(list(g.neighbors(0)), (std::vector<NodeId>{2, 4}));
  EXPECT_EQ(list(g.neighbors(2)), (std::vector<NodeId>{0, 4}));
  for (NodeId v = 0; v < 5; ++v) {
    for (NodeId w : g.neighbors(v)) {
      const auto back = list(g.neighbors(w));
      EXPECT_NE(std::find(back.begin(), back.end(), v), back.end());
    }
  }
}

// Random multigraphs with self-loops, repeats in both directions, hubs and isolated nodes, against
// a reference built from an ordered set of pairs.
TEST(Graph, MatchesASetOfPairsOnRandomMultigraphs) {
  std::uint64_t state = 12345;
  auto next = [&state](std::uint64_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % bound;
  };
  for (int round = 0; round < 50; ++round) {
    const std::size_t n = 1 + next(60);
    std::vector<Edge> edges;
    const std::size_t m = next(4 * n + 1);
    for (std::size_t i = 0; i < m; ++i) {
      // Every third edge touches node 0, a hub; some repeat an earlier edge, either way round.
      NodeId a = static_cast<NodeId>(next(n)), b = static_cast<NodeId>(next(n));
      if (i % 3 == 0) a = 0;
      if (!edges.empty() && next(4) == 0) {
        const Edge& old = edges[next(edges.size())];
        a = old.target;
        b = old.source;
      }
      edges.push_back({a, b});
    }
    std::set<std::pair<NodeId, NodeId>> pairs;
    std::size_t loops = 0;
    for (const Edge& e : edges) {
      if (e.source == e.target) {
        ++loops;
        continue;
      }
      pairs.insert({std::min(e.source, e.target), std::max(e.source, e.target)});
    }
    std::vector<std::vector<NodeId>> rows(n);
    for (const auto& [a, b] : pairs) {
      rows[a].push_back(b);
      rows[b].push_back(a);
    }
    const Graph g = Graph::from_edges(n, edges);
    ASSERT_EQ(g.node_count(), n);
    EXPECT_EQ(g.edge_count(), pairs.size());
    EXPECT_EQ(g.self_loops_dropped(), loops);
    EXPECT_EQ(g.duplicates_dropped(), m - loops - pairs.size());
    for (NodeId v = 0; v < n; ++v) {
      std::sort(rows[v].begin(), rows[v].end());
      EXPECT_EQ(list(g.neighbors(v)), rows[v]) << "round " << round << ", node " << v;
    }
  }
}

// Each edge given once by its lower end builds the same graph as the edges themselves.
TEST(Graph, UpperRowsBuildTheGraphOfTheirEdges) {
  const std::vector<Edge> edges{{4, 0}, {2, 4}, {4, 1}, {3, 4}, {0, 2}, {5, 1}};
  // Rows: 0 -> {2, 4}, 1 -> {4, 5}, 2 -> {4}, 3 -> {4}, 4 -> {}, 5 -> {}.
  const std::vector<std::uint64_t> start{0, 2, 4, 5, 6, 6, 6};
  const std::vector<NodeId> uppers{2, 4, 4, 5, 4, 4};
  const Graph a = Graph::from_edges(6, edges);
  const Graph b = Graph::from_upper_rows(start, uppers, 3);
  ASSERT_EQ(b.node_count(), 6u);
  EXPECT_EQ(b.edge_count(), 6u);
  EXPECT_EQ(b.duplicates_dropped(), 3u);
  EXPECT_EQ(b.self_loops_dropped(), 0u);
  EXPECT_EQ(list(b.offsets()), list(a.offsets()));
  EXPECT_EQ(list(b.targets()), list(a.targets()));
  EXPECT_EQ(list(b.neighbors(4)), (std::vector<NodeId>{0, 1, 2, 3}));
}

TEST(Graph, UpperRowsOfAnotherFormAreRefused) {
  const std::vector<std::uint64_t> start{0, 2, 2, 2};
  // Not ascending, not above the row's node, beyond the node count, repeated.
  for (const std::vector<NodeId>& bad : {std::vector<NodeId>{2, 1}, std::vector<NodeId>{0, 2},
                                         std::vector<NodeId>{1, 3}, std::vector<NodeId>{2, 2}}) {
    EXPECT_THROW(Graph::from_upper_rows(start, bad), std::invalid_argument);
  }
  // Rows that do not end where the list does, or that run backwards.
  const std::vector<NodeId> two{1, 2};
  EXPECT_THROW(Graph::from_upper_rows(std::vector<std::uint64_t>{0, 1, 1, 1}, two),
               std::invalid_argument);
  EXPECT_THROW(Graph::from_upper_rows(std::vector<std::uint64_t>{0, 2, 1, 2}, two),
               std::invalid_argument);
  // Neighbours with no node whose row could hold them.
  EXPECT_THROW(Graph::from_upper_rows({}, two), std::invalid_argument);
  EXPECT_THROW(Graph::from_upper_rows(std::vector<std::uint64_t>{0}, two), std::invalid_argument);
  EXPECT_EQ(Graph::from_upper_rows(start, two).edge_count(), 2u);
  EXPECT_EQ(Graph::from_upper_rows({}, {}).node_count(), 0u);
}

TEST(Graph, RejectsEndpointOutsideNodeRange) {
  const std::vector<Edge> edges{{0, 5}};
  EXPECT_THROW(Graph::from_edges(5, edges), std::invalid_argument);
}

TEST(Graph, EmptyGraphHasNoNodes) {
  const Graph g = Graph::from_edges(0, {});
  EXPECT_EQ(g.node_count(), 0u);
  EXPECT_EQ(g.edge_count(), 0u);
}

TEST(Graph, InducedSubgraphRenumbersInGivenOrder) {
  const std::vector<Edge> edges{{0, 1}, {1, 2}, {2, 3}, {3, 0}};
  const Graph g = Graph::from_edges(4, edges);
  const std::vector<NodeId> keep{3, 2, 1};
  const Graph h = induced_subgraph(g, keep);
  EXPECT_EQ(h.node_count(), 3u);
  EXPECT_EQ(h.edge_count(), 2u);  // 3-2 and 2-1 survive
  EXPECT_EQ(list(h.neighbors(1)), (std::vector<NodeId>{0, 2}));
}

// Ascending nodes take a direct row copy; it must give the graph built from the kept edges.
TEST(Graph, InducedSubgraphOfAscendingNodesEqualsTheOneBuiltFromItsEdges) {
  std::vector<Edge> edges;
  std::uint64_t x = 12345;
  auto next = [&x] {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<NodeId>((x >> 33) % 500);
  };
  for (int i = 0; i < 1500; ++i) edges.push_back({next(), next()});
  const Graph g = Graph::from_edges(500, edges);
  std::vector<NodeId> keep;
  for (NodeId v = 0; v < 500; ++v) {
    if (v % 3 != 1) keep.push_back(v);
  }
  std::vector<NodeId> index(500, 500);
  for (std::size_t i = 0; i < keep.size(); ++i) index[keep[i]] = static_cast<NodeId>(i);
  std::vector<Edge> kept;
  for (const Edge& e : edges) {
    if (index[e.source] != 500 && index[e.target] != 500) {
      kept.push_back({index[e.source], index[e.target]});
    }
  }
  const Graph expected = Graph::from_edges(keep.size(), kept);
  const Graph h = induced_subgraph(g, keep);
  ASSERT_EQ(h.node_count(), expected.node_count());
  EXPECT_EQ(h.edge_count(), expected.edge_count());
  EXPECT_GT(h.edge_count(), 500u);
  for (NodeId v = 0; v < h.node_count(); ++v) {
    EXPECT_EQ(list(h.neighbors(v)), list(expected.neighbors(v))) << "node " << v;
  }
}

}  // namespace
}  // namespace p2p::analysis
