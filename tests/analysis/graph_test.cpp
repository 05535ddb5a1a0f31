#include "analysis/graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace p2p::analysis {
namespace {

std::vector<NodeId> list(std::span<const NodeId> s) {
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
