#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>

#include "analysis/clustering.hpp"
#include "analysis/components.hpp"
#include "analysis/cores.hpp"
#include "analysis/cuts.hpp"
#include "analysis/degrees.hpp"
#include "analysis/paths.hpp"
#include "analysis/spectral.hpp"
#include "test_graphs.hpp"

namespace p2p::analysis {
namespace {

using testing::complete;
using testing::cycle;
using testing::grid;
using testing::path;
using testing::random_graph;
using testing::star;

TEST(Clustering, CompleteGraphIsFullyClustered) {
  const Clustering c = clustering(complete(7));
  EXPECT_EQ(c.total_triangles, 35u);  // C(7, 3)
  EXPECT_DOUBLE_EQ(c.average, 1.0);
  EXPECT_DOUBLE_EQ(c.transitivity, 1.0);
  for (double local : c.local) EXPECT_DOUBLE_EQ(local, 1.0);
}

TEST(Clustering, LowDegreeNodesCountAsZero) {
  // A triangle 0-1-2 with a pendant 3 on node 0: clustering 1/3, 1, 1, 0.
  const std::vector<Edge> e{{0, 1}, {1, 2}, {2, 0}, {0, 3}};
  const Clustering c = clustering(Graph::from_edges(4, e));
  EXPECT_DOUBLE_EQ(c.local[0], 1.0 / 3);
  EXPECT_DOUBLE_EQ(c.local[3], 0.0);
  EXPECT_DOUBLE_EQ(c.average, (1.0 / 3 + 2.0) / 4);
  EXPECT_DOUBLE_EQ(c.transitivity, 3.0 / 5);  // 1 triangle, 5 connected triples
}

TEST(Clustering, CountsEveryTriangleOnceOnRandomGraph) {
  // Brute force over all triples as the reference.
  const Graph g = random_graph(60, 400, 3);
  std::uint64_t brute = 0;
  auto adjacent = [&](NodeId a, NodeId b) {
    const auto nb = g.neighbors(a);
    return std::binary_search(nb.begin(), nb.end(), b);
  };
  for (NodeId a = 0; a < 60; ++a)
    for (NodeId b = a + 1; b < 60; ++b)
      for (NodeId c = b + 1; c < 60; ++c)
        brute += adjacent(a, b) && adjacent(b, c) && adjacent(a, c);
  EXPECT_EQ(clustering(g).total_triangles, brute);
}

TEST(Degrees, StarIsPerfectlyDisassortative) {
  const auto r = degree_assortativity(star(9));
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(*r, -1.0, 1e-12);
}

TEST(Degrees, RegularGraphHasNoAssortativity) {
  EXPECT_FALSE(degree_assortativity(cycle(10)).has_value());
  EXPECT_FALSE(degree_assortativity(Graph::from_edges(3, {})).has_value());
}

TEST(Degrees, DistributionListsPresentDegreesAscending) {
  const DegreeStats s = degree_stats(star(4));
  EXPECT_EQ(s.distribution, (std::vector<std::pair<std::size_t, std::size_t>>{{1, 4}, {4, 1}}));
  EXPECT_EQ(s.min, 1u);
  EXPECT_EQ(s.max, 4u);
  EXPECT_DOUBLE_EQ(s.mean, 8.0 / 5);
}

TEST(Components, NumberedBySmallestNodeAndLargestTieGoesToLowest) {
  // {0, 3}, {1, 2, 4}, {5}, {6, 7, 8}: two of size 3; the one holding node 1 wins.
  const std::vector<Edge> e{{3, 0}, {1, 4}, {4, 2}, {6, 7}, {7, 8}};
  const Components c = connected_components(Graph::from_edges(9, e));
  EXPECT_EQ(c.id, (std::vector<std::uint32_t>{0, 1, 1, 0, 1, 2, 3, 3, 3}));
  EXPECT_EQ(c.largest, 1u);
  EXPECT_EQ(c.members(1), (std::vector<NodeId>{1, 2, 4}));
}

TEST(Cuts, EveryTreeEdgeIsABridge) {
  const Cuts c = cuts(star(6));
  EXPECT_EQ(c.bridges.size(), 6u);
  EXPECT_EQ(c.articulation_points, 1u);
  EXPECT_EQ(c.articulation[0], 1);
}

TEST(Cuts, CycleHasNoCuts) {
  const Cuts c = cuts(cycle(12));
  EXPECT_TRUE(c.bridges.empty());
  EXPECT_EQ(c.articulation_points, 0u);
}

TEST(Cuts, TwoTrianglesJoinedByOneLink) {
  const std::vector<Edge> e{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 5}, {5, 3}};
  const Cuts c = cuts(Graph::from_edges(6, e));
  ASSERT_EQ(c.bridges.size(), 1u);
  EXPECT_EQ(c.bridges[0].source, 2u);
  EXPECT_EQ(c.bridges[0].target, 3u);
  EXPECT_EQ(c.articulation, (std::vector<std::uint8_t>{0, 0, 1, 1, 0, 0}));
}

TEST(Cuts, SearchFindsTheSameComponentsAsConnectedComponents) {
  // Sparse random graphs (many components, isolated nodes, ties in size) and one of a single
  // piece; the ids, sizes and the largest must match the breadth-first numbering exactly.
  const std::vector<Edge> ties{{3, 0}, {1, 4}, {4, 2}, {6, 7}, {7, 8}};
  const std::vector<Graph> graphs{Graph::from_edges(9, ties), random_graph(500, 200, 3),
                                  random_graph(2000, 1000, 4), random_graph(300, 1500, 5),
                                  Graph::from_edges(0, {})};
  for (const Graph& g : graphs) {
    const Components expected = connected_components(g);
    const Components found = cuts(g).components;
    EXPECT_EQ(found.id, expected.id);
    EXPECT_EQ(found.size, expected.size);
    EXPECT_EQ(found.largest, expected.largest);
  }
}

TEST(Cuts, MillionNodePathDoesNotOverflowTheStack) {
  const Cuts c = cuts(path(1'000'000));
  EXPECT_EQ(c.bridges.size(), 999'999u);
  EXPECT_EQ(c.articulation_points, 999'998u);
}

TEST(Cores, CliqueWithTailPeelsInLayers) {
  // K4 on 0..3, then a path 3-4-5: cores 3,3,3,3,1,1.
  std::vector<Edge> e{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}, {3, 4}, {4, 5}};
  EXPECT_EQ(core_numbers(Graph::from_edges(7, e)),
            (std::vector<std::uint32_t>{3, 3, 3, 3, 1, 1, 0}));
}

TEST(Paths, OddCycleHasKnownMeanAndDiameter) {
  const PathStats s = path_stats(cycle(101), 1000, 10, 1);
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.diameter, 50u);
  EXPECT_DOUBLE_EQ(s.mean_distance, 25.5);  // (k + 1) / 2 for n = 2k + 1
}

// The plain definition, one queue-based search per source: the reference for the batched searches.
struct PlainDistances {
  double mean = 0;
  std::uint32_t diameter = 0;
};
PlainDistances plain_distances(const Graph& g) {
  const std::size_t n = g.node_count();
  constexpr std::uint32_t unseen = std::numeric_limits<std::uint32_t>::max();
  std::uint64_t total = 0;
  PlainDistances d;
  for (NodeId s = 0; s < n; ++s) {
    std::vector<std::uint32_t> dist(n, unseen);
    std::deque<NodeId> queue{s};
    dist[s] = 0;
    while (!queue.empty()) {
      const NodeId v = queue.front();
      queue.pop_front();
      total += dist[v];
      d.diameter = std::max(d.diameter, dist[v]);
      for (NodeId w : g.neighbors(v)) {
        if (dist[w] == unseen) {
          dist[w] = dist[v] + 1;
          queue.push_back(w);
        }
      }
    }
  }
  d.mean = static_cast<double>(total) / (static_cast<double>(n) * static_cast<double>(n - 1));
  return d;
}

Graph largest_piece(const Graph& g) {
  const Components c = connected_components(g);
  return induced_subgraph(g, c.members(c.largest));
}

TEST(Paths, BatchedSearchesMatchOneSearchPerSourceOnEveryShape) {
  // Several batches of 64 sources and a partial last one. Shallow graphs run batched, over many
  // levels (a 15 x 15 grid, a cycle) or a few that switch to bottom-up (random, star, complete);
  // deep ones (a long path, a 23 x 23 grid: first eccentricity above 32) one search per source.
  const std::vector<std::pair<const char*, Graph>> graphs{
      {"path", path(301)},
      {"grid 23", grid(23)},
      {"grid 15", grid(15)},
      {"cycle", cycle(60)},
      {"star", star(150)},
      {"complete", complete(70)},
      {"random", largest_piece(random_graph(700, 2100, 5))}};
  for (const auto& [name, g] : graphs) {
    const PlainDistances want = plain_distances(g);
    for (unsigned threads : {1u, 3u}) {
      const PathStats got = path_stats(g, 100000, 10, 1, threads);
      EXPECT_TRUE(got.exact) << name;
      EXPECT_EQ(got.samples, g.node_count()) << name;
      EXPECT_EQ(got.diameter, want.diameter) << name << " threads " << threads;
      EXPECT_NEAR(got.mean_distance, want.mean, 1e-12 * want.mean) << name;
    }
  }
}

// g's nodes renumbered 2v, with the odd numbers between them paired off into little pieces of
// their own: the largest piece's nodes are interleaved with nodes outside it.
Graph interleaved_with_pairs(const Graph& g) {
  const auto n = static_cast<NodeId>(g.node_count());
  std::vector<Edge> e;
  for (NodeId v = 0; v < n; ++v) {
    for (NodeId w : g.neighbors(v)) {
      if (v < w) e.push_back({2 * v, 2 * w});
    }
  }
  for (NodeId v = 1; v + 2 < 2 * n; v += 4) e.push_back({v, v + 2});
  return Graph::from_edges(2 * n, e);
}

TEST(Paths, APieceSearchedInPlaceGivesWhatItsCopyGives) {
  // Shallow (random, with pieces of its own) and deep (grid: one search per source); exact and
  // sampled; byte for byte the same as the statistics of the piece's induced subgraph.
  for (const Graph& g : {interleaved_with_pairs(random_graph(3000, 4500, 9)),
                         interleaved_with_pairs(grid(40)), random_graph(2000, 2600, 4)}) {
    const Components c = connected_components(g);
    const std::vector<NodeId> piece = c.members(c.largest);
    ASSERT_LT(piece.size(), g.node_count());
    const Graph copy = induced_subgraph(g, piece);
    for (const auto& [limit, samples] : {std::pair<std::size_t, std::size_t>{100000, 10},
                                         std::pair<std::size_t, std::size_t>{100, 150}}) {
      const PathStats want = path_stats(copy, limit, samples, 3, 1);
      for (unsigned threads : {1u, 2u}) {
        const PathStats got = path_stats(g, piece, limit, samples, 3, threads);
        EXPECT_EQ(got.exact, want.exact);
        EXPECT_EQ(got.samples, want.samples);
        EXPECT_EQ(got.diameter, want.diameter);
        EXPECT_EQ(got.mean_distance, want.mean_distance);
      }
    }
  }
}

TEST(Paths, SampledResultIsTheSameForEveryThreadCount) {
  const Graph g = grid(60);
  const PathStats one = path_stats(g, 100, 300, 7, 1);
  EXPECT_FALSE(one.exact);
  EXPECT_EQ(one.samples, 300u);
  EXPECT_EQ(one.diameter, 118u);  // sweeps from the sources' farthest nodes reach the corners
  for (unsigned threads : {2u, 5u}) {
    const PathStats other = path_stats(g, 100, 300, 7, threads);
    EXPECT_EQ(other.diameter, one.diameter);
    EXPECT_EQ(other.mean_distance, one.mean_distance);
  }
  // The exact mean on a side x side grid is 2 (side + 1) / 3 = 40.67; 300 sources land close.
  EXPECT_NEAR(one.mean_distance, 2.0 * 61 / 3, 1.5);
}

TEST(Paths, SampledDiameterIsALowerBoundFoundBySweeps) {
  const PathStats s = path_stats(path(5000), 100, 8, 1);
  EXPECT_FALSE(s.exact);
  EXPECT_EQ(s.samples, 8u);
  EXPECT_EQ(s.diameter, 4999u);  // a double sweep finds a path's ends exactly
  // The exact mean is (n + 1) / 3; eight sources land within a third of it.
  EXPECT_NEAR(s.mean_distance, 5001.0 / 3, 5001.0 / 9);
}

TEST(Spectral, MatchesClosedFormsOnLargeSparseGraphs) {
  // Above the dense limit, so Lanczos (cycle, complete) and shift-invert (path) both run.
  const double pi = std::numbers::pi;
  EXPECT_NEAR(*algebraic_connectivity(path(2000)), 2 * (1 - std::cos(pi / 2000)), 1e-12);
  EXPECT_NEAR(*algebraic_connectivity(cycle(1000)), 2 * (1 - std::cos(2 * pi / 1000)), 1e-11);
  EXPECT_NEAR(*algebraic_connectivity(complete(450)), 450.0, 1e-8);
  EXPECT_NEAR(*algebraic_connectivity(star(600)), 1.0, 1e-9);
}

TEST(Spectral, LanczosMatchesTorusClosedForm) {
  // C_30 x C_20: many independent cycles, so Lanczos rather than a factorisation answers.
  // Eigenvalues of a product add: lambda_2 = 2 - 2 cos(2 pi / 30), a double eigenvalue.
  std::vector<Edge> e;
  auto id = [](NodeId x, NodeId y) { return x * 20 + y; };
  for (NodeId x = 0; x < 30; ++x) {
    for (NodeId y = 0; y < 20; ++y) {
      e.push_back({id(x, y), id((x + 1) % 30, y)});
      e.push_back({id(x, y), id(x, (y + 1) % 20)});
    }
  }
  const double want = 2 - 2 * std::cos(2 * std::numbers::pi / 30);
  EXPECT_NEAR(*algebraic_connectivity(Graph::from_edges(600, e)), want, 1e-10);
}

TEST(Spectral, SmallGraphsAreExact) {
  EXPECT_NEAR(*algebraic_connectivity(complete(2)), 2.0, 1e-12);
  EXPECT_NEAR(*algebraic_connectivity(path(3)), 1.0, 1e-12);
  EXPECT_FALSE(algebraic_connectivity(path(1)).has_value());
}

}  // namespace
}  // namespace p2p::analysis
