#include "sim/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <queue>
#include <tuple>

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

namespace p2p::sim {
namespace {

// Distinct pairs of live nodes where at least one end holds a link: the one definition of an edge.
std::uint64_t distinct_edges(const Network& net) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (std::uint32_t i : net.live())
    for (const Link& l : net.node(i).links()) {
      const std::uint32_t j = l.peer;
      if (j != i && j < net.size() && net.alive(j))
        pairs.emplace_back(std::min(i, j), std::max(i, j));
    }
  std::sort(pairs.begin(), pairs.end());
  return static_cast<std::uint64_t>(std::unique(pairs.begin(), pairs.end()) - pairs.begin());
}

// Network::links() by its definition: each link a live node holds to a live node of higher index,
// a doubled link twice, sorted.
std::vector<std::pair<std::uint32_t, std::uint32_t>> held_by_lower_end(const Network& net) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (std::uint32_t i : net.live())
    for (const Link& l : net.node(i).links())
      if (i < l.peer && l.peer < net.size() && net.alive(l.peer)) out.emplace_back(i, l.peer);
  std::sort(out.begin(), out.end());
  return out;
}

// links_held_by_higher_end_only by its definition: a live pair (i < j) that j links to and i does
// not, once, sorted.
std::vector<std::pair<std::uint32_t, std::uint32_t>> held_by_higher_end_only(const Network& net) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (std::uint32_t j : net.live())
    for (const Link& l : net.node(j).links()) {
      const std::uint32_t i = l.peer;
      if (i >= j || !net.alive(i)) continue;
      const auto links = net.node(i).links();
      if (std::none_of(links.begin(), links.end(), [&](const Link& k) { return k.peer == j; }))
        out.emplace_back(i, j);
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Network::for_each_link_pair by its definition: each live pair (lower, higher) that either end
// links to, with the lower end's links to the higher one and whether the higher end holds one.
using LinkPair = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, bool>;
std::vector<LinkPair> link_pairs_by_definition(const Network& net) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint32_t, bool>> pairs;
  for (std::uint32_t i : net.live())
    for (const Link& l : net.node(i).links()) {
      const std::uint32_t j = l.peer;
      if (j == i || j >= net.size() || !net.alive(j)) continue;
      auto& held = pairs[{std::min(i, j), std::max(i, j)}];
      if (i < j)
        ++held.first;
      else
        held.second = true;
    }
  std::vector<LinkPair> out;
  for (const auto& [pair, held] : pairs)
    out.emplace_back(pair.first, pair.second, held.first, held.second);
  return out;
}

std::vector<LinkPair> link_pairs(const Network& net) {
  std::vector<LinkPair> out;
  net.for_each_link_pair([&](std::uint32_t lo, std::uint32_t hi, std::uint32_t by_lower,
                             bool by_higher) { out.emplace_back(lo, hi, by_lower, by_higher); });
  return out;
}

// The size of each component among live nodes, by search over every link either end holds.
std::vector<std::uint64_t> component_sizes_by_search(const Network& net) {
  std::vector<std::vector<std::uint32_t>> adj(net.size());
  for (std::uint32_t i : net.live())
    for (const Link& l : net.node(i).links())
      if (l.peer != i && l.peer < net.size() && net.alive(l.peer)) {
        adj[i].push_back(l.peer);
        adj[l.peer].push_back(i);
      }
  std::vector<char> seen(net.size(), 0);
  std::vector<std::uint64_t> sizes;
  for (std::uint32_t s : net.live()) {
    if (seen[s]) continue;
    seen[s] = 1;
    std::uint64_t size = 0;
    std::vector<std::uint32_t> stack{s};
    while (!stack.empty()) {
      const std::uint32_t v = stack.back();
      stack.pop_back();
      ++size;
      for (std::uint32_t w : adj[v])
        if (!seen[w]) {
          seen[w] = 1;
          stack.push_back(w);
        }
    }
    sizes.push_back(size);
  }
  return sizes;
}

// Components among live nodes by search over every link either end holds.
std::uint64_t components_by_search(const Network& net) {
  return component_sizes_by_search(net).size();
}

TEST(Sample, EdgesAreDistinctPairsEvenMidRunAndWithDoubledLinks) {
  // The seed's rule doubles links; sampled mid-growth, some links are half-open.
  const Config config;  // the network keeps a pointer to it
  Network net(config, NetworkOptions{3, {}});
  Scenario sc = Scenario::growth(400, 10 * kMillisecond);
  sc.sample_every = 250 * kMillisecond;
  for (int t = 1; t < 40; ++t) sc.snapshots.push_back(t * 100 * kMillisecond + 3);
  std::size_t half_open_seen = 0, lower_only_seen = 0;
  ScenarioObserver obs;
  obs.snapshot = [&](Time, const Network& n) {
    const TimeSample sample = sample_topology(n);
    EXPECT_EQ(sample.edges, distinct_edges(n));
    EXPECT_EQ(sample.components, components_by_search(n));
    EXPECT_EQ(n.links(), held_by_lower_end(n));
    const auto higher = links_held_by_higher_end_only(n);
    EXPECT_EQ(higher, held_by_higher_end_only(n));
    const auto pairs = link_pairs(n);
    EXPECT_EQ(pairs, link_pairs_by_definition(n));
    for (const auto& [lo, hi, by_lower, by_higher] : pairs)
      lower_only_seen += by_lower > 0 && !by_higher ? 1 : 0;
    half_open_seen += higher.size();
  };
  const ScenarioResult r = run_scenario(net, sc, 3, obs);
  // The mid-run checks did meet half-open links, held by either end alone.
  EXPECT_GT(half_open_seen, 0u);
  EXPECT_GT(lower_only_seen, 0u);
  ASSERT_GT(r.samples.size(), 4u);
  EXPECT_EQ(r.samples.back().edges, distinct_edges(net));
  const auto held = net.links();
  const auto higher = links_held_by_higher_end_only(net);
  auto all = held;
  all.insert(all.end(), higher.begin(), higher.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), distinct_edges(net));
  EXPECT_LT(distinct_edges(net), held.size());  // some links are doubled
  EXPECT_DOUBLE_EQ(r.samples.back().mean_degree,
                   2.0 * static_cast<double>(r.samples.back().edges) / 400.0);
}

TEST(Sample, ComponentsAndTheLargestMatchASearchAfterCrashesSplitTheNetwork) {
  // Crashing the best-linked fifth leaves many parts, among them lone nodes, and the dead nodes'
  // places: the union-find's counters per part must still count each part once and in full.
  const Config config;
  Network net(config, NetworkOptions{5, {}});
  Scenario sc = Scenario::growth(600, 10 * kMillisecond);
  MassFailure f;
  f.at = 7 * kSecond;
  f.fraction = 0.2;
  f.by_degree = true;
  sc.failures.push_back(f);
  sc.sample_every = 500 * kMillisecond;
  std::size_t checked = 0, split = 0;
  ScenarioObserver obs;
  obs.keep_final_links = true;
  sc.snapshots = {3 * kSecond + 1, 7 * kSecond + 1, 9 * kSecond + 1, 12 * kSecond + 1};
  obs.snapshot = [&](Time, const Network& n) {
    const TimeSample sample = sample_topology(n);
    const std::vector<std::uint64_t> sizes = component_sizes_by_search(n);
    EXPECT_EQ(sample.components, sizes.size());
    const std::uint64_t largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
    EXPECT_DOUBLE_EQ(sample.largest_component_fraction,
                     static_cast<double>(largest) / static_cast<double>(n.live().size()));
    // The form that takes buckets already built gives the same sample.
    const TimeSample from_buckets = sample_topology(n, n.link_buckets());
    EXPECT_EQ(from_buckets.components, sample.components);
    EXPECT_EQ(from_buckets.edges, sample.edges);
    EXPECT_DOUBLE_EQ(from_buckets.largest_component_fraction, sample.largest_component_fraction);
    ++checked;
    if (sizes.size() > 1) ++split;
  };
  const ScenarioResult r = run_scenario(net, sc, 5, obs);
  EXPECT_EQ(checked, 4u);
  EXPECT_GT(split, 0u);  // the failure did split the network
  // Without an end time the last sample comes after the last event: its buckets are handed over,
  // and they are the network's as the run left it.
  ASSERT_TRUE(r.final_links.has_value());
  const Network::LinkBuckets now = net.link_buckets();
  EXPECT_EQ(r.final_links->start, now.start);
  EXPECT_EQ(r.final_links->ends, now.ends);
  EXPECT_EQ(r.samples.back().components, components_by_search(net));
  // Unasked, they are not kept.
  const Config config2;
  Network net2(config2, NetworkOptions{5, {}});
  EXPECT_FALSE(run_scenario(net2, sc, 5, ScenarioObserver{}).final_links.has_value());
}

TEST(Scenario, TheEndIsTheEndAndTheFloodIsAfter) {
  const Config config;
  Network net(config, NetworkOptions{1, {}});
  Scenario sc = Scenario::growth(500, 10 * kMillisecond);
  sc.end = 2 * kSecond;
  std::size_t live_at_end = 0;
  ScenarioObserver obs;
  obs.keep_final_links = true;
  obs.at_end = [&](const Network& n) {
    EXPECT_EQ(n.now(), 2 * kSecond);
    live_at_end = n.live().size();
  };
  const ScenarioResult r = run_scenario(net, sc, 1, obs);
  EXPECT_EQ(r.end, 2 * kSecond);
  EXPECT_EQ(r.samples.back().time, 2 * kSecond);
  EXPECT_EQ(live_at_end, 201u);  // node 0 and arrivals at 10, 20, ..., 2000 ms
  EXPECT_TRUE(r.flooded);
  EXPECT_GT(r.flood_end, r.end);
  // The last sample is of the end the user set, before the flood: its links are not the final ones.
  EXPECT_FALSE(r.final_links.has_value());
}

}  // namespace
}  // namespace p2p::sim
