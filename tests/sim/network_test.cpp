#include "sim/network.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/address.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {
namespace {

TEST(EventQueue, OrdersByTimeThenSenderThenSequence) {
  EventQueue<int> q;
  q.push({30, 1, 1}, 1);
  q.push({10, 5, 2}, 2);
  q.push({10, 5, 1}, 3);
  q.push({10, 2, 9}, 4);
  q.push({20, 0, 0}, 5);
  std::vector<int> order;
  int v = 0;
  while (!q.empty()) {
    q.pop(v);
    order.push_back(v);
  }
  EXPECT_EQ(order, (std::vector<int>{4, 3, 2, 5, 1}));
}

TEST(EventQueue, RecyclesPayloadSlots) {
  EventQueue<int> q;
  int v = 0;
  for (int round = 0; round < 100; ++round) {
    q.push({round, 0, 0}, round);
    q.pop(v);
    EXPECT_EQ(v, round);
  }
  EXPECT_EQ(q.pool_size(), 1u);
}

TEST(SimAddress, RoundTripsNodeIndex) {
  for (std::uint32_t i : {0u, 1u, 255u, 65536u, 0x7FFFFFFEu}) EXPECT_EQ(index_of(address_of(i)), i);
  EXPECT_NE(address_of(1), address_of(2));
}

// Every link a node holds is held by its peer too, as many times.
void expect_mutual(const Network& net) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ends;
  for (std::uint32_t i = 0; i < net.size(); ++i) {
    if (!net.alive(i)) continue;
    for (const Link& l : net.node(i).links()) ends.emplace_back(i, index_of(l.peer));
  }
  auto reversed = ends;
  for (auto& e : reversed) std::swap(e.first, e.second);
  std::sort(ends.begin(), ends.end());
  std::sort(reversed.begin(), reversed.end());
  EXPECT_EQ(ends, reversed);
}

TEST(Network, LinksAreMutualAfterGrowth) {
  Config cfg;
  Network net(cfg, {});
  GrowthScenario sc;
  sc.nodes = 300;
  run_growth(net, sc, 1);
  expect_mutual(net);
  EXPECT_EQ(net.pending(), 0u);
}

TEST(Network, GracefulLeaveClosesLinksAtBothEnds) {
  Config cfg;
  Network net(cfg, {});
  GrowthScenario sc;
  sc.nodes = 100;
  sc.flood = false;
  run_growth(net, sc, 3);
  const std::uint32_t leaver = 0;  // the entry node has the most links
  const auto before = net.node(leaver).degree();
  ASSERT_GT(before, 0u);
  net.schedule_leave(net.now(), leaver);
  net.drain();
  EXPECT_FALSE(net.alive(leaver));
  for (std::uint32_t i = 1; i < net.size(); ++i)
    for (const Link& l : net.node(i).links()) EXPECT_NE(index_of(l.peer), leaver);
  EXPECT_GE(net.counters().note(NoteKind::LinkDown), 2 * before);
  expect_mutual(net);
}

TEST(Network, EventsForDepartedNodesAreCountedAndDropped) {
  Config cfg;
  Network net(cfg, {});
  net.add_node();
  net.add_node();
  net.schedule_leave(0, 0);
  net.schedule_join(5, 1, 0);  // its JOIN_REQs reach a node that has left
  net.drain();
  EXPECT_EQ(net.counters().events_to_departed, static_cast<std::uint64_t>(cfg.join_requests));
  EXPECT_EQ(net.node(1).degree(), 0u);
}

}  // namespace
}  // namespace p2p::sim
