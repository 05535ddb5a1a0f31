// The join rules in whole simulated networks: the invariants every fixed rule keeps, and the
// post's arguments about each rule, as numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "protocol/join_rule.hpp"
#include "sim/address.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"

namespace p2p {
namespace {

Config with_rule(const char* spec, int min_connections = 0) {
  Config cfg;
  cfg.rule = parse_join_rule(spec, cfg.max_hops);
  cfg.min_connections = min_connections;
  return cfg;
}

struct Grown {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  std::vector<std::size_t> degree;
  sim::Counters counters;
  sim::TimeSample last;
};

Grown grow(const Config& cfg, std::uint32_t n, std::uint64_t seed, double crash = 0) {
  sim::Network net(cfg, sim::NetworkOptions{seed, {}});
  sim::Scenario sc = sim::Scenario::growth(n, 10 * kMillisecond);
  sc.final_flood = false;
  if (crash > 0) {
    sim::MassFailure f;
    f.at = n * 10 * kMillisecond + 30 * kSecond;
    f.fraction = crash;
    sc.failures.push_back(f);
    sc.end = f.at + 60 * kSecond;
  }
  const sim::ScenarioResult res = sim::run_scenario(net, sc, seed);
  Grown g;
  g.links = net.links();
  g.degree.assign(n, 0);
  for (auto [i, j] : g.links) ++g.degree[i], ++g.degree[j];
  g.counters = net.counters();
  g.last = res.samples.back();
  // Every link is held at both ends: i lists j exactly as often as j lists i.
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> ends;
  for (std::uint32_t i = 0; i < net.size(); ++i) {
    if (!net.alive(i)) continue;
    for (const Link& l : net.node(i).links()) {
      const std::uint32_t j = l.peer;
      if (j < net.size() && net.alive(j)) ++ends[{i, j}];
    }
  }
  for (const auto& [e, count] : ends) {
    const auto back = ends.find({e.second, e.first});
    EXPECT_TRUE(back != ends.end() && back->second == count) << e.first << "-" << e.second;
  }
  return g;
}

std::size_t duplicates(const Grown& g) {
  std::size_t d = 0;
  for (std::size_t i = 1; i < g.links.size(); ++i) d += g.links[i] == g.links[i - 1] ? 1 : 0;
  return d;
}

TEST(RuleNetwork, SeedGrowsDuplicateLinks) {
  EXPECT_GT(duplicates(grow(Config{}, 400, 1)), 0u);
}

TEST(RuleNetwork, EveryFixedRuleGrowsOneComponentWithoutDuplicatesOrSelfLinks) {
  for (const char* rule :
       {"inverse_degree", "fixed:p=0.5", "random_walk", "degree_capped", "mh_walk", "hyparview"}) {
    const Grown g = grow(with_rule(rule, 2), 400, 3);
    EXPECT_EQ(duplicates(g), 0u) << rule;
    for (auto [i, j] : g.links) EXPECT_NE(i, j) << rule;
    EXPECT_EQ(g.last.components, 1u) << rule;
  }
}

TEST(RuleNetwork, FixedProbabilityPilesOntoTheEntryAndAWarmupWalkSpreadsIt) {
  const Grown piled = grow(with_rule("fixed:p=0.5"), 600, 2);
  const Grown spread = grow(with_rule("fixed:p=0.5,warmup=6"), 600, 2);
  const double share = double(piled.degree[0]) / double(piled.links.size());
  const double spread_share = double(spread.degree[0]) / double(spread.links.size());
  // Half the requests are taken by the entry at their first hop: its share of links nears 1/2.
  EXPECT_GT(share, 0.2);
  EXPECT_LT(spread_share, share / 4);
}

TEST(RuleNetwork, MetropolisWalkRemovesTheRandomWalksPullTowardsHubs) {
  std::size_t rw = 0, mh = 0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Grown a = grow(with_rule("random_walk:length=10"), 600, seed);
    const Grown b = grow(with_rule("mh_walk:length=10"), 600, seed);
    rw += *std::max_element(a.degree.begin(), a.degree.end());
    mh += *std::max_element(b.degree.begin(), b.degree.end());
  }
  EXPECT_LT(mh * 2, rw);
}

TEST(RuleNetwork, DegreeCapHoldsAndRequestsDieOnceEveryoneIsFull) {
  const Grown g = grow(with_rule("degree_capped:d=6"), 400, 4);
  EXPECT_LE(*std::max_element(g.degree.begin(), g.degree.end()), 6u);
  EXPECT_GT(g.counters.note(NoteKind::JoinDroppedHops), 100u)
      << "the post's deadlock: full nodes pass requests on until the hop limit";
}

TEST(RuleNetwork, MinimumConnectionsAreRestoredAfterACrash) {
  const Grown without = grow(with_rule("inverse_degree"), 500, 5, 0.5);
  const Grown with = grow(with_rule("inverse_degree", 3), 500, 5, 0.5);
  auto low = [](const Grown& g) {
    std::size_t n = 0;
    for (std::size_t d : g.degree) n += (d > 0 && d < 3) ? 1 : 0;
    return n;
  };
  EXPECT_LT(low(with) * 3, low(without));
  EXPECT_GT(with.counters.join_requests_passed, without.counters.join_requests_passed);
}

TEST(RuleNetwork, HyParViewStaysConnectedWhenMostNodesCrash) {
  const Grown hv = grow(with_rule("hyparview"), 500, 6, 0.7);
  const Grown seed = grow(Config{}, 500, 6, 0.7);
  EXPECT_EQ(hv.last.largest_component_fraction, 1.0);
  EXPECT_LT(seed.last.largest_component_fraction, hv.last.largest_component_fraction);
}

TEST(RuleNetwork, SameSeedGivesTheSameOverlayWithTimersAndRetries) {
  for (const char* rule : {"hyparview", "mh_walk", "degree_capped:d=4"}) {
    const Config cfg = with_rule(rule, 3);
    EXPECT_EQ(grow(cfg, 300, 9, 0.3).links, grow(cfg, 300, 9, 0.3).links) << rule;
  }
}

}  // namespace
}  // namespace p2p
