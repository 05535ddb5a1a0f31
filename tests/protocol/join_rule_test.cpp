// The join protocol's flaws, each shown on the seed's rule and fixed on the others; the rules'
// acceptance behaviour; minimum connections with retries; HyParView's views; the rule parser.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>
#include <stdexcept>

#include "protocol/hyparview/hyparview.hpp"
#include "protocol/join_rule.hpp"
#include "protocol/node.hpp"
#include "tests/protocol/packets.hpp"

namespace p2p {
namespace {

using namespace p2p::test_packets;

// mh_walk's flag on a refused Metropolis move going back to its proposer.
constexpr std::uint8_t kBounced = 1;

Config with_rule(const char* spec) {
  Config cfg;
  cfg.rule = parse_join_rule(spec, cfg.max_hops);
  return cfg;
}

// Gives `node` `d` neighbours through the join protocol itself: it joins, and each answer names
// one of its requests.
void give_links(Node& node, std::uint32_t d, std::uint32_t first_host = 1000) {
  for (std::uint32_t k = 0; k < d; ++k) {
    Effects out;
    if (!node.config().rule->traits().checks_acks) {
      node.on_packet(0, kDriverConnBit | (first_host + k), ack(addr(first_host + k), 0), out);
      continue;
    }
    node.join(0, addr(1), out);
    const auto sent = of_type<SendOnce>(out);
    ASSERT_FALSE(sent.empty());
    out.clear();
    node.on_packet(0, kDriverConnBit | (first_host + k),
                   ack(addr(first_host + k), sent[0].packet.id), out);
  }
  ASSERT_EQ(node.degree(), d);
}

// ---- Flaw: duplicate links --------------------------------------------------------------------

// How often a node accepts a JOIN_REQ from a peer it is already linked to, over many tries.
int duplicate_accepts(const char* rule) {
  const Config cfg = with_rule(rule);
  int accepted = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Node node(addr(2), cfg, seed);
    give_links(node, 1);
    Effects out;
    const Link link = node.links()[0];
    node.on_packet(0, node.conn_of(link), join_req(node.peer_address(link), 3, 555), out);
    accepted += static_cast<int>(of_type<Open>(out).size());
  }
  return accepted;
}

TEST(JoinFix, SeedAcceptsARequestFromAPeerItIsLinkedTo) {
  EXPECT_GT(duplicate_accepts("seed"), 50);
}

TEST(JoinFix, NoRuleAcceptsARequestFromAPeerItIsLinkedTo) {
  for (const char* rule :
       {"inverse_degree", "fixed:p=1", "random_walk:length=0", "degree_capped", "mh_walk:length=0"})
    EXPECT_EQ(duplicate_accepts(rule), 0) << rule;
}

TEST(JoinFix, NewcomersSecondRequestAtTheSameAcceptorIsPassedOn) {
  const Config cfg = with_rule("fixed:p=1");
  Node node(addr(2), cfg, 3);
  give_links(node, 2);
  Effects out;
  node.on_packet(0, kDriverConnBit | 1, join_req(addr(50), 0, 1), out);
  ASSERT_EQ(of_type<Open>(out).size(), 1u);
  out.clear();
  node.on_packet(0, kDriverConnBit | 2, join_req(addr(50), 0, 2), out);
  EXPECT_TRUE(of_type<Open>(out).empty());
  ASSERT_EQ(of_type<Send>(out).size(), 1u);
  EXPECT_NE(of_type<Send>(out)[0].peer, addr(50)) << "never handed to the newcomer itself";
  EXPECT_EQ(node.degree(), 3u);
}

// ---- Flaw: a JOIN_ACK from anyone -------------------------------------------------------------

TEST(JoinFix, SeedTakesAnUnaskedAck) {
  const Config cfg = with_rule("seed");
  Node node(addr(2), cfg, 1);
  Effects out;
  node.on_packet(0, kDriverConnBit | 5, ack(addr(9), 12345), out);
  EXPECT_EQ(node.degree(), 1u);
}

TEST(JoinFix, UnaskedAckIsRefusedAndItsConnectionClosed) {
  const Config cfg = with_rule("inverse_degree");
  Node node(addr(2), cfg, 1);
  Effects out;
  node.on_packet(0, kDriverConnBit | 5, ack(addr(9), 12345), out);
  EXPECT_EQ(node.degree(), 0u);
  ASSERT_EQ(of_type<Close>(out).size(), 1u);
  EXPECT_EQ(of_type<Close>(out)[0].conn, kDriverConnBit | 5);
}

TEST(JoinFix, AckAnsweringOurRequestIsTakenOnlyOnce) {
  Config cfg = with_rule("inverse_degree");
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  const std::uint64_t id = of_type<SendOnce>(out)[0].packet.id;
  EXPECT_EQ(node.outstanding().size(), 4u);
  out.clear();
  node.on_packet(0, kDriverConnBit | 5, ack(addr(9), id), out);
  EXPECT_EQ(node.degree(), 1u);
  node.on_packet(0, kDriverConnBit | 6, ack(addr(10), id), out);
  EXPECT_EQ(node.degree(), 1u) << "a second answer to the same request is refused";
  EXPECT_EQ(node.outstanding().size(), 3u);
}

TEST(JoinFix, AckBeyondTheCapIsRefused) {
  Config cfg = with_rule("inverse_degree");
  cfg.max_connections = 2;
  cfg.join_requests = 4;
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  const auto sent = of_type<SendOnce>(out);
  for (std::uint32_t k = 0; k < 4; ++k)
    node.on_packet(0, kDriverConnBit | (10 + k), ack(addr(20 + k), sent[k].packet.id), out);
  EXPECT_EQ(node.degree(), 2u);
  EXPECT_EQ(of_type<Close>(out).size(), 2u);
}

TEST(JoinFix, AckNamesTheRequestItAnswers) {
  const Config cfg = with_rule("inverse_degree");
  Node node(addr(2), cfg, 1);  // degree 0: accepts with probability 1
  Effects out;
  node.on_packet(0, kDriverConnBit | 1, join_req(addr(50), 0, 4242), out);
  ASSERT_EQ(of_type<Open>(out).size(), 1u);
  EXPECT_EQ(of_type<Open>(out)[0].packet.ref, 4242u);
}

// ---- Flaw: requests circling ------------------------------------------------------------------

TEST(JoinFix, PassedOnRequestKeepsItsIdAndCountsItsHops) {
  const Config cfg = with_rule("degree_capped:d=2");
  Node node(addr(2), cfg, 1);
  give_links(node, 2);  // full: must pass on
  Effects out;
  node.on_packet(0, node.conn_of(node.links()[0]), join_req(addr(50), 5, 777), out);
  const auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].packet.id, 777u) << "the seed renames it, so an answer could not name it";
  EXPECT_EQ(sends[0].packet.hops, 6);
}

TEST(JoinFix, EveryRuleDropsARequestAtItsHopLimit) {
  for (const char* rule :
       {"inverse_degree:max_hops=9", "fixed:p=0,max_hops=9", "random_walk:length=50,max_hops=9",
        "degree_capped:d=1,max_hops=9", "mh_walk:length=50,max_hops=9"}) {
    const Config cfg = with_rule(rule);
    ASSERT_EQ(cfg.max_hops, 9);
    Node node(addr(2), cfg, 1);
    give_links(node, 1);
    Effects out;
    node.on_packet(0, kDriverConnBit | 77, join_req(addr(50), 9, 1), out);
    EXPECT_TRUE(of_type<Send>(out).empty()) << rule;
    EXPECT_TRUE(of_type<Open>(out).empty()) << rule;
    ASSERT_FALSE(of_type<Note>(out).empty()) << rule;
    EXPECT_EQ(of_type<Note>(out)[0].kind, NoteKind::JoinDroppedHops) << rule;
  }
}

// ---- Flaw: flooding back to the sender --------------------------------------------------------

std::size_t copies_sent(const char* rule) {
  const Config cfg = with_rule(rule);
  Node node(addr(2), cfg, 1);
  give_links(node, 3);
  Effects out;
  Packet m;
  m.type = PacketType::Message;
  m.origin = addr(77);
  m.id = 31337;
  const ConnId from = node.conn_of(node.links()[1]);
  node.on_packet(0, from, m, out);
  for (const Send& s : of_type<Send>(out))
    if (rule != std::string("seed")) {
      EXPECT_NE(s.conn, from);
    }
  return of_type<Send>(out).size();
}

TEST(JoinFix, SeedFloodsBackToTheSender) {
  EXPECT_EQ(copies_sent("seed"), 3u);
}
TEST(JoinFix, FloodSparesTheNeighbourItCameFrom) {
  EXPECT_EQ(copies_sent("inverse_degree"), 2u);
}

// ---- Flaw: unbounded seen set (and O(1) lookups) ----------------------------------------------

class SeenSetCapacity : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(SeenSetCapacity, StaysBoundedAndAgreesWithAFifoModel) {
  SeenSet seen;
  std::deque<std::uint64_t> fifo;
  std::set<std::uint64_t> model;
  Rng rng(5);
  const std::uint32_t cap = GetParam();
  for (int i = 0; i < 60000; ++i) {
    // Draw from a small range so repeats, evictions and re-insertions all happen often.
    const std::uint64_t id = rng.below(3 * cap);
    const bool fresh = model.count(id) == 0;
    ASSERT_EQ(seen.insert(id, i, SeenPolicy{kSecond * 1000000, cap}), fresh) << i;
    if (fresh) {
      fifo.push_back(id);
      model.insert(id);
      if (fifo.size() > cap) {
        model.erase(fifo.front());
        fifo.pop_front();
      }
    }
    ASSERT_LE(seen.size(), cap);
    ASSERT_EQ(seen.size(), fifo.size());
  }
  for (std::uint64_t id = 0; id < 3 * cap; ++id) EXPECT_EQ(seen.contains(id), model.count(id) == 1);
  EXPECT_GT(seen.early_evictions(), 0u) << "a full budget pushes ids out before their time";
}

TEST(SeenSet, ForgetsAnIdOnlyOnceItsTimeToLiveHasPassed) {
  const SeenPolicy policy{10 * kSecond, 1000};
  SeenSet seen;
  // Ids 0..99 seen one per 100 ms; each is a duplicate until 10 s after it was seen, new after.
  for (std::uint64_t id = 0; id < 100; ++id)
    ASSERT_TRUE(seen.insert(id, Time(id) * 100 * kMillisecond, policy));
  EXPECT_FALSE(seen.insert(5, 10 * kSecond, policy)) << "id 5 was seen at 0.5 s: kept until 10.5 s";
  EXPECT_TRUE(seen.insert(5, 10 * kSecond + 600 * kMillisecond, policy)) << "forgotten after";
  EXPECT_FALSE(seen.insert(99, 15 * kSecond, policy));
  // At 15 s every id seen before 5 s is gone; ids seen after are kept (and id 5, seen again).
  EXPECT_FALSE(seen.contains(10));
  EXPECT_TRUE(seen.contains(60));
  EXPECT_TRUE(seen.contains(5));
  EXPECT_EQ(seen.early_evictions(), 0u);
  EXPECT_EQ(seen.size(), 50u - 1 + 1) << "ids 50..99 and id 5";
}

TEST(SeenSet, TwelveThousandMessagesInFlightAreEachDeliveredOnce) {
  // Four peers typing 3000 lines each: a count-bounded set of 4096 forgot ids still circulating.
  SeenSet seen;
  const SeenPolicy policy;
  for (std::uint64_t id = 1; id <= 12000; ++id)
    ASSERT_TRUE(seen.insert(id * 7919, Time(id), policy));
  for (std::uint64_t id = 1; id <= 12000; ++id) ASSERT_FALSE(seen.insert(id * 7919, 20000, policy));
  EXPECT_EQ(seen.early_evictions(), 0u);
}
// 1 and 2 cross the inline first id's hand-over to the ring at once.
INSTANTIATE_TEST_SUITE_P(Capacities, SeenSetCapacity, ::testing::Values(1u, 2u, 3u, 300u));

TEST(SeenSet, IsEmptyUntilUsedAndHoldsIdZero) {
  SeenSet seen;
  EXPECT_FALSE(seen.contains(0));
  EXPECT_EQ(seen.size(), 0u);
  EXPECT_TRUE(seen.insert(0, 0, SeenPolicy{kSecond, 4}));
  EXPECT_TRUE(seen.contains(0));
  EXPECT_FALSE(seen.insert(0, 0, SeenPolicy{kSecond, 4}));
  EXPECT_TRUE(seen.insert(7, 0, SeenPolicy{kSecond, 4}));
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.contains(0) && seen.contains(7));
  // An id 0 after an inline first id: both kept.
  SeenSet later;
  EXPECT_TRUE(later.insert(9, 0, SeenPolicy{kSecond, 4}));
  EXPECT_FALSE(later.contains(0));
  EXPECT_EQ(later.size(), 1u);
  EXPECT_TRUE(later.insert(0, 0, SeenPolicy{kSecond, 4}));
  EXPECT_FALSE(later.insert(0, 0, SeenPolicy{kSecond, 4}));
  EXPECT_FALSE(later.insert(9, 0, SeenPolicy{kSecond, 4}));
  EXPECT_EQ(later.size(), 2u);
}

// ---- Rules ------------------------------------------------------------------------------------

double accept_rate(const char* rule, std::uint32_t degree, std::uint8_t hops, int trials = 20000) {
  const Config cfg = with_rule(rule);
  Node node(addr(2), cfg, 99);
  give_links(node, degree);
  int accepted = 0;
  for (int i = 0; i < trials; ++i) {
    Effects out;
    node.on_packet(0, kDriverConnBit | 1, join_req(addr(3000 + i), hops, i), out);
    for (const Open& o : of_type<Open>(out)) {
      ++accepted;
      Effects ignored;
      node.on_closed(0, o.conn, ignored);
    }
  }
  return static_cast<double>(accepted) / trials;
}

TEST(Rule, FixedAcceptsWithItsProbabilityWhateverTheDegree) {
  EXPECT_NEAR(accept_rate("fixed:p=0.3", 1, 0), 0.3, 0.02);
  EXPECT_NEAR(accept_rate("fixed:p=0.3", 12, 0), 0.3, 0.02);
}

TEST(Rule, InverseDegreeAcceptsWithOneOverDegreePlusOne) {
  EXPECT_NEAR(accept_rate("inverse_degree", 3, 0), 0.25, 0.02);
}

TEST(Rule, WarmupHopsAreNeverAccepted) {
  EXPECT_EQ(accept_rate("fixed:p=1,warmup=3", 2, 2, 200), 0.0);
  EXPECT_EQ(accept_rate("fixed:p=1,warmup=3", 2, 3, 200), 1.0);
}

TEST(Rule, RandomWalkAcceptsOnlyAtTheEndOfItsWalk) {
  EXPECT_EQ(accept_rate("random_walk:length=4", 2, 3, 200), 0.0);
  EXPECT_EQ(accept_rate("random_walk:length=4", 2, 4, 200), 1.0);
}

TEST(Rule, DegreeCappedAcceptsBelowTheCapOnly) {
  EXPECT_EQ(accept_rate("degree_capped:d=3", 2, 0, 200), 1.0);
  EXPECT_EQ(accept_rate("degree_capped:d=3", 3, 0, 200), 0.0);
}

TEST(Rule, MetropolisMoveIsTakenWithDegreeRatioElseBouncedBack) {
  const Config cfg = with_rule("mh_walk:length=50");
  Node node(addr(2), cfg, 7);
  give_links(node, 8);
  const int trials = 20000;
  int bounced = 0;
  for (int i = 0; i < trials; ++i) {
    Effects out;
    Packet p = join_req(addr(9000), 3, i);
    p.degree = 2;  // the proposer has 2 links, we have 8: the move is taken with 2/8
    const ConnId from = node.conn_of(node.links()[4]);
    node.on_packet(0, from, p, out);
    const auto sends = of_type<Send>(out);
    ASSERT_EQ(sends.size(), 1u);
    if (sends[0].packet.flags & kBounced) {
      ++bounced;
      EXPECT_EQ(sends[0].conn, from) << "a refused move goes back to the proposer";
      EXPECT_EQ(sends[0].packet.hops, 3) << "the proposer counted the lazy step already";
    } else {
      EXPECT_EQ(sends[0].packet.hops, 4);
      EXPECT_EQ(sends[0].packet.degree, 8u);
    }
  }
  EXPECT_NEAR(static_cast<double>(bounced) / trials, 0.75, 0.02);
}

TEST(Rule, BouncedRequestContinuesFromItsHolderWithoutATest) {
  const Config cfg = with_rule("mh_walk:length=50");
  Node node(addr(2), cfg, 7);
  give_links(node, 8);
  for (int i = 0; i < 200; ++i) {
    Effects out;
    Packet p = join_req(addr(9000), 3, i);
    p.degree = 1;
    p.flags = kBounced;
    node.on_packet(0, node.conn_of(node.links()[0]), p, out);
    const auto sends = of_type<Send>(out);
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0].packet.flags & kBounced, 0);
    EXPECT_EQ(sends[0].packet.hops, 4);
  }
}

// ---- Minimum connections ----------------------------------------------------------------------

TEST(MinConnections, ShortfallAsksThroughANeighbourWithDoublingBackoff) {
  Config cfg = with_rule("inverse_degree");
  cfg.min_connections = 3;
  cfg.retry_attempts = 3;
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  auto wakes = of_type<WakeAt>(out);
  ASSERT_EQ(wakes.size(), 1u);
  EXPECT_EQ(wakes[0].at, cfg.retry_delay);
  const std::uint64_t id = of_type<SendOnce>(out)[0].packet.id;
  out.clear();
  node.on_packet(10, kDriverConnBit | 9, ack(addr(40), id), out);
  ASSERT_EQ(node.degree(), 1u);

  Time now = wakes[0].at;
  Timer timer = wakes[0].timer;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    out.clear();
    node.on_timer(now, timer, out);
    const auto sends = of_type<Send>(out);
    ASSERT_EQ(sends.size(), 2u) << "asks for the two links it lacks";
    for (const Send& s : sends) {
      EXPECT_EQ(s.peer, addr(40)) << "through its neighbour, not the entry";
      EXPECT_EQ(s.packet.origin, addr(2));
    }
    EXPECT_TRUE(of_type<SendOnce>(out).empty());
    wakes = of_type<WakeAt>(out);
    ASSERT_EQ(wakes.size(), 1u);
    EXPECT_EQ(wakes[0].at - now, cfg.retry_delay << attempt);
    now = wakes[0].at;
    timer = wakes[0].timer;
  }
  out.clear();
  node.on_timer(now, timer, out);
  EXPECT_TRUE(out.empty()) << "gives up after retry_attempts";
  EXPECT_TRUE(node.outstanding().empty());
}

TEST(MinConnections, StaleOrRepeatedTimerDoesNothing) {
  Config cfg = with_rule("inverse_degree");
  cfg.min_connections = 2;
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  const WakeAt w = of_type<WakeAt>(out)[0];
  out.clear();
  node.on_timer(w.at, Timer{TimerKind::JoinRetry, w.timer.key + 1}, out);
  EXPECT_TRUE(out.empty());
  node.on_timer(w.at, w.timer, out);
  EXPECT_FALSE(out.empty());
  out.clear();
  node.on_timer(w.at, w.timer, out);  // the same timer again: stale now
  EXPECT_TRUE(out.empty());
}

TEST(MinConnections, LosingALinkBelowTheMinimumAsksAtOnce) {
  Config cfg = with_rule("inverse_degree");
  cfg.min_connections = 2;
  cfg.join_requests = 2;
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  const auto sent = of_type<SendOnce>(out);
  const WakeAt retry = of_type<WakeAt>(out).at(0);
  ASSERT_EQ(sent.size(), 2u);
  out.clear();
  node.on_packet(1, kDriverConnBit | 7, ack(addr(40), sent[0].packet.id), out);
  node.on_packet(1, kDriverConnBit | 8, ack(addr(41), sent[1].packet.id), out);
  ASSERT_EQ(node.degree(), 2u);
  // The join's retry finds enough links and ends the shortfall: no retry is armed any more.
  out.clear();
  node.on_timer(retry.at, retry.timer, out);
  EXPECT_TRUE(out.empty());
  // Losing a link now is a new shortfall: the node asks through its remaining neighbour at once,
  // without waiting for any timer, and arms a retry for it.
  const Time now = retry.at + kSecond;
  node.on_closed(now, node.conn_of(node.links()[0]), out);
  ASSERT_EQ(node.degree(), 1u);
  const auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].peer, node.peer_address(node.links()[0]));
  EXPECT_EQ(sends[0].packet.type, PacketType::JoinReq);
  EXPECT_EQ(sends[0].packet.origin, addr(2));
  ASSERT_EQ(node.outstanding().size(), 1u);
  EXPECT_EQ(node.outstanding()[0], sends[0].packet.id);
  const auto wakes = of_type<WakeAt>(out);
  ASSERT_EQ(wakes.size(), 1u);
  EXPECT_EQ(wakes[0].at, now + cfg.retry_delay);
}

TEST(MinConnections, SeedArmsNoTimer) {
  Config cfg;
  cfg.min_connections = 5;
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  EXPECT_TRUE(of_type<WakeAt>(out).empty());
}

// ---- HyParView --------------------------------------------------------------------------------

TEST(HyParView, ContactTakesTheNewcomerAndWalksForwardJoins) {
  Config cfg = with_rule("hyparview:warmup=0");
  Node node(addr(2), cfg, 1);
  give_links(node, 3);
  Effects out;
  node.on_packet(0, kDriverConnBit | 1, join_req(addr(60), 0, 555), out);
  ASSERT_EQ(of_type<Open>(out).size(), 1u);
  EXPECT_EQ(of_type<Open>(out)[0].packet.ref, 555u);
  const auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 3u) << "a FORWARDJOIN to every other neighbour";
  for (const Send& s : sends) {
    EXPECT_TRUE(s.packet.flags & HyParView::kForwardJoin);
    EXPECT_EQ(s.packet.origin, addr(60));
    EXPECT_NE(s.peer, addr(60));
  }
}

TEST(HyParView, FullActiveViewDropsOneIntoThePassiveView) {
  Config cfg = with_rule("hyparview:active=3,warmup=0");
  Node node(addr(2), cfg, 1);
  give_links(node, 3);
  Effects out;
  node.on_packet(0, kDriverConnBit | 1, join_req(addr(60), 0, 555), out);
  EXPECT_EQ(node.degree(), 3u);
  ASSERT_EQ(of_type<Close>(out).size(), 2u);  // the dropped neighbour and the JOIN's connection
  EXPECT_EQ(HyParView::passive_view(node).size(), 1u);
  EXPECT_EQ(HyParView::passive_view(node)[0], of_type<Close>(out)[0].peer);
}

TEST(HyParView, LowPriorityNeighborIsRefusedWhenFullHighIsTaken) {
  Config cfg = with_rule("hyparview:active=2");
  Node node(addr(2), cfg, 1);
  give_links(node, 2);
  Packet n;
  n.type = rule_message(HyParView::kNeighbor);
  n.tag = cfg.rule->tag();
  n.origin = addr(70);
  n.id = 5;
  Effects out;
  node.on_packet(0, kDriverConnBit | 1, n, out);
  EXPECT_EQ(node.degree(), 2u);
  EXPECT_FALSE(node.linked_to(addr(70)));
  n.flags = HyParView::kHighPriority;
  out.clear();
  node.on_packet(0, kDriverConnBit | 2, n, out);
  EXPECT_TRUE(node.linked_to(addr(70)));
  EXPECT_EQ(node.degree(), 2u);
  const auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].packet.type, rule_message(HyParView::kDisconnect)) << "to the one dropped";
  EXPECT_EQ(sends[1].packet.type, PacketType::JoinAck);
  EXPECT_EQ(sends[1].packet.ref, 5u);
}

TEST(HyParView, FiveHighPriorityNeighborsDoNotReplaceTheWholeView) {
  Config cfg = with_rule("hyparview:active=5,priority_interval_ms=10000");
  Node node(addr(2), cfg, 1);
  give_links(node, 5);
  std::vector<Address> honest;
  for (const Link& l : node.links()) honest.push_back(node.peer_address(l));
  // The eclipse attempt: five NEIGHBOR packets with the high-priority flag, one after another.
  for (std::uint32_t k = 0; k < 5; ++k) {
    Packet n;
    n.type = rule_message(HyParView::kNeighbor);
    n.tag = cfg.rule->tag();
    n.origin = addr(700 + k);
    n.id = 70 + k;
    n.flags = HyParView::kHighPriority;
    Effects out;
    node.on_packet(Time(k) * kMillisecond, kDriverConnBit | (60 + k), n, out);
  }
  std::size_t kept = 0;
  for (const Address& a : honest) kept += node.linked_to(a) ? 1 : 0;
  EXPECT_EQ(kept, 4u) << "one high-priority request is honoured per interval, not five";
  // After the interval, a peer with no link left can be taken in again.
  Packet late;
  late.type = rule_message(HyParView::kNeighbor);
  late.tag = cfg.rule->tag();
  late.origin = addr(800);
  late.id = 80;
  late.flags = HyParView::kHighPriority;
  Effects out;
  node.on_packet(11 * kSecond, kDriverConnBit | 90, late, out);
  EXPECT_TRUE(node.linked_to(addr(800)));
}

// The paper's FORWARDJOIN: sent with ttl = length to every other neighbour of the contact; a node
// receiving ttl 0 (hops = length + 1) links the newcomer; ttl == passive_walk notes it passively.
TEST(HyParView, ForwardJoinLinksAtTimeToLiveZeroAndNotesThePassiveViewAtItsLength) {
  Config cfg = with_rule("hyparview:length=6,passive_walk=3,warmup=0");
  auto forward_join = [](std::uint8_t hops) {
    Packet p = join_req(addr(60), hops, 555);
    p.flags = HyParView::kForwardJoin;
    return p;
  };
  for (std::uint8_t hops = 1; hops <= 7; ++hops) {
    Node node(addr(2), cfg, 1);
    give_links(node, 3);
    Effects out;
    node.on_packet(0, node.conn_of(node.links()[0]), forward_join(hops), out);
    const bool linked = node.linked_to(addr(60));
    EXPECT_EQ(linked, hops == 7) << "hops " << int(hops) << " (ttl " << 7 - hops << ")";
    const auto passive = HyParView::passive_view(node);
    const bool noted = std::find(passive.begin(), passive.end(), addr(60)) != passive.end();
    EXPECT_EQ(noted, hops == 4) << "hops " << int(hops) << " (ttl " << 7 - hops << ")";
    if (hops < 7) {
      ASSERT_EQ(of_type<Send>(out).size(), 1u);
      EXPECT_EQ(of_type<Send>(out)[0].packet.hops, hops + 1);
    }
  }
}

TEST(HyParView, ForwardJoinEndsAtANodeAlreadyLinkedToTheNewcomer) {
  Config cfg = with_rule("hyparview:length=6,warmup=0");
  Node node(addr(2), cfg, 1);
  give_links(node, 3);
  const Link newcomer = node.links()[1];
  Packet p = join_req(node.peer_address(newcomer), 7,
                      555);  // ttl 0 here, and we hold a link to it already
  p.flags = HyParView::kForwardJoin;
  Effects out;
  node.on_packet(0, node.conn_of(node.links()[0]), p, out);
  EXPECT_TRUE(of_type<Send>(out).empty()) << "the walk ends: nobody else gets it";
  EXPECT_TRUE(of_type<Open>(out).empty());
  EXPECT_EQ(node.degree(), 3u);
}

TEST(HyParView, ADroppedNeighbourKeepsTheDropperInItsPassiveView) {
  Config cfg = with_rule("hyparview:active=3,warmup=0");
  Node node(addr(2), cfg, 1);
  give_links(node, 2);
  const Link dropper = node.links()[0];
  const Address dropper_address = node.peer_address(dropper);
  Packet d;
  d.type = rule_message(HyParView::kDisconnect);
  d.tag = cfg.rule->tag();
  d.origin = dropper_address;
  d.id = 9;
  Effects out;
  node.on_packet(0, node.conn_of(dropper), d, out);
  EXPECT_FALSE(node.linked_to(dropper_address));
  const auto passive = HyParView::passive_view(node);
  EXPECT_NE(std::find(passive.begin(), passive.end(), dropper_address), passive.end());
  // A neighbour that fails without a word is not kept: it may be dead.
  const Link failed = node.links()[0];
  const Address failed_address = node.peer_address(failed);
  out.clear();
  node.on_closed(0, node.conn_of(failed), out);
  const auto after = HyParView::passive_view(node);
  EXPECT_EQ(std::find(after.begin(), after.end(), failed_address), after.end());
}

TEST(HyParView, ShuffleReplyEvictsTheAddressesOurShuffleSentFirst) {
  Config cfg = with_rule("hyparview:passive=4,shuffle_active=0,shuffle_passive=2,warmup=0");
  Node node(addr(2), cfg, 1);
  give_links(node, 2);
  // Fill the passive view with four addresses through FORWARDJOINs noted at ttl == passive_walk.
  for (std::uint32_t k = 0; k < 4; ++k) {
    Packet p = join_req(addr(100 + k), 4, 600 + k);
    p.flags = HyParView::kForwardJoin;
    Effects out;
    node.on_packet(0, node.conn_of(node.links()[0]), p, out);
  }
  ASSERT_EQ(HyParView::passive_view(node).size(), 4u);
  // Shuffle: the timer armed by the first link fires.
  Effects out;
  const auto passive_before = std::vector<Address>(HyParView::passive_view(node).begin(),
                                                   HyParView::passive_view(node).end());
  std::uint64_t shuffle_id = 0;
  std::vector<Address> sent;
  node.on_timer(20 * kSecond, Timer{rule_timer(HyParView::kShuffleTimer), 0}, out);
  for (const Send& s : of_type<Send>(out)) {
    if (s.packet.type != rule_message(HyParView::kShuffle)) continue;
    shuffle_id = s.packet.id;
    sent.assign(s.packet.peers.begin() + 1, s.packet.peers.end());  // after our own address
  }
  ASSERT_NE(shuffle_id, 0u);
  ASSERT_EQ(sent.size(), 2u);
  Packet r;
  r.type = rule_message(HyParView::kShuffleReply);
  r.tag = cfg.rule->tag();
  r.origin = addr(80);
  r.ref = shuffle_id;
  r.peers = {addr(81), addr(82)};
  out.clear();
  node.on_packet(1, kDriverConnBit | 50, r, out);
  const auto passive = HyParView::passive_view(node);
  ASSERT_EQ(passive.size(), 4u);
  for (const Address& a : sent)
    EXPECT_EQ(std::find(passive.begin(), passive.end(), a), passive.end())
        << "an address our shuffle sent away is the one evicted";
  for (const Address& a : passive_before) {
    if (std::find(sent.begin(), sent.end(), a) == sent.end()) {
      EXPECT_NE(std::find(passive.begin(), passive.end(), a), passive.end());
    }
  }
}

TEST(HyParView, LostLinkIsReplacedFromThePassiveViewAndADeadCandidateForgotten) {
  Config cfg = with_rule("hyparview:active=3,warmup=0");
  Node node(addr(2), cfg, 1);
  give_links(node, 3);
  Effects out;
  node.on_packet(0, kDriverConnBit | 1, join_req(addr(60), 0, 555), out);  // drops one to passive
  ASSERT_EQ(HyParView::passive_view(node).size(), 1u);
  const Address candidate = HyParView::passive_view(node)[0];
  out.clear();
  node.on_closed(0, node.conn_of(node.links()[0]), out);
  const auto opens = of_type<Open>(out);
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].to, candidate);
  EXPECT_EQ(opens[0].packet.type, rule_message(HyParView::kNeighbor));
  const auto wakes = of_type<WakeAt>(out);
  ASSERT_EQ(wakes.size(), 1u);
  out.clear();
  node.on_timer(wakes[0].at, wakes[0].timer, out);  // no answer: taken for dead
  EXPECT_TRUE(HyParView::passive_view(node).empty());
  EXPECT_EQ(of_type<Close>(out).size(), 1u);
}

TEST(HyParView, ShuffleReplyIsTakenOnlyForOurOwnShuffle) {
  Config cfg = with_rule("hyparview");
  Node node(addr(2), cfg, 1);
  Effects out;
  node.join(0, addr(1), out);
  const std::uint64_t req = of_type<SendOnce>(out).at(0).packet.id;
  out.clear();
  node.on_packet(1, kDriverConnBit | 7, ack(addr(40), req), out);
  ASSERT_EQ(node.degree(), 1u);
  // The first link arms the shuffle; when it fires, the node sends its shuffle to the neighbour.
  const WakeAt shuffle_timer = of_type<WakeAt>(out).at(0);
  out.clear();
  node.on_timer(shuffle_timer.at, shuffle_timer.timer, out);
  const auto shuffles = of_type<Send>(out);
  ASSERT_EQ(shuffles.size(), 1u);
  EXPECT_EQ(shuffles[0].packet.type, rule_message(HyParView::kShuffle));
  const std::uint64_t ours = shuffles[0].packet.id;

  Packet r;
  r.type = rule_message(HyParView::kShuffleReply);
  r.tag = cfg.rule->tag();
  r.origin = addr(80);
  r.peers = {addr(81), addr(82)};
  r.ref = ours + 1;  // answers someone else's shuffle: refused
  out.clear();
  node.on_packet(2, kDriverConnBit | 20, r, out);
  EXPECT_TRUE(HyParView::passive_view(node).empty());
  EXPECT_EQ(of_type<Note>(out).at(0).kind, NoteKind::UnexpectedPacket);
  EXPECT_EQ(of_type<Close>(out).size(), 1u) << "the reply's throw-away connection is closed";

  r.ref = ours;  // answers ours: its addresses join the passive view
  out.clear();
  node.on_packet(2, kDriverConnBit | 21, r, out);
  const auto passive = HyParView::passive_view(node);
  ASSERT_EQ(passive.size(), 2u);
  EXPECT_EQ(passive[0], addr(81));
  EXPECT_EQ(passive[1], addr(82));

  out.clear();  // a second answer to the same shuffle is refused: the shuffle was answered
  r.peers = {addr(83)};
  node.on_packet(2, kDriverConnBit | 22, r, out);
  EXPECT_EQ(HyParView::passive_view(node).size(), 2u);
}

// ---- Parser -----------------------------------------------------------------------------------

TEST(RuleSpec, ParsesNamesAndParameters) {
  int hops = 64;
  EXPECT_EQ(parse_join_rule("seed", hops)->name(), "seed");
  const RulePtr f = parse_join_rule("fixed:p=0.25,warmup=3,max_hops=20", hops);
  EXPECT_EQ(f->name(), "fixed");
  EXPECT_DOUBLE_EQ(f->params().real("p"), 0.25);
  EXPECT_EQ(f->params().integer("warmup"), 3);
  EXPECT_EQ(hops, 20);
  EXPECT_EQ(parse_join_rule("degree_capped:d=5", hops)->params().integer("d"), 5);
  EXPECT_EQ(parse_join_rule("mh_walk", hops)->name(), "mh_walk");
  EXPECT_EQ(to_string(parse_join_rule("fixed:p=0.25,warmup=3", hops)), "fixed:p=0.25,warmup=3");
  EXPECT_EQ(to_string(parse_join_rule("random_walk", hops)), "random_walk:length=10,warmup=0");
  EXPECT_EQ(parse_join_rule("hyparview", hops)->params().duration("shuffle_period_ms"),
            10 * kSecond);
}

TEST(RuleSpec, MinimumAboveWhatTheRuleCanHoldIsRefused) {
  Config cfg = with_rule("degree_capped:d=8");
  cfg.min_connections = 12;
  EXPECT_THROW(cfg.validate(true), std::invalid_argument);
  cfg.min_connections = 8;
  EXPECT_NO_THROW(cfg.validate(true));
  cfg = with_rule("hyparview:shuffles=0");
  EXPECT_THROW(cfg.validate(true), std::invalid_argument) << "endless shuffles in the simulator";
  EXPECT_NO_THROW(cfg.validate(false));
}

TEST(RuleSpec, RejectsBadSpecsWithAOneLineMessage) {
  int hops = 64;
  for (const char* bad :
       {"", "nope", "fixed:p=2", "fixed:p=", "fixed:q=1", "fixed:p=0.5,", "random_walk:length=-1",
        "degree_capped:d=x", "seed:warmup=1", "fixed:p=nan", "fixed:p=0.5:p=1"}) {
    try {
      parse_join_rule(bad, hops);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
  EXPECT_EQ(hops, 64);
}

}  // namespace
}  // namespace p2p
