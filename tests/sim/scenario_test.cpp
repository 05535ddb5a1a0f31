#include "sim/scenario.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <queue>

#include "sim/address.hpp"

namespace p2p::sim {
namespace {

struct GrowthRun {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  GrowthResult result;
  Counters counters;
};

GrowthRun grow(std::uint32_t n, std::uint64_t seed, const Config& cfg = Config{}) {
  Network net(cfg, NetworkOptions{seed, {}});
  GrowthScenario sc;
  sc.nodes = n;
  GrowthRun r;
  r.result = run_growth(net, sc, seed);
  r.links = net.links();
  r.counters = net.counters();
  return r;
}

TEST(Growth, SameSeedGivesIdenticalRun) {
  const GrowthRun a = grow(500, 7), b = grow(500, 7);
  EXPECT_EQ(a.links, b.links);
  EXPECT_EQ(a.result.end, b.result.end);
  EXPECT_EQ(a.counters.events, b.counters.events);
  EXPECT_EQ(a.result.flood.messages, b.result.flood.messages);
}

TEST(Growth, DifferentSeedGivesDifferentGraph) {
  EXPECT_NE(grow(500, 7).links, grow(500, 8).links);
}

TEST(Growth, EveryNewcomerSendsItsRequestsToTheEntry) {
  Config cfg;
  cfg.join_requests = 3;
  const GrowthRun r = grow(200, 2, cfg);
  EXPECT_EQ(r.counters.join_requests_sent, 3u * 199u);
  // Every request ends accepted or dropped, once.
  EXPECT_EQ(r.counters.note(NoteKind::JoinAccepted) + r.counters.note(NoteKind::JoinDroppedHops) +
                r.counters.note(NoteKind::JoinDroppedNoLink),
            3u * 199u);
  EXPECT_EQ(r.links.size(), r.counters.note(NoteKind::JoinAccepted));
}

TEST(Growth, FloodReachesTheOriginsWholeComponentAndCostsItsDegreeSum) {
  const std::uint32_t n = 800;
  Config cfg;
  Network net(cfg, NetworkOptions{11, {}});
  GrowthScenario sc;
  sc.nodes = n;
  const GrowthResult res = run_growth(net, sc, 11);
  // Breadth-first search over the final links from the flood's origin.
  std::vector<std::vector<std::uint32_t>> adj(n);
  for (auto [i, j] : net.links()) {
    adj[i].push_back(j);
    adj[j].push_back(i);
  }
  std::vector<char> seen(n, 0);
  std::queue<std::uint32_t> q;
  q.push(res.flood_origin);
  seen[res.flood_origin] = 1;
  std::uint64_t reached = 0, degree_sum = 0;
  while (!q.empty()) {
    const auto v = q.front();
    q.pop();
    ++reached;
    degree_sum += adj[v].size();
    for (auto w : adj[v])
      if (!seen[w]) {
        seen[w] = 1;
        q.push(w);
      }
  }
  EXPECT_EQ(res.flood.deliveries, reached - 1);
  // The seed floods every copy to every link, the one it came on included.
  EXPECT_EQ(res.flood.messages, degree_sum);
  EXPECT_EQ(res.flood.duplicates, degree_sum - (reached - 1));
}

TEST(Growth, MeanDegreeIsNearTwiceTheRequestsPerNewcomer) {
  const GrowthRun r = grow(2000, 5);
  const double mean_degree = 2.0 * static_cast<double>(r.links.size()) / 2000.0;
  EXPECT_GT(mean_degree, 7.5);
  EXPECT_LE(mean_degree, 8.0);
}

}  // namespace
}  // namespace p2p::sim
