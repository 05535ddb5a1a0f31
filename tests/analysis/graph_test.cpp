#include "analysis/graph.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace p2p::analysis
