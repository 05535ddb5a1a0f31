// The simulator signs nothing by default (Config::auth is null). Switched on, every node signs
// with a key of its own (KeyRing) and checks every message and JOIN_REQ: the network it grows
// must be the same, link for link, and every flood must reach the same nodes.
#include <gtest/gtest.h>

#include <memory>

#include "protocol/identity.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"

namespace p2p {
namespace {

struct Grown {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  std::vector<std::uint64_t> ids, deliveries, duplicates;
  sim::Counters counters;
};

Grown grow(const char* rule, bool signing, std::uint64_t seed) {
  Config cfg;
  cfg.rule = parse_join_rule(rule, cfg.max_hops);
  cfg.min_connections = std::string(rule) == "seed" ? 0 : 3;
  if (signing) cfg.auth = std::make_shared<const KeyRing>(seed);
  sim::Network net(cfg, sim::NetworkOptions{seed, {}});
  sim::Scenario sc = sim::Scenario::growth(60, 10 * kMillisecond);
  sc.final_flood = true;
  sim::run_scenario(net, sc, seed);
  for (std::uint32_t k = 0; k < 5; ++k) net.schedule_say(net.now(), k * 7, std::string(3, 'a' + k));
  net.drain();
  Grown r;
  r.links = net.links();
  for (const sim::FloodStats& f : net.floods()) {
    r.ids.push_back(f.id);
    r.deliveries.push_back(f.deliveries);
    r.duplicates.push_back(f.duplicates);
  }
  r.counters = net.counters();
  return r;
}

class SignedNetwork : public ::testing::TestWithParam<const char*> {};

TEST_P(SignedNetwork, GrowsTheSameTopologyAsAnUnsignedOne) {
  const Grown off = grow(GetParam(), false, 11);
  const Grown on = grow(GetParam(), true, 11);
  ASSERT_FALSE(off.links.empty());
  EXPECT_EQ(on.links, off.links);
  ASSERT_EQ(on.deliveries.size(), 6u);  // the final flood and five more
  EXPECT_EQ(on.deliveries, off.deliveries);
  // The signing run did sign: its ids are made from keys, not drawn.
  for (std::size_t k = 0; k < on.ids.size(); ++k) EXPECT_NE(on.ids[k], off.ids[k]);
  EXPECT_EQ(on.duplicates, off.duplicates);
  EXPECT_GT(on.deliveries.back(), 0u);
  EXPECT_EQ(on.counters.messages_sent, off.counters.messages_sent);
  EXPECT_EQ(on.counters.note(NoteKind::JoinAccepted), off.counters.note(NoteKind::JoinAccepted));
  EXPECT_EQ(on.counters.note(NoteKind::BadSignature), 0u);
}

INSTANTIATE_TEST_SUITE_P(Rules, SignedNetwork,
                         ::testing::Values("seed", "inverse_degree", "hyparview", "random_walk",
                                           "degree_capped", "fixed"));

}  // namespace
}  // namespace p2p
