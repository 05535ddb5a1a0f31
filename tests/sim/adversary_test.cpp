// Attackers in simulated networks: each does what it claims against the rule it attacks, and the
// figures that measure them (sim/rule_mix.hpp) agree with a count made here from the links.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <queue>
#include <vector>

#include "protocol/identity.hpp"
#include "protocol/node_context.hpp"
#include "sim/address.hpp"
#include "sim/rule_mix.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {
namespace {

struct Mixed {
  RuleMix mix;
  std::unique_ptr<Network> net;
  ScenarioResult result;
};

// `nodes` nodes joining one every 10 ms, a share of them attackers, then drained and flooded once
// from a random node, plus `broadcasts` per second said by random nodes after growth. `signing`:
// every node signs and checks with a key of its own, as `p2p sim --signed` runs.
std::unique_ptr<Mixed> grow(const char* honest, const char* attacker, double share,
                            std::uint32_t nodes, std::uint64_t seed, double broadcasts = 0,
                            bool signing = false) {
  auto m = std::make_unique<Mixed>();
  Config base;
  base.min_connections = 2;
  if (signing) base.auth = std::make_shared<const KeyRing>(seed);
  const RuleShare items[] = {parse_rule_share(honest), RuleShare{attacker, share}};
  m->mix = make_rule_mix(base, items, true);
  m->net = std::make_unique<Network>(m->mix.configs[0], NetworkOptions{seed, {}});
  m->net->set_groups(m->mix.groups());
  Scenario sc = Scenario::growth(nodes, 10 * kMillisecond);
  if (broadcasts > 0) {
    BroadcastPhase b;
    b.at = nodes * 10 * kMillisecond;
    b.until = b.at + 20 * kSecond;
    b.rate = broadcasts;
    sc.broadcasts.push_back(b);
  }
  m->result = run_scenario(*m->net, sc, seed);
  return m;
}

bool attacker(const Network& net, std::uint32_t i) {
  return net.node(i).rule().traits().adversary;
}

// The share of node `i`'s links whose far end is an attacker.
double held_by_attackers(const Network& net, std::uint32_t i) {
  std::size_t held = 0;
  for (const Link& l : net.node(i).links()) held += attacker(net, l.peer) ? 1 : 0;
  return net.node(i).degree() ? static_cast<double>(held) / double(net.node(i).degree()) : 0;
}

TEST(Adversary, TheAttackRulesAreRegisteredAndMarked) {
  for (const char* name : {"flooder", "eclipse", "spoofer"}) {
    ASSERT_NE(find_rule(name), nullptr) << name;
    EXPECT_TRUE(make_rule(name)->traits().adversary) << name;
  }
  EXPECT_FALSE(make_rule("eclipse")->traits().relays) << "it censors by default";
  EXPECT_TRUE(parse_join_rule("eclipse:relay=1")->traits().relays);
  EXPECT_FALSE(make_rule("hyparview")->traits().adversary);
}

TEST(Adversary, FlooderIdsReachHonestNodesAndEachIsDeliveredOnceByEach) {
  // 20 ids per flooder: 5 a round (50 per second, rounds of 100 ms), 4 rounds.
  const auto m = grow("inverse_degree", "flooder:rate=50,rounds=4", 0.05, 300, 2);
  const Network& net = *m->net;
  std::uint64_t flooders = 0, honest = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i) (attacker(net, i) ? flooders : honest) += 1;
  ASSERT_GT(flooders, 0u);
  const std::uint64_t ids = 20 * flooders;
  const std::uint64_t delivered = net.counters().injected_deliveries;
  EXPECT_LE(delivered, ids * honest) << "the seen set lets each honest node deliver an id once";
  EXPECT_GE(delivered, ids * honest * 95 / 100) << "the flooders' ids reach the honest nodes";
}

TEST(Adversary, FloodedIdsComeBackOnlyWhenTheSeenSetForgetsThem) {
  // With a budget of one id, a node forgets an id as soon as it sees the next, so copies still in
  // flight are delivered again; a hop limit of 3 keeps that storm small.
  auto run = [](std::uint32_t budget) {
    Config base;
    base.min_connections = 2;
    base.seen.budget = budget;
    base.message_hops = 3;
    const RuleShare items[] = {parse_rule_share("inverse_degree"),
                               RuleShare{"flooder:rate=20,rounds=1", 0.05}};
    RuleMix mix = make_rule_mix(base, items, true);
    Network net(mix.configs[0], NetworkOptions{3, {}});
    net.set_groups(mix.groups());
    run_scenario(net, Scenario::growth(150, 10 * kMillisecond), 3);
    std::uint64_t flooders = 0, honest = 0;
    for (std::uint32_t i = 0; i < net.size(); ++i) (attacker(net, i) ? flooders : honest) += 1;
    return std::pair{net.counters().injected_deliveries, 2 * flooders * honest};
  };
  const auto [kept, bound] = run(1u << 20);
  const auto [forgot, bound2] = run(1);
  EXPECT_EQ(bound, bound2);
  EXPECT_LE(kept, bound);
  EXPECT_GT(forgot, kept) << "a seen set that forgets at once delivers ids again";
}

TEST(Adversary, JoinAckSpamTakesTheEntrysLinksOnlyWhereEveryAckIsKept) {
  const char* eclipse = "eclipse:via=1,conns=4,rounds=10";
  const auto before = grow("seed:any_ack=1", eclipse, 0.1, 300, 1);
  const auto after = grow("seed:any_ack=0", eclipse, 0.1, 300, 1);
  ASSERT_FALSE(attacker(*before->net, 0));
  ASSERT_FALSE(attacker(*after->net, 0));
  EXPECT_GT(held_by_attackers(*before->net, 0), 0.5)
      << "every JOIN_ACK kept: the attackers hold most of the entry's links";
  EXPECT_LT(held_by_attackers(*after->net, 0), 0.2)
      << "answers checked: the attackers hold what they won by joining";
}

TEST(Adversary, PriorityNeighborRequestsTakeAHyParViewNodeOnlyWithoutTheirRateLimit) {
  // The attackers pass newcomers on (accept=0), so the entry's links are theirs only through
  // NEIGHBOR requests: at any rate they take all five; once per 10 s, fewer than half on average
  // (a slot an honest neighbour frees is still open to whoever asks first).
  const char* eclipse = "eclipse:via=0,accept=0,rounds=20";
  double after = 0;
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto b = grow("hyparview:priority_interval_ms=0", eclipse, 0.1, 300, seed);
    const auto a = grow("hyparview", eclipse, 0.1, 300, seed);
    ASSERT_FALSE(attacker(*b->net, 0));
    EXPECT_EQ(held_by_attackers(*b->net, 0), 1.0)
        << "honoured at any rate, the attackers replace every honest link (seed " << seed << ")";
    after += held_by_attackers(*a->net, 0) / 3;
  }
  EXPECT_LE(after, 0.6) << "honoured once per interval, most honest links stay";
}

// The honest nodes a broadcast from `origin` reaches when attackers deliver but pass nothing
// on: those joined to it through honest nodes only.
std::uint64_t reached_through_honest(const Network& net, std::uint32_t origin) {
  std::vector<bool> seen(net.size(), false);
  std::queue<std::uint32_t> q;
  q.push(origin);
  seen[origin] = true;
  std::uint64_t reached = 0;
  while (!q.empty()) {
    const std::uint32_t i = q.front();
    q.pop();
    for (const Link& l : net.node(i).links()) {
      const std::uint32_t j = l.peer;
      if (j >= net.size() || !net.alive(j) || seen[j] || attacker(net, j)) continue;
      seen[j] = true;
      ++reached;
      q.push(j);
    }
  }
  return reached;
}

TEST(Adversary, FiguresAgreeWithACountOverTheLinks) {
  // A censoring eclipse under the seed's code: the honest delivery ratio is what an honest-only
  // search finds, and the link share what the links' far ends say.
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto m = grow("seed:any_ack=1", "eclipse:via=1,conns=8,rounds=5", 0.2, 250, seed);
    const Network& net = *m->net;
    ASSERT_TRUE(m->result.flooded);
    const std::uint32_t origin = m->result.flood_origin;
    std::uint64_t ends = 0, held = 0, honest_others = 0;
    for (std::uint32_t i = 0; i < net.size(); ++i) {
      if (attacker(net, i)) continue;
      if (i != origin) ++honest_others;
      for (const Link& l : net.node(i).links()) {
        ++ends;
        held += attacker(net, l.peer) ? 1 : 0;
      }
    }
    EXPECT_DOUBLE_EQ(adversary_link_share(net), double(held) / double(ends));
    if (attacker(net, origin)) {
      EXPECT_TRUE(std::isnan(honest_delivery_ratio(net))) << "no honest broadcast";
      continue;
    }
    const double expected = double(reached_through_honest(net, origin)) / double(honest_others);
    EXPECT_DOUBLE_EQ(honest_delivery_ratio(net), expected);
    EXPECT_LT(expected, 1.0) << "the censors cut some honest nodes off (seed " << seed << ")";
  }
}

TEST(Adversary, FiguresAreAbsentWithoutAttackers) {
  const auto m = grow("seed", "inverse_degree", 0.1, 100, 1);
  EXPECT_FALSE(has_adversaries(*m->net));
  EXPECT_TRUE(std::isnan(adversary_link_share(*m->net)));
  EXPECT_TRUE(std::isnan(honest_delivery_ratio(*m->net)));
  EXPECT_EQ(m->net->counters().injected_deliveries, 0u);
}

TEST(Adversary, SpoofedMessagesAreDeliveredAsTheVictims) {
  const auto m = grow("inverse_degree", "spoofer:rounds=3", 0.05, 200, 4);
  const Network& net = *m->net;
  std::uint64_t spoofers = 0, honest = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i) (attacker(net, i) ? spoofers : honest) += 1;
  ASSERT_GT(spoofers, 0u);
  // Every spoofer writes 3 messages under the entry's name; each honest node delivers each once
  // (the entry too: nothing tells it the message is not its own).
  EXPECT_LE(net.counters().injected_deliveries, 3 * spoofers * honest);
  EXPECT_GE(net.counters().injected_deliveries, 3 * spoofers * honest * 95 / 100);
}

TEST(Adversary, SignedSpoofedMessagesAreDeliveredByNoOne) {
  // The same network signing: a spoofer names the victim's public key but can sign only with its
  // own, so the first honest node drops each copy, and nothing else changes.
  const auto plain = grow("inverse_degree", "spoofer:rounds=3", 0.05, 200, 4);
  const auto m = grow("inverse_degree", "spoofer:rounds=3", 0.05, 200, 4, 0, true);
  const Network& net = *m->net;
  EXPECT_GT(plain->net->counters().injected_deliveries, 0u);
  EXPECT_EQ(net.counters().injected_deliveries, 0u);
  std::uint64_t facing = 0;  // honest link ends at a spoofer: each drops each round's message
  for (std::uint32_t i = 0; i < net.size(); ++i)
    if (!attacker(net, i))
      for (const Link& l : net.node(i).links()) facing += attacker(net, l.peer) ? 1 : 0;
  ASSERT_GT(facing, 0u);
  EXPECT_GE(net.counters().note(NoteKind::BadSignature), 3 * facing * 9 / 10);
  EXPECT_EQ(plain->net->counters().note(NoteKind::BadSignature), 0u);
  EXPECT_EQ(net.links(), plain->net->links());  // signing changes no draw
}

TEST(Adversary, SignedFloodersStillReachEveryoneUnderTheirOwnKey) {
  // Signing proves an author, not good intent: a flooder signs its own messages, and they are
  // delivered as often as unsigned ones.
  const auto plain = grow("inverse_degree", "flooder:rate=10,rounds=3", 0.05, 200, 5);
  const auto m = grow("inverse_degree", "flooder:rate=10,rounds=3", 0.05, 200, 5, 0, true);
  EXPECT_GT(plain->net->counters().injected_deliveries, 0u);
  EXPECT_EQ(m->net->counters().injected_deliveries, plain->net->counters().injected_deliveries);
  EXPECT_EQ(m->net->counters().note(NoteKind::BadSignature), 0u);
}

}  // namespace
}  // namespace p2p::sim
