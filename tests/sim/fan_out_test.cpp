// Fan-out entries (a flood's copies waiting as one entry per sender) change nothing a run shows:
// the same run with them and without gives the same events in the same order at the same times.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/random.hpp"
#include "sim/network.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_file.hpp"

namespace p2p::sim {
namespace {

// Folds every note (one or more for each packet a node handles), delivery and send, with the
// virtual time it happened at, into one hash; counts the pending events seen at each sample.
struct Trace : Observer {
  std::uint64_t hash = 0;
  std::uint64_t items = 0;
  std::vector<std::uint64_t> pending;
  void fold(std::uint64_t a, std::uint64_t b, std::uint64_t c, const Network& net) {
    hash = mix64(hash ^ mix64(a ^ mix64(b ^ mix64(c ^ static_cast<std::uint64_t>(net.now())))));
    ++items;
  }
  void on_send(const Network& net, std::uint32_t from, std::uint32_t to, const Packet& p) override {
    fold(from, std::uint64_t{to} << 8 | static_cast<std::uint64_t>(p.type), p.id, net);
  }
  void on_deliver(const Network& net, std::uint32_t node, const Deliver& d) override {
    fold(node, 0xDE11, d.id, net);
  }
  void on_note(const Network& net, std::uint32_t node, const Note& n) override {
    fold(node, 0x4E00 | static_cast<std::uint64_t>(n.kind), n.id, net);
  }
  void on_sample(const Network& net, const TimeSample& s) override {
    (void)net;
    pending.push_back(s.pending_events);
  }
};

struct Outcome {
  Trace trace;
  Counters counters;
  std::vector<FloodStats> floods;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  std::size_t peak_pending = 0;
  std::uint64_t fanned = 0;
};

// Arrivals with sessions that end in leaving or crashing, churn, a mass failure, a partition,
// loss and broadcasts throughout: links change while copies wait, and senders crash and leave.
constexpr const char* kBusy = R"(
end_s = 40
sample_every_s = 2
final_flood = true
[latency]
model = "uniform"
min_ms = 10
max_ms = 50
loss = 0.01
[[arrivals]]
at_s = 0.01
count = 600
interval_ms = 10
session = { distribution = "exponential", mean_s = 20 }
crash_fraction = 0.3
detection_delay_s = 1
[[churn]]
at_s = 10
until_s = 25
session = { distribution = "pareto", scale_s = 5, shape = 1.5 }
crash_fraction = 0.5
detection_delay_s = 1
replace = true
[[mass_failure]]
at_s = 27
fraction = 0.2
order = "degree"
departure = "crash"
detection_delay_s = 1
[[partition]]
at_s = 29
until_s = 33
fraction = 0.5
[[broadcasts]]
at_s = 6
until_s = 38
rate_per_s = 20
process = "poisson"
)";

// `observed`: with the trace as an observer, which also sends a flood's copies one by one.
Outcome run(const std::string& rule, bool fan_outs, std::uint64_t seed, bool observed = true) {
  const ScenarioFile file = parse_scenario(kBusy, "busy.toml");
  Config cfg;
  cfg.rule = parse_join_rule(rule, cfg.max_hops);
  NetworkOptions options;
  options.seed = seed;
  options.latency = *file.latency;
  options.loss = *file.loss;
  options.fan_outs = fan_outs;
  options.fan_outs_from = 0;  // from the first copy: this run never has many pending
  Network net(cfg, options);
  Outcome out;
  if (observed) net.add_observer(out.trace);
  run_scenario(net, file.scenario, seed);
  out.counters = net.counters();
  out.floods = net.floods();
  out.links = net.links();
  out.peak_pending = net.peak_pending();
  out.fanned = net.fanned_copies();
  return out;
}

// What two runs show: counters, the final links and every flood's figures.
void expect_same_figures(const Outcome& x, const Outcome& y) {
  EXPECT_EQ(x.peak_pending, y.peak_pending);
  EXPECT_EQ(x.counters.events, y.counters.events);
  EXPECT_EQ(x.counters.messages_sent, y.counters.messages_sent);
  EXPECT_EQ(x.counters.packets_lost, y.counters.packets_lost);
  EXPECT_EQ(x.counters.packets_cut, y.counters.packets_cut);
  EXPECT_EQ(x.counters.events_to_departed, y.counters.events_to_departed);
  EXPECT_EQ(x.counters.notes, y.counters.notes);
  EXPECT_EQ(x.links, y.links);
  ASSERT_EQ(x.floods.size(), y.floods.size());
  EXPECT_GT(x.floods.size(), 100u);
  for (std::size_t i = 0; i < x.floods.size(); ++i) {
    const FloodStats& a = x.floods[i];
    const FloodStats& b = y.floods[i];
    EXPECT_EQ(a.deliveries, b.deliveries) << i;
    EXPECT_EQ(a.messages, b.messages) << i;
    EXPECT_EQ(a.duplicates, b.duplicates) << i;
    EXPECT_EQ(a.max_hops, b.max_hops) << i;
    EXPECT_EQ(a.p50, b.p50) << i;
    EXPECT_EQ(a.p99, b.p99) << i;
    EXPECT_EQ(a.max, b.max) << i;
  }
}

class FanOut : public ::testing::TestWithParam<const char*> {};

TEST_P(FanOut, ChangesNothingARunShows) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  for (std::uint64_t seed : {3u, 4u}) {
    const Outcome with = run(GetParam(), true, seed);
    const Outcome without = run(GetParam(), false, seed);
    // The entries were used, and the run was long enough to mean something.
    EXPECT_GT(with.fanned, 1000u);
    EXPECT_EQ(without.fanned, 0u);
    EXPECT_GT(with.trace.items, 10000u);
    EXPECT_EQ(with.trace.items, without.trace.items);
    EXPECT_EQ(with.trace.hash, without.trace.hash);
    EXPECT_EQ(with.trace.pending, without.trace.pending);
    expect_same_figures(with, without);
  }
}

// Unobserved, the simulator sends a flood's copies together (Acts::send_to_links), working out
// once what they share; observed, each goes through send() on its own, as before. Every figure
// a run shows is the same either way, with and without fan-out entries, under churn, loss and a
// partition.
TEST_P(FanOut, CopiesSentTogetherAsOneByOne) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  for (const bool fan_outs : {true, false}) {
    const Outcome together = run(GetParam(), fan_outs, 5, false);
    const Outcome alone = run(GetParam(), fan_outs, 5, true);
    EXPECT_EQ(together.trace.items, 0u);  // nothing observed it
    EXPECT_GT(together.counters.messages_sent, 10000u);
    EXPECT_EQ(together.fanned, alone.fanned);
    expect_same_figures(together, alone);
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, FanOut, ::testing::Values("seed", "hyparview", "random_walk"));

// Copies are held back only once `fan_outs_from` events are pending: a small run's flood waits
// as plain events, a large wave partly as entries, with the same results.
TEST(FanOutThreshold, EntriesOnlyAboveThePendingCount) {
  auto flood = [](std::size_t from, std::uint64_t& fanned, std::size_t& peak) {
    Config cfg;
    NetworkOptions options;
    options.seed = 6;
    options.fan_outs_from = from;
    Network net(cfg, options);
    GrowthScenario sc;
    sc.nodes = 3000;
    const GrowthResult r = run_growth(net, sc, 6);
    fanned = net.fanned_copies();
    peak = net.peak_pending();
    return r.flood;
  };
  std::uint64_t fanned_default = 0, fanned_some = 0, fanned_all = 0;
  std::size_t peak_default = 0, peak_some = 0, peak_all = 0;
  const FloodStats plain = flood(NetworkOptions{}.fan_outs_from, fanned_default, peak_default);
  const FloodStats some = flood(5000, fanned_some, peak_some);
  const FloodStats all = flood(0, fanned_all, peak_all);
  EXPECT_EQ(fanned_default, 0u);  // 3,000 nodes never have a million events pending
  EXPECT_GT(peak_default, 5000u);
  EXPECT_GT(fanned_some, 0u);
  EXPECT_LT(fanned_some, fanned_all);
  EXPECT_LE(fanned_all, plain.messages);
  EXPECT_GT(fanned_all, plain.messages / 2);
  for (const FloodStats* f : {&some, &all}) {
    EXPECT_EQ(f->deliveries, plain.deliveries);
    EXPECT_EQ(f->messages, plain.messages);
    EXPECT_EQ(f->duplicates, plain.duplicates);
    EXPECT_EQ(f->p50, plain.p50);
    EXPECT_EQ(f->p99, plain.p99);
    EXPECT_EQ(f->max, plain.max);
  }
  EXPECT_EQ(peak_some, peak_default);
  EXPECT_EQ(peak_all, peak_default);
}

}  // namespace
}  // namespace p2p::sim
