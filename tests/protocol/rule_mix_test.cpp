// Networks that mix rules: parsing a mix, assigning nodes to groups, and the per-group figures.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "sim/address.hpp"
#include "sim/rule_mix.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {
namespace {

TEST(RuleMix, ParsesSharesAsFractionsOrPercentages) {
  EXPECT_EQ(parse_rule_share("seed").spec, "seed");
  EXPECT_FALSE(parse_rule_share("seed").share.has_value());
  const RuleShare h = parse_rule_share("hyparview:active=6@20%");
  EXPECT_EQ(h.spec, "hyparview:active=6");
  EXPECT_DOUBLE_EQ(*h.share, 0.2);
  EXPECT_DOUBLE_EQ(*parse_rule_share("fixed:p=0.3@0.25").share, 0.25);
  for (const char* bad : {"@20%", "seed@", "seed@120%", "seed@x", "seed@-0.1", "seed@1.5"})
    EXPECT_THROW(parse_rule_share(bad), std::invalid_argument) << bad;
}

TEST(RuleMix, UnsharedRulesSplitWhatTheOthersLeave) {
  const RuleShare items[] = {parse_rule_share("seed"), parse_rule_share("hyparview@20%"),
                             parse_rule_share("inverse_degree")};
  const RuleMix mix = make_rule_mix(Config{}, items, true);
  ASSERT_EQ(mix.shares.size(), 3u);
  EXPECT_DOUBLE_EQ(mix.shares[0], 0.4);
  EXPECT_DOUBLE_EQ(mix.shares[1], 0.2);
  EXPECT_DOUBLE_EQ(mix.shares[2], 0.4);
  EXPECT_EQ(mix.configs[1].rule->name(), "hyparview");
}

TEST(RuleMix, RefusesSharesThatDoNotAddUpAndRulesNamedTwice) {
  auto mix = [](std::initializer_list<const char*> specs) {
    std::vector<RuleShare> items;
    for (const char* s : specs) items.push_back(parse_rule_share(s));
    Config base;
    base.min_connections = 2;
    return make_rule_mix(base, items, true);
  };
  EXPECT_THROW(mix({"seed@70%", "hyparview@40%"}), std::invalid_argument);
  EXPECT_THROW(mix({"seed@50%", "hyparview@40%"}), std::invalid_argument);
  EXPECT_THROW(mix({"seed", "seed@10%"}), std::invalid_argument);
  EXPECT_THROW(mix({"seed", "hyparview:shuffles=0"}), std::invalid_argument);
  EXPECT_THROW(mix({"seed", "degree_capped:d=1"}), std::invalid_argument)
      << "degree_capped:d=1 cannot hold the minimum of links";
  EXPECT_NO_THROW(mix({"seed@50%", "hyparview@50%"}));
}

struct Mixed {
  RuleMix mix;
  std::unique_ptr<Network> net;
};

Mixed grow_mixed(std::uint64_t seed, std::uint32_t nodes) {
  Mixed m;
  Config base;
  base.min_connections = 2;
  const RuleShare items[] = {parse_rule_share("seed"), parse_rule_share("hyparview@20%")};
  m.mix = make_rule_mix(base, items, true);
  m.net = std::make_unique<Network>(m.mix.configs[0], NetworkOptions{seed, {}});
  m.net->set_groups(m.mix.groups());
  run_scenario(*m.net, Scenario::growth(nodes, 10 * kMillisecond), seed);
  return m;
}

TEST(RuleMix, NodesJoinGroupsByTheirSharesAndRunTheirGroupsRule) {
  const Mixed m = grow_mixed(5, 2000);
  const Network& net = *m.net;
  std::size_t hyparview = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i) {
    const bool hv = net.group_of(i) == 1;
    hyparview += hv ? 1 : 0;
    EXPECT_EQ(net.node(i).rule().name(), hv ? "hyparview" : "seed");
    if (hv && net.alive(i)) {
      EXPECT_LE(net.node(i).degree(), 5u) << "hyparview's active view cap";
    }
  }
  // Binomial(2000, 0.2): mean 400, standard deviation about 18.
  EXPECT_NEAR(static_cast<double>(hyparview), 400.0, 4 * 18.0);

  const auto groups = summarize_groups(net);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].nodes + groups[1].nodes, net.live().size());
  EXPECT_EQ(groups[1].nodes, hyparview);
  EXPECT_EQ(groups[0].link_ends + groups[1].link_ends, 2 * net.links().size());
  EXPECT_EQ(2 * (groups[0].links_within + groups[1].links_within) + groups[0].links_across +
                groups[1].links_across,
            2 * net.links().size());
  EXPECT_EQ(groups[0].links_across, groups[1].links_across) << "a link across has an end in each";
  EXPECT_GT(groups[1].links_across, 0u) << "the rules interoperate: hyparview nodes link to seed";
  EXPECT_EQ(groups[0].flood_reachable + groups[1].flood_reachable, net.live().size() - 1);
  EXPECT_GT(groups[1].flood_deliveries, 0u);

  std::ostringstream csv;
  write_groups_csv(csv, groups);
  EXPECT_EQ(csv.str().substr(0, csv.str().find('\n')),
            "group,rule,share,nodes,mean_degree,min_degree,max_degree,isolated_nodes,"
            "links_within,links_across,flood_reachable,flood_deliveries,flood_coverage");
}

TEST(RuleMix, TheSameSeedGivesTheSameGroupsAndLinks) {
  const Mixed a = grow_mixed(8, 500), b = grow_mixed(8, 500);
  EXPECT_EQ(a.net->links(), b.net->links());
  for (std::uint32_t i = 0; i < a.net->size(); ++i)
    ASSERT_EQ(a.net->group_of(i), b.net->group_of(i));
}

}  // namespace
}  // namespace p2p::sim
