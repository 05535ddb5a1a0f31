// Each scenario phase does what it says, on small networks, and runs are reproducible.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sim/address.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {
namespace {

// A grown network of `n` nodes, drained, with no final flood.
void grow(Network& net, std::uint32_t n, std::uint64_t seed) {
  Scenario sc = Scenario::growth(n, 10 * kMillisecond);
  sc.final_flood = false;
  run_scenario(net, sc, seed);
}

bool holds_link_to(const Network& net, std::uint32_t from, std::uint32_t to) {
  for (const Link& l : net.node(from).links())
    if (l.peer == to) return true;
  return false;
}

TEST(Crash, NeighboursLearnOnlyAfterTheDetectionDelay) {
  Config cfg;
  Network net(cfg, NetworkOptions{4, {}});
  grow(net, 200, 4);
  const std::uint32_t victim = 0;  // the entry has the most links
  std::vector<std::uint32_t> neighbours;
  for (const Link& l : net.node(victim).links()) neighbours.push_back(l.peer);
  ASSERT_GT(neighbours.size(), 3u);
  const Time t0 = net.now();
  const Time delay = 3 * kSecond;
  net.crash(victim, delay);
  EXPECT_FALSE(net.alive(victim));
  net.run_until(t0 + delay - 1);
  for (std::uint32_t n : neighbours) EXPECT_TRUE(holds_link_to(net, n, victim)) << n;
  net.run_until(t0 + delay);
  for (std::uint32_t n : neighbours) EXPECT_FALSE(holds_link_to(net, n, victim)) << n;
  EXPECT_EQ(net.counters().crashes, 1u);
}

TEST(Crash, PacketsToACrashedNodeAreDropped) {
  Config cfg;
  Network net(cfg, NetworkOptions{5, {}});
  grow(net, 100, 5);
  net.crash(0, kSecond);
  const auto before = net.counters().events_to_departed;
  net.schedule_say(net.now(), 0, "lost");  // said by the dead node: never handled
  net.drain();
  EXPECT_EQ(net.counters().events_to_departed, before + 1);
  EXPECT_TRUE(net.floods().empty());
}

TEST(Partition, CutLinksCarryNothingUntilHealed) {
  Config cfg;
  Network net(cfg, NetworkOptions{6, {}});
  grow(net, 400, 6);
  net.partition(0.5, 1);
  // Some links must cross the cut for the test to mean anything.
  std::size_t crossing = 0;
  for (auto [i, j] : net.links()) crossing += net.side_a(i) != net.side_a(j);
  ASSERT_GT(crossing, 10u);
  std::uint32_t origin = 0;
  while (!net.side_a(origin)) ++origin;
  net.schedule_say(net.now(), origin, "during");
  net.drain();
  const FloodStats during = net.floods().back();
  EXPECT_GT(net.counters().packets_cut, 0u);
  std::size_t side_a = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i) side_a += net.side_a(i);
  EXPECT_LE(during.deliveries, side_a - 1);  // nobody on the other side got it
  EXPECT_LT(during.deliveries, during.reachable);

  net.heal();
  const auto cut = net.counters().packets_cut;
  net.schedule_say(net.now(), origin, "after");
  net.drain();
  const FloodStats after = net.floods().back();
  EXPECT_EQ(net.counters().packets_cut, cut);
  EXPECT_EQ(after.deliveries, after.reachable);  // the grown graph is connected
}

TEST(MassFailure, HighestDegreeFirstRemovesTheHubs) {
  Config cfg;
  Network ref(cfg, NetworkOptions{7, {}});
  grow(ref, 300, 7);
  std::vector<std::pair<std::size_t, std::uint32_t>> by_degree;
  for (std::uint32_t i = 0; i < ref.size(); ++i) by_degree.emplace_back(ref.node(i).degree(), i);
  std::sort(by_degree.begin(), by_degree.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::set<std::uint32_t> hubs;
  for (std::size_t k = 0; k < 30; ++k) hubs.insert(by_degree[k].second);

  Network net(cfg, NetworkOptions{7, {}});
  Scenario sc = Scenario::growth(300, 10 * kMillisecond);
  sc.final_flood = false;
  MassFailure f;
  f.at = 100 * kSecond;  // after the growth has drained
  f.fraction = 0.1;
  f.by_degree = true;
  sc.failures.push_back(f);
  run_scenario(net, sc, 7);
  std::set<std::uint32_t> gone;
  for (std::uint32_t i = 0; i < net.size(); ++i)
    if (!net.alive(i)) gone.insert(i);
  EXPECT_EQ(gone, hubs);
  EXPECT_EQ(net.counters().crashes, 30u);
}

TEST(MassFailure, RandomOrderRemovesTheFraction) {
  Config cfg;
  Network net(cfg, NetworkOptions{8, {}});
  Scenario sc = Scenario::growth(500, 10 * kMillisecond);
  MassFailure f;
  f.at = 100 * kSecond;
  f.fraction = 0.4;
  f.crash = false;  // graceful
  sc.failures.push_back(f);
  run_scenario(net, sc, 8);
  EXPECT_EQ(net.live().size(), 300u);
  EXPECT_EQ(net.counters().departures, 200u);
  // Graceful leaves close both ends: no live node keeps a link to a departed one.
  for (std::uint32_t i : net.live())
    for (const Link& l : net.node(i).links()) EXPECT_TRUE(net.alive(l.peer));
}

TEST(Arrivals, PoissonProcessHasTheRequestedRate) {
  Config cfg;
  Network net(cfg, NetworkOptions{9, {}});
  Scenario sc;
  ArrivalPhase a;
  a.count = 2000;
  a.rate = 50;  // per second: a mean gap of 20 ms
  a.random_entry = true;
  sc.arrivals.push_back(a);
  sc.final_flood = false;
  sc.sample_every = 10 * kSecond;
  const ScenarioResult r = run_scenario(net, sc, 9);
  EXPECT_EQ(net.size(), 2001u);
  // The last arrival comes near count / rate = 40 s.
  ASSERT_GE(r.samples.size(), 4u);
  EXPECT_GT(r.samples[4].live_nodes, 1800u);  // t = 40 s
  EXPECT_LT(r.samples[3].live_nodes, 1800u);  // t = 30 s
  EXPECT_EQ(r.samples.back().live_nodes, 2001u);
}

TEST(Churn, ReplacedDeparturesKeepTheSizeSteady) {
  Config cfg;
  Network net(cfg, NetworkOptions{10, {}});
  Scenario sc = Scenario::growth(300, 10 * kMillisecond);
  ChurnPhase c;
  c.at = 10 * kSecond;
  c.until = 60 * kSecond;
  c.sessions.length = {Distribution::Kind::Exponential, 30, 0};
  c.sessions.crash_fraction = 0.5;
  c.sessions.detection = 2 * kSecond;
  sc.churn.push_back(c);
  sc.sample_every = 5 * kSecond;
  const ScenarioResult r = run_scenario(net, sc, 10);
  const auto& ctr = net.counters();
  EXPECT_GT(ctr.departures, 50u);
  EXPECT_GT(ctr.crashes, 50u);
  EXPECT_EQ(net.live().size(), 300u);
  EXPECT_EQ(net.size(), 300u + ctr.departures + ctr.crashes);
  for (const TimeSample& s : r.samples)
    if (s.time >= 10 * kSecond) {
      EXPECT_EQ(s.live_nodes, 300u) << s.time;
    }
}

TEST(Broadcasts, EachIsFollowedToItsLastCopy) {
  Config cfg;
  Network net(cfg, NetworkOptions{11, {}});
  Scenario sc = Scenario::growth(300, 10 * kMillisecond);
  BroadcastPhase b;
  b.at = 10 * kSecond;
  b.until = 20 * kSecond;
  b.rate = 2;
  b.poisson = false;
  sc.broadcasts.push_back(b);
  run_scenario(net, sc, 11);
  // 21 broadcasts (10 s to 20 s every half second) and the final flood.
  ASSERT_EQ(net.floods().size(), 22u);
  for (const FloodStats& f : net.floods()) {
    EXPECT_TRUE(f.finished);
    EXPECT_LE(f.deliveries, f.reachable);
    EXPECT_GT(f.deliveries, 0u);
    EXPECT_LE(f.p50, f.p90);
    EXPECT_LE(f.p90, f.p99);
    EXPECT_LE(f.p99, f.max);
    EXPECT_GE(f.max, 10 * kMillisecond);  // at least one link's latency
    EXPECT_GE(f.max_hops, 1u);
    // Nothing is lost and nobody leaves: every copy sent arrives, new or duplicate.
    EXPECT_EQ(f.messages, f.deliveries + f.duplicates);
  }
}

TEST(Loss, EveryPacketLostMeansNoLinks) {
  Config cfg;
  NetworkOptions o{12, {}};
  o.loss = 1.0;
  Network net(cfg, o);
  grow(net, 50, 12);
  EXPECT_TRUE(net.links().empty());
  EXPECT_EQ(net.counters().packets_lost, 49u * cfg.join_requests);
}

TEST(Loss, AFractionOfPacketsIsLost) {
  Config cfg;
  NetworkOptions o{13, {}};
  o.loss = 0.2;
  Network net(cfg, o);
  Scenario sc = Scenario::growth(500, 10 * kMillisecond);
  run_scenario(net, sc, 13);
  const auto& c = net.counters();
  const double sent = static_cast<double>(c.events + c.events_to_departed + c.packets_lost);
  const double lost = static_cast<double>(c.packets_lost) / sent;
  EXPECT_GT(lost, 0.1);
  EXPECT_LT(lost, 0.25);
}

TEST(Latency, LogNormalStaysWithinItsClampAndIsPerPair) {
  LatencyModel m;
  m.kind = LatencyKind::LogNormal;
  m.mu = 3;
  m.sigma = 1;
  m.min = 5 * kMillisecond;
  m.max = 200 * kMillisecond;
  m.seed = 3;
  double log_sum = 0;
  int n = 0;
  for (std::uint32_t a = 0; a < 100; ++a)
    for (std::uint32_t b = a + 1; b < 100; ++b) {
      const Time t = m.between(a, b);
      EXPECT_EQ(t, m.between(b, a));
      EXPECT_GE(t, m.min);
      EXPECT_LE(t, m.max);
      log_sum += std::log(static_cast<double>(t) / kMillisecond);
      ++n;
    }
  EXPECT_NEAR(log_sum / n, 3.0, 0.1);  // the clamp barely moves the median
}

TEST(Latency, MatrixAddsTheSitesLatency) {
  auto sites = std::make_shared<SiteMatrix>();
  sites->count = 2;
  sites->latency = {1 * kMillisecond, 100 * kMillisecond, 100 * kMillisecond, 2 * kMillisecond};
  LatencyModel m;
  m.kind = LatencyKind::Matrix;
  m.sites = sites;
  m.min = 0;
  m.max = 0;
  m.seed = 1;
  int far = 0;
  for (std::uint32_t a = 0; a < 50; ++a)
    for (std::uint32_t b = 0; b < 50; ++b) {
      const Time t = m.between(a, b);
      EXPECT_EQ(t, sites->between(m.site_of(a), m.site_of(b)));
      far += t == 100 * kMillisecond;
    }
  EXPECT_GT(far, 500);  // both sites are used
}

struct RunBytes {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  std::vector<Time> sample_times;
  std::vector<std::uint64_t> sample_edges;
  std::vector<std::uint64_t> flood_deliveries;
  std::vector<Time> flood_p99;
  Counters counters;
  Time end = 0;
};

RunBytes rich_run(std::uint64_t seed) {
  Config cfg;
  NetworkOptions o{seed, {}};
  o.loss = 0.01;
  o.latency.kind = LatencyKind::LogNormal;
  Network net(cfg, o);
  Scenario sc;
  ArrivalPhase a;
  a.count = 400;
  a.rate = 40;
  a.random_entry = true;
  a.has_sessions = true;
  a.sessions.length = {Distribution::Kind::Weibull, 60, 0.7};
  a.sessions.crash_fraction = 0.3;
  sc.arrivals.push_back(a);
  ChurnPhase c;
  c.at = 5 * kSecond;
  c.until = 20 * kSecond;
  c.sessions.length = {Distribution::Kind::Pareto, 10, 1.5};
  sc.churn.push_back(c);
  sc.partitions.push_back({8 * kSecond, 12 * kSecond, 0.3});
  sc.failures.push_back({15 * kSecond, 0.1, true, true, kSecond});
  sc.broadcasts.push_back({2 * kSecond, 25 * kSecond, 1.0, true, "hi"});
  sc.sample_every = kSecond;
  const ScenarioResult r = run_scenario(net, sc, seed);
  RunBytes b;
  b.links = net.links();
  for (const auto& s : r.samples) {
    b.sample_times.push_back(s.time);
    b.sample_edges.push_back(s.edges);
  }
  for (const auto& f : net.floods()) {
    b.flood_deliveries.push_back(f.deliveries);
    b.flood_p99.push_back(f.p99);
  }
  b.counters = net.counters();
  b.end = r.end;
  return b;
}

TEST(Determinism, SameSeedGivesTheSameRunWhateverTheFaults) {
  const RunBytes a = rich_run(21), b = rich_run(21), c = rich_run(22);
  EXPECT_EQ(a.links, b.links);
  EXPECT_EQ(a.sample_times, b.sample_times);
  EXPECT_EQ(a.sample_edges, b.sample_edges);
  EXPECT_EQ(a.flood_deliveries, b.flood_deliveries);
  EXPECT_EQ(a.flood_p99, b.flood_p99);
  EXPECT_EQ(a.counters.events, b.counters.events);
  EXPECT_EQ(a.counters.crashes, b.counters.crashes);
  EXPECT_EQ(a.counters.packets_lost, b.counters.packets_lost);
  EXPECT_EQ(a.end, b.end);
  EXPECT_GT(a.counters.crashes, 0u);
  EXPECT_GT(a.counters.packets_cut, 0u);
  EXPECT_NE(a.links, c.links);
}

// Our samplers against their analytical mean and variance, under a fixed seed.
void expect_moments(const Distribution& d, int n, double tolerance) {
  Rng rng(12345);
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = d.sample(rng);
    sum += x;
    sq += x * x;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, d.mean(), tolerance * d.mean());
  EXPECT_NEAR(var, d.variance(), 3 * tolerance * d.variance());
}

TEST(Distribution, ExponentialMatchesItsMoments) {
  expect_moments({Distribution::Kind::Exponential, 30, 0}, 400000, 0.01);
}
TEST(Distribution, ParetoMatchesItsMoments) {
  expect_moments({Distribution::Kind::Pareto, 10, 4.5}, 400000, 0.01);
}
TEST(Distribution, LogNormalMatchesItsMoments) {
  expect_moments({Distribution::Kind::LogNormal, 1, 0.5}, 400000, 0.01);
}
TEST(Distribution, WeibullMatchesItsMoments) {
  expect_moments({Distribution::Kind::Weibull, 20, 1.5}, 400000, 0.01);
}
TEST(Distribution, FixedIsConstant) {
  Rng rng(1);
  const Distribution d{Distribution::Kind::Fixed, 7, 0};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.sample(rng), 7);
  EXPECT_EQ(d.variance(), 0);
}

}  // namespace
}  // namespace p2p::sim
