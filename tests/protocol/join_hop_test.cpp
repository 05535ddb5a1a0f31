// A JOIN_REQ handed to a node as its fields (Node::on_join_hop) does what the same request does
// as a packet, for every rule: those that decide hops by join_hop and those that read the packet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "protocol/join_rule.hpp"
#include "protocol/node.hpp"
#include "protocol/node_context.hpp"
#include "tests/protocol/packets.hpp"

namespace p2p {
namespace {

using namespace p2p::test_packets;

Config with_rule(const char* spec) {
  Config cfg;
  cfg.rule = parse_join_rule(spec, cfg.max_hops);
  return cfg;
}

// Links to `d` neighbours, through the join protocol (as join_rule_test does).
void give_links(Node& node, std::uint32_t d) {
  for (std::uint32_t k = 0; k < d; ++k) {
    Effects out;
    const ConnId conn = kDriverConnBit | (1000 + k);
    if (!node.config().rule->traits().checks_acks) {
      node.on_packet(0, conn, ack(addr(1000 + k), 0), out);
      continue;
    }
    node.join(0, addr(1), out);
    const auto sent = of_type<SendOnce>(out);
    ASSERT_FALSE(sent.empty());
    out.clear();
    node.on_packet(0, conn, ack(addr(1000 + k), sent[0].packet.id), out);
  }
}

std::string kinds(const Effects& out) {
  std::string s;
  for (const Effect& e : out) s += std::to_string(e.index());
  return s;
}

class JoinHopPath : public ::testing::TestWithParam<const char*> {};

// Two nodes alike (same rule, seed and links); one is handed each request as a packet, the other
// as its fields. Requests come over links and over throw-away connections, from strangers, from
// neighbours and from the node itself, with every field set; ones the other node accepts are
// answered, so both keep growing alike.
TEST_P(JoinHopPath, DoesWhatThePacketDoes) {
  const Config cfg = with_rule(GetParam());
  Node by_packet(addr(2), cfg, 42);
  Node by_hop(addr(2), cfg, 42);
  give_links(by_packet, 4);
  give_links(by_hop, 4);
  ASSERT_EQ(by_packet.degree(), by_hop.degree());
  Rng pick(7);
  int passed = 0, accepted = 0;
  for (int i = 0; i < 400; ++i) {
    JoinHop hop;
    const auto r = pick.below(10);
    hop.origin = r == 0   ? addr(2)
                 : r == 1 ? addr(1000)
                          : addr(3000 + static_cast<std::uint32_t>(i));
    hop.id = pick.next() | 1;
    hop.ref = pick.chance(0.5) ? pick.next() : 0;
    hop.degree = static_cast<std::uint32_t>(pick.below(12));
    hop.flags = static_cast<std::uint8_t>(pick.below(4));
    hop.hops = static_cast<std::uint8_t>(pick.below(70));
    const auto links = by_packet.links();
    const ConnId conn = pick.chance(0.5) ? by_packet.conn_of(links[pick.below(links.size())])
                                         : kDriverConnBit | (5000 + static_cast<std::uint32_t>(i));
    Effects a, b;
    Packet request = join_request_of(hop);
    by_packet.on_packet(i, conn, request, a);
    EffectList sink(b);
    by_hop.on_join_hop(i, conn, hop, sink);
    ASSERT_EQ(a.size(), b.size()) << "request " << i << ": " << kinds(a) << " against " << kinds(b);
    for (std::size_t k = 0; k < a.size(); ++k)
      ASSERT_TRUE(same(a[k], b[k])) << "request " << i << ", effect " << k;
    passed += static_cast<int>(of_type<Send>(a).size());
    accepted += static_cast<int>(of_type<Open>(a).size());
    ASSERT_EQ(by_packet.degree(), by_hop.degree());
  }
  // Both paths were taken many times: the comparison is not of empty effect lists.
  EXPECT_GT(passed, 20) << GetParam();
  EXPECT_GT(accepted, 0) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Rules, JoinHopPath,
                         ::testing::Values("seed", "seed:any_ack=0", "inverse_degree",
                                           "fixed:p=0.2", "random_walk:length=5", "mh_walk",
                                           "degree_capped:d=6", "hyparview"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == ':' || c == '=' || c == '.') c = '_';
                           return name;
                         });

// The seed rule and the walks name, before a hop, the link their join_hop passes the request
// to (for a driver's early fetch): at a node of many links, not linked to the newcomer, every
// request passed on goes over the link named just before; a rule whose draws depend on the
// request (mh_walk), or without the hook, names none.
TEST(JoinHop, RulesNameTheLinkTheyWillPassARequestTo) {
  // Each rule, and how many of 300 requests at least go on (the rest are taken).
  for (const auto& [spec, at_least] :
       {std::pair{"seed", 250}, std::pair{"inverse_degree", 250}, std::pair{"fixed:p=0.1", 220},
        std::pair{"random_walk", 300}, std::pair{"degree_capped:d=20", 300}}) {
    SCOPED_TRACE(spec);
    const Config cfg = with_rule(spec);
    Node node(addr(2), cfg, 42);
    give_links(node, 40);
    Rng pick(11);
    int passed = 0;
    for (int i = 0; i < 300; ++i) {
      const Link* named = cfg.rule->next_hop_read(node);
      ASSERT_NE(named, nullptr);
      ASSERT_GE(named, node.links().data());
      ASSERT_LT(named, node.links().data() + node.degree());
      const ConnId want = node.conn_of(*named);
      JoinHop hop;
      hop.origin = addr(3000 + static_cast<std::uint32_t>(i));
      hop.id = pick.next() | 1;
      hop.hops = 1;
      const auto links = node.links();
      const ConnId conn = node.conn_of(links[pick.below(links.size())]);
      Effects out;
      EffectList sink(out);
      node.on_join_hop(i, conn, hop, sink);
      for (const Send& s : of_type<Send>(out)) {
        EXPECT_EQ(s.conn, want) << "request " << i;
        ++passed;
      }
    }
    EXPECT_GE(passed, at_least);
  }
  const Config plain = with_rule("seed");
  Node node(addr(2), plain, 42);
  give_links(node, 40);
  EXPECT_EQ(with_rule("mh_walk").rule->next_hop_read(node), nullptr);
  EXPECT_EQ(with_rule("hyparview").rule->next_hop_read(node), nullptr);
}

// A rule that decides hops by join_hop only: each request goes on over the first link until
// its third hop, where it is taken.
class ThirdHopTakes final : public JoinRule {
 public:
  ThirdHopTakes() : JoinRule(RuleParams{}) {}
  HopStep join_hop(NodeContext& node, ConnId, const Link*, JoinHop& hop) const override;
};

HopStep ThirdHopTakes::join_hop(NodeContext& node, ConnId, const Link*, JoinHop& hop) const {
  if (hop.hops >= 3) return HopStep::accept();
  if (node.degree() == 0) return HopStep::drop(NoteKind::JoinDroppedNoLink);
  ++hop.hops;
  hop.degree = static_cast<std::uint32_t>(node.degree());
  return HopStep::pass_on(node.links()[0]);
}

// Without on_join_request of its own, a rule's packets are decided by its join_hop, and what a
// packet carries beyond a JoinHop (here a body) goes on with it.
TEST(JoinHop, ARuleOfHopsAloneDecidesPacketsToo) {
  Config cfg;
  cfg.rule = std::make_shared<ThirdHopTakes>();
  Node node(addr(2), cfg, 1);
  give_links(node, 2);
  Packet request = join_req(addr(77), 1, 500);
  request.body = "kept";
  Effects out;
  node.on_packet(0, kDriverConnBit | 9000, request, out);
  const auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].conn, node.conn_of(node.links()[0]));
  EXPECT_EQ(sends[0].packet.hops, 2);
  EXPECT_EQ(sends[0].packet.degree, 2u);
  EXPECT_EQ(sends[0].packet.id, 500u);
  EXPECT_EQ(sends[0].packet.body, "kept");
  const auto notes = of_type<Note>(out);
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0].kind, NoteKind::JoinForwarded);
  // A hop later it is taken: a new connection opened with a JOIN_ACK naming it.
  out.clear();
  node.on_packet(0, kDriverConnBit | 9001, join_req(addr(78), 3, 501), out);
  const auto opens = of_type<Open>(out);
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].packet.type, PacketType::JoinAck);
  EXPECT_EQ(opens[0].packet.ref, 501u);
}

// A walk's next step: uniform over the links that are neither to the skipped peer nor over the
// skipped connection, and no draw at all when there is none.
TEST(RandomLink, UniformOverTheUsableLinksOnly) {
  const Config cfg = with_rule("inverse_degree");
  Node node(addr(2), cfg, 5);
  give_links(node, 6);
  Effects out;
  EffectList sink(out);
  NodeContext ctx(node, sink, 0);
  const auto links = node.links();
  const Address skip = node.peer_address(links[2]);
  const ConnId skip_conn = node.conn_of(links[4]);
  const Address stranger = addr(9999);
  constexpr int kDraws = 12000;
  for (const auto& [peer, conn, usable] :
       {std::tuple{&skip, ConnId{0}, 5}, std::tuple{&skip, skip_conn, 4},
        std::tuple{&stranger, ConnId{0}, 6},
        std::tuple{static_cast<const Address*>(nullptr), ConnId{0}, 6}}) {
    int count[6] = {};
    for (int i = 0; i < kDraws; ++i) {
      const Link* l = ctx.random_link(peer, conn);
      ASSERT_NE(l, nullptr);
      ++count[l - links.data()];
    }
    for (int k = 0; k < 6; ++k) {
      const bool excluded = (peer == &skip && k == 2) || (conn == skip_conn && k == 4);
      if (excluded) {
        EXPECT_EQ(count[k], 0) << "link " << k;
      } else {
        // Binomial(12000, 1/usable): within five standard deviations of its mean.
        const double mean = double(kDraws) / usable;
        EXPECT_NEAR(count[k], mean, 5 * std::sqrt(mean * (1 - 1.0 / usable))) << "link " << k;
      }
    }
  }
  // A node whose only link is to the skipped peer has none to give, and draws nothing.
  Node lone(addr(3), cfg, 5);
  give_links(lone, 1);
  NodeContext lone_ctx(lone, sink, 0);
  const Address only = lone.peer_address(lone.links()[0]);
  const Rng before = lone_ctx.rng();
  EXPECT_EQ(lone_ctx.random_link(&only), nullptr);
  EXPECT_EQ(lone_ctx.rng().state(), before.state());
}

// At a hub (links in a block of its own, whose table of links by peer finds the unusable ones)
// the pick is the one a pass over the links would make: the usable link whose rank among them
// is the generator's next draw below their number. Some peers hold several links, some more than
// the four a hub notes, and links of all three kinds of code are asked for; links close between
// rounds, so the table loses some.
TEST(RandomLink, AHubPicksAsAPassOverItsLinksWould) {
  Config cfg;
  Node node(addr(2), cfg, 9);
  Effects out;
  // 155 links to 40 peers: peer j holds j % 7 + 1 of them. Their ids are the driver's form for
  // the node's own links, the simulator's form with another opener's name (escaped), and small
  // numbers.
  std::uint32_t k = 0;
  for (std::uint32_t j = 0; j < 40; ++j) {
    for (std::uint32_t c = 0; c <= j % 7; ++c, ++k) {
      const ConnId conn = k % 3 == 0   ? ConnId{k + 1}
                          : k % 3 == 1 ? kDriverConnBit | (ConnId{77} << 32) | k
                                       : kDriverConnBit | k;
      node.on_packet(0, conn, ack(addr(5000 + j)), out);
    }
  }
  ASSERT_EQ(node.degree(), 155u);
  auto held_by = [&](std::uint32_t j) {
    return std::count_if(node.links().begin(), node.links().end(),
                         [&](const Link& l) { return node.peer_address(l) == addr(5000 + j); });
  };
  ASSERT_EQ(held_by(6), 7);
  ASSERT_EQ(held_by(13), 7);
  ASSERT_EQ(held_by(5), 6);
  EffectList sink(out);
  NodeContext ctx(node, sink, 0);
  const Address stranger = addr(9999);
  for (int round = 0; round < 3; ++round) {
    const auto links = node.links();
    std::vector<const Address*> skips{nullptr, &stranger};
    std::vector<Address> linked;
    for (std::uint32_t j : {0u, 1u, 3u, 5u, 6u, 13u}) linked.push_back(addr(5000 + j));
    for (const Address& a : linked) skips.push_back(&a);
    std::vector<ConnId> conns{0, ConnId{123456}};
    for (std::size_t i : {std::size_t{0}, links.size() / 2, links.size() - 1, std::size_t{6}})
      conns.push_back(node.conn_of(links[i]));
    for (const Link& l : links)  // a link of each skipped peer's: to skip on both counts
      if (std::find(linked.begin(), linked.end(), node.peer_address(l)) != linked.end())
        conns.push_back(node.conn_of(l));
    int asked = 0;
    for (const Address* skip : skips) {
      for (ConnId conn : conns) {
        std::vector<const Link*> usable;
        for (const Link& l : links)
          if ((skip == nullptr || node.peer_address(l) != *skip) &&
              (conn == 0 || node.conn_of(l) != conn))
            usable.push_back(&l);
        for (int again = 0; again < 3; ++again, ++asked) {
          Rng draw = ctx.rng();
          const Link* want = usable.empty() ? nullptr : usable[draw.below(usable.size())];
          ASSERT_EQ(ctx.random_link(skip, conn), want) << round << " " << asked;
          EXPECT_EQ(ctx.rng().state(), draw.state());
        }
      }
    }
    // Close a fifth of the links, from all over, for the next round.
    for (std::size_t i = node.degree(); i-- > 0;)
      if (i % 5 == static_cast<std::size_t>(round)) ctx.drop_link(&node.links()[i]);
    ASSERT_GT(node.degree(), LinkList::kPeerTableFrom);
  }
}

// A rule that defines neither hook cannot decide a request: a programming error, said as one.
class Undecided final : public JoinRule {
 public:
  Undecided() : JoinRule(RuleParams{}) {}
};

// Passes every effect to an EffectList as the defaults would, and keeps the fields of the typed
// sends: a newcomer's requests and an accepted request's answer.
class FieldsSink final : public EffectSink {
 public:
  explicit FieldsSink(Effects& out) : list_(out) {}
  void send(ConnId c, const Address& to, const Packet& p) override { list_.send(c, to, p); }
  void send(ConnId c, const Address& to, Packet&& p) override { list_.send(c, to, std::move(p)); }
  void send_once(const Address& to, Packet&& p) override { list_.send_once(to, std::move(p)); }
  void open(ConnId c, const Address& to, Packet&& p) override { list_.open(c, to, std::move(p)); }
  void close(ConnId c, const Address& peer) override { list_.close(c, peer); }
  void deliver(Deliver&& d) override { list_.deliver(std::move(d)); }
  void wake_at(Time at, const Timer& t) override { list_.wake_at(at, t); }
  void note(NoteKind k, const Address& peer, std::uint64_t id) override { list_.note(k, peer, id); }
  void send_hop_once(const Address& to, const JoinHop& hop) override {
    requests.push_back(hop);
    EffectSink::send_hop_once(to, hop);
  }
  void open_with_ack(ConnId c, const Address& to, const JoinHop& ack) override {
    acks.push_back(ack);
    EffectSink::open_with_ack(c, to, ack);
  }
  std::vector<JoinHop> requests, acks;

 private:
  EffectList list_;
};

// An unsigned newcomer's requests and an unsigned answer go to the sink as their fields (the
// simulator holds them without building packets): the fields are the node's, drawn from its
// generator in order, and the defaults turn them into the packets a transport sends.
TEST(JoinHop, RequestsAndAnswersGoAsTheirFields) {
  const Config cfg = with_rule("seed");
  Node newcomer(addr(9), cfg, 5);
  Rng draws = newcomer.generator();
  Effects out;
  FieldsSink sink(out);
  newcomer.handle(0, Join{addr(2)}, sink);
  ASSERT_EQ(sink.requests.size(), 4u);
  const auto sent = of_type<SendOnce>(out);
  ASSERT_EQ(sent.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    const JoinHop& r = sink.requests[k];
    EXPECT_EQ(r.origin, addr(9));
    EXPECT_EQ(r.id, draws.next());
    EXPECT_EQ(r.ref, 0u);
    EXPECT_EQ(r.hops, 0);
    EXPECT_EQ(r.degree, 0u);
    EXPECT_EQ(r.flags, 0);
    EXPECT_EQ(sent[k].to, addr(2));
    EXPECT_EQ(sent[k].packet, join_request_of(r));
  }

  // A node without links accepts: the answer names it, a fresh draw, and the request (the
  // newcomer's own id, `ref`, once the request has been passed on). By hop and by packet alike.
  for (const std::uint64_t ref : {std::uint64_t{0}, std::uint64_t{555}}) {
    JoinHop hop;
    hop.origin = addr(9);
    hop.id = 77;
    hop.ref = ref;
    hop.hops = 3;
    for (const bool by_packet : {false, true}) {
      Node entry(addr(2), cfg, 11);
      Rng rng = entry.generator();
      rng.next();  // whether to accept
      Effects got;
      FieldsSink answers(got);
      if (by_packet) {
        entry.handle(0, PacketIn{kDriverConnBit | 3, join_request_of(hop)}, answers);
      } else {
        JoinHop h = hop;
        entry.on_join_hop(0, kDriverConnBit | 3, h, answers);
      }
      ASSERT_EQ(answers.acks.size(), 1u) << by_packet;
      const JoinHop& a = answers.acks[0];
      EXPECT_EQ(a.origin, addr(2));
      EXPECT_EQ(a.id, rng.next());
      EXPECT_EQ(a.ref, ref != 0 ? ref : 77u);
      EXPECT_EQ(a.hops, 0);
      EXPECT_EQ(a.degree, 0u);
      EXPECT_EQ(a.flags, 0);
      const auto opened = of_type<Open>(got);
      ASSERT_EQ(opened.size(), 1u);
      EXPECT_EQ(opened[0].to, addr(9));
      EXPECT_EQ(opened[0].packet, join_ack_of(a));
      EXPECT_EQ(opened[0].packet.type, PacketType::JoinAck);
      ASSERT_EQ(entry.degree(), 1u);
      EXPECT_EQ(entry.conn_of(entry.links()[0]), opened[0].conn);
    }
  }
}

TEST(JoinHop, ARuleWithNeitherHookIsAnError) {
  Config cfg;
  cfg.rule = std::make_shared<Undecided>();
  Node node(addr(2), cfg, 1);
  Effects out;
  EXPECT_THROW(node.on_packet(0, kDriverConnBit | 1, join_req(addr(77)), out), std::logic_error);
}

}  // namespace
}  // namespace p2p
