// The simulator's service time (NetworkOptions::service_time), the option that models a real
// peer's per-hop processing: a node handles one event at a time, each taking the service time.
#include <gtest/gtest.h>

#include "protocol/config.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {
namespace {

constexpr Time kLink = 10 * kMillisecond;

// Two nodes, 1 joined to 0, over links of exactly 10 ms.
Network pair_of_nodes(const Config& config, Time service) {
  NetworkOptions o;
  o.seed = 1;
  o.latency.min = o.latency.max = kLink;
  o.service_time = service;
  Network net(config, o);
  net.add_node();
  net.add_node();
  net.schedule_join(0, 1, 0);
  net.drain();
  return net;
}

TEST(ServiceTime, EachHopTakesItsLinkLatencyAndTheReceiversServiceTime) {
  const Config config;
  for (Time service : {Time{0}, Time{1500}, Time{4000}}) {
    Network net = pair_of_nodes(config, service);
    ASSERT_GE(net.node(1).degree(), 1u) << service;
    net.schedule_say(net.now(), 0, "x");
    net.drain();
    const FloodStats* f = net.flood(net.last_said());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->deliveries, 1u);
    EXPECT_EQ(f->p50, kLink + service) << service;
  }
}

TEST(ServiceTime, AnEventThatArrivesWhileItsNodeIsBusyWaits) {
  const Config config;
  Network net = pair_of_nodes(config, 3000);
  const Time t = net.now();
  net.schedule_say(t, 0, "a");
  net.schedule_say(t, 0, "b");
  net.drain();
  ASSERT_EQ(net.floods().size(), 2u);
  // The first is said once node 0 has handled it, the second one service time after that.
  EXPECT_EQ(net.floods()[0].start, t + 3000);
  EXPECT_EQ(net.floods()[1].start, t + 6000);
  // Node 0 sent a copy of each on each of its k links to node 1 (the seed's rule accepts all four
  // JOIN_REQs). The copies of "a" arrive at t + 13 ms and node 1 is busy with them until
  // t + 13 ms + k * 3 ms; the first copy of "b", there since t + 16 ms, is handled after them.
  const auto k = static_cast<Time>(net.node(1).degree());
  ASSERT_GE(k, 2);
  EXPECT_EQ(net.floods()[0].p50, kLink + 3000);
  EXPECT_EQ(net.floods()[1].start + net.floods()[1].p50, t + 3000 + kLink + (k + 1) * 3000);
}

TEST(ServiceTime, TheSameSeedGivesTheSameRun) {
  const Config config;
  auto run = [&] {
    NetworkOptions o;
    o.seed = 9;
    o.service_time = 2000;
    Network net(config, o);
    const ScenarioResult r = run_scenario(net, Scenario::growth(300, 10 * kMillisecond), 9);
    const FloodStats* f = net.flood(r.flood_id);
    return std::tuple(net.links(), net.counters().events, f->p50, f->p99, r.end);
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace p2p::sim
