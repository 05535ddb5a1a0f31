#pragma once
// The conformance suite every join rule must pass, built-in or a user's. Include this header in
// exactly one test file of a GoogleTest program linked with p2p::sim and instantiate it with the
// specs to check:
//
//   #include "sim/rule_conformance.hpp"
//   INSTANTIATE_TEST_SUITE_P(MyRule, RuleConformance, ::testing::Values("my_rule", "my_rule:k=3"));
//
// Each test runs the rule on single nodes (fed packets by hand) and in small simulated networks.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/join_rule.hpp"
#include "protocol/node.hpp"
#include "sim/address.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"

namespace p2p::conformance {

// A config for `spec`; rules that keep asking get a minimum of two links, so retries run too.
inline Config config_for(const std::string& spec) {
  Config c;
  c.rule = parse_join_rule(spec, c.max_hops);
  if (c.rule->traits().keeps_asking) {
    const std::size_t cap = c.link_cap();
    c.min_connections = cap == 0 || cap >= 2 ? 2 : static_cast<int>(cap);
  }
  return c;
}

// A network grown under `config` by the default scenario (node 0 the entry, one arrival every
// 10 ms), a fifth of it crashed once grown, then drained and flooded once.
struct Grown {
  std::unique_ptr<sim::Network> net;
  sim::ScenarioResult result;
};
inline Grown grow(const Config& config, std::uint32_t nodes, std::uint64_t seed,
                  bool crash = true) {
  Grown g;
  g.net = std::make_unique<sim::Network>(config, sim::NetworkOptions{seed, {}});
  sim::Scenario sc = sim::Scenario::growth(nodes, 10 * kMillisecond);
  if (crash) {
    sim::MassFailure f;
    f.at = nodes * 10 * kMillisecond + 20 * kSecond;
    f.fraction = 0.2;
    sc.failures.push_back(f);
  }
  g.result = sim::run_scenario(*g.net, sc, seed);
  return g;
}

// Gives `node` links through its own join protocol: it connects, and every JOIN_REQ it sends is
// answered by a JOIN_ACK from a distinct peer. Returns the effects of the last round.
inline void give_links(Node& node, std::size_t want) {
  std::uint32_t host = 5000;
  for (int round = 0; round < 8 && node.degree() < want; ++round) {
    Effects out;
    node.join(0, sim::address_of(1), out);
    for (std::size_t k = 0; k < out.size() && node.degree() < want; ++k) {
      const Packet* req = nullptr;
      if (const auto* s = std::get_if<SendOnce>(&out[k])) req = &s->packet;
      if (const auto* s = std::get_if<Send>(&out[k])) req = &s->packet;
      if (req == nullptr || req->type != PacketType::JoinReq) continue;
      Packet ack;
      ack.type = PacketType::JoinAck;
      ack.origin = sim::address_of(host);
      ack.id = host;
      ack.ref = req->id;
      Effects more;
      node.on_packet(1, kDriverConnBit | host, ack, more);
      ++host;
    }
  }
}

inline std::size_t component_size(const sim::Network& net, std::uint32_t of) {
  std::vector<std::uint32_t> parent(net.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (auto [i, j] : net.links()) parent[find(i)] = find(j);
  std::size_t n = 0;
  for (std::uint32_t i : net.live()) n += find(i) == find(of) ? 1 : 0;
  return n;
}

}  // namespace p2p::conformance

class RuleConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(RuleConformance, SpecRoundTripsAndNamesEveryParameter) {
  const p2p::RulePtr rule = p2p::parse_join_rule(GetParam());
  const std::string spec = rule->spec();
  EXPECT_EQ(p2p::parse_join_rule(spec)->spec(), spec) << "the canonical spec parses back";
  for (const p2p::RuleParam& p : rule->params().declared())
    EXPECT_NE(spec.find(p.name + "="), std::string::npos) << p.name << " missing from " << spec;
  const p2p::RuleInfo* info = p2p::find_rule(rule->name());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->params.size(), rule->params().declared().size());
}

TEST_P(RuleConformance, BuiltInCodeAndParsedFromItsNameHaveTheSameDefaults) {
  const std::string name = p2p::parse_join_rule(GetParam())->name();
  EXPECT_EQ(p2p::make_rule(name)->spec(), p2p::parse_join_rule(name)->spec());
  EXPECT_EQ(p2p::make_rule(name)->tag(), p2p::parse_join_rule(name)->tag());
}

TEST_P(RuleConformance, LinksAreMutualAndNeverToSelfOnceTheNetworkDrains) {
  const p2p::Config config = p2p::conformance::config_for(GetParam());
  for (std::uint64_t seed : {1, 2}) {
    const auto g = p2p::conformance::grow(config, 300, seed);
    const p2p::sim::Network& net = *g.net;
    EXPECT_EQ(net.pending(), 0u);
    std::map<std::pair<std::uint32_t, std::uint32_t>, int> ends;
    std::size_t links = 0;
    for (std::uint32_t i : net.live()) {
      for (const p2p::Link& l : net.node(i).links()) {
        const std::uint32_t j = l.peer;
        EXPECT_NE(i, j) << "a link to itself at node " << i;
        if (j < net.size() && net.alive(j)) ++ends[{i, j}];
        ++links;
      }
    }
    EXPECT_GT(links, 0u) << "the rule linked nobody";
    for (const auto& [e, count] : ends) {
      const auto back = ends.find({e.second, e.first});
      EXPECT_TRUE(back != ends.end() && back->second == count)
          << "link " << e.first << "-" << e.second << " is held at one end only";
    }
  }
}

TEST_P(RuleConformance, TheHopLimitIsRespected) {
  p2p::Config config = p2p::conformance::config_for(GetParam());
  config.max_hops = 5;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    p2p::Node node(p2p::sim::address_of(2), config, seed);
    p2p::conformance::give_links(node, 3);
    for (std::uint8_t hops : {std::uint8_t{4}, std::uint8_t{5}, std::uint8_t{9}}) {
      p2p::Packet req;
      req.type = p2p::PacketType::JoinReq;
      req.origin = p2p::sim::address_of(9000 + hops);
      req.id = 777 + hops;
      req.hops = hops;
      req.degree = 3;
      std::vector<p2p::ConnId> over{p2p::kDriverConnBit | 1};
      if (node.degree() > 0) over.push_back(node.conn_of(node.links()[0]));
      for (p2p::ConnId conn : over) {
        p2p::Effects out;
        node.on_packet(2, conn, req, out);
        for (const p2p::Effect& e : out) {
          const p2p::Packet* p = nullptr;
          if (const auto* s = std::get_if<p2p::Send>(&e)) p = &s->packet;
          if (const auto* s = std::get_if<p2p::SendOnce>(&e)) p = &s->packet;
          if (p != nullptr && p->type == p2p::PacketType::JoinReq && p->origin == req.origin) {
            EXPECT_LE(p->hops, config.max_hops)
                << "a request arriving with " << int(hops) << " hops went on with " << int(p->hops);
          }
        }
      }
    }
  }
}

TEST_P(RuleConformance, AJoinAckThatAnswersNoRequestIsRefused) {
  const p2p::Config config = p2p::conformance::config_for(GetParam());
  if (!config.rule->traits().checks_acks)
    GTEST_SKIP() << config.rule->name() << " keeps every JOIN_ACK (a faithful reproduction)";
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    p2p::Node node(p2p::sim::address_of(2), config, seed);
    p2p::Effects out;
    node.join(0, p2p::sim::address_of(1), out);
    p2p::Packet ack;
    ack.type = p2p::PacketType::JoinAck;
    ack.origin = p2p::sim::address_of(77);
    ack.id = 1;
    ack.ref = 0x5eed0000 + seed;  // no request of the node has this id
    out.clear();
    node.on_packet(1, p2p::kDriverConnBit | 3, ack, out);
    EXPECT_FALSE(node.linked_to(ack.origin));
    EXPECT_EQ(node.degree(), 0u);
    bool closed = false;
    for (const p2p::Effect& e : out)
      if (const auto* c = std::get_if<p2p::Close>(&e))
        closed = closed || c->conn == (p2p::kDriverConnBit | 3);
    EXPECT_TRUE(closed) << "the connection of an unsolicited JOIN_ACK is closed";
  }
}

TEST_P(RuleConformance, TheSameSeedGivesTheSameRun) {
  const p2p::Config config = p2p::conformance::config_for(GetParam());
  const auto a = p2p::conformance::grow(config, 200, 9);
  const auto b = p2p::conformance::grow(config, 200, 9);
  EXPECT_EQ(a.net->links(), b.net->links());
  EXPECT_EQ(a.net->counters().events, b.net->counters().events);
  EXPECT_EQ(a.net->counters().notes, b.net->counters().notes);
  EXPECT_EQ(a.result.end, b.result.end);
}

TEST_P(RuleConformance, AFloodReachesTheWholeComponent) {
  const p2p::Config config = p2p::conformance::config_for(GetParam());
  for (std::uint64_t seed : {3, 4}) {
    const auto g = p2p::conformance::grow(config, 300, seed);
    ASSERT_TRUE(g.result.flooded);
    const p2p::sim::FloodStats* f = g.net->flood(g.result.flood_id);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->deliveries, p2p::conformance::component_size(*g.net, g.result.flood_origin) - 1)
        << "every node of the origin's component delivers the message once";
  }
}
