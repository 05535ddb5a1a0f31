// The attackers through the conformance suite every rule passes (the eclipse attacker relaying,
// since a censor by design breaks "a flood reaches the whole component"; few messages each, since
// in a network of attackers alone every node floods), and the spoofer's message as an honest
// node sees it.
#include "sim/rule_conformance.hpp"

INSTANTIATE_TEST_SUITE_P(Adversary, RuleConformance,
                         ::testing::Values("flooder:rate=10,rounds=1",
                                           "flooder:rate=10,rounds=1,accept=0.5",
                                           "spoofer:rounds=1", "spoofer:victim=1,rounds=2",
                                           "eclipse:relay=1", "eclipse:via=1,relay=1,conns=3"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param)
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

namespace p2p {
namespace {

TEST(Spoofer, ItsMessageIsDeliveredAsTheVictims) {
  const Address victim = sim::address_of(1);  // the entry it joined through
  Config attack;
  attack.rule = parse_join_rule("spoofer:rounds=1");
  Node spoofer(sim::address_of(2), attack, 7);
  conformance::give_links(spoofer, 2);
  ASSERT_EQ(spoofer.degree(), 2u);
  Effects out;
  spoofer.on_timer(10 * kSecond, Timer{rule_timer(0), 0}, out);
  std::vector<Packet> sent;
  for (const Effect& e : out)
    if (const auto* s = std::get_if<Send>(&e)) sent.push_back(s->packet);
  ASSERT_EQ(sent.size(), 2u) << "one copy to each link";
  EXPECT_EQ(sent[0].type, PacketType::Message);
  EXPECT_EQ(sent[0].origin, victim);
  EXPECT_EQ(sent[0], sent[1]);

  Config fair;
  fair.rule = parse_join_rule("inverse_degree");
  Node honest(sim::address_of(5000), fair, 8);
  conformance::give_links(honest, 1);
  ASSERT_EQ(honest.degree(), 1u);
  out.clear();
  honest.on_packet(11 * kSecond, honest.conn_of(honest.links()[0]), sent[0], out);
  const Deliver* d = nullptr;
  for (const Effect& e : out)
    if (const auto* x = std::get_if<Deliver>(&e)) d = x;
  ASSERT_NE(d, nullptr) << "nothing in the message says it is not the victim's";
  EXPECT_EQ(d->origin, victim);
  EXPECT_EQ(d->text, "spoofed");
}

TEST(Spoofer, RoundsAreBoundedSoASimulationDrains) {
  Config attack;
  attack.rule = parse_join_rule("spoofer:rounds=2");
  Node spoofer(sim::address_of(2), attack, 7);
  conformance::give_links(spoofer, 1);
  Effects out;
  spoofer.on_timer(1, Timer{rule_timer(0), 0}, out);
  bool rearmed = false;
  for (const Effect& e : out) rearmed = rearmed || std::holds_alternative<WakeAt>(e);
  EXPECT_TRUE(rearmed) << "a second round follows the first";
  out.clear();
  spoofer.on_timer(2, Timer{rule_timer(0), 1}, out);
  for (const Effect& e : out) EXPECT_FALSE(std::holds_alternative<WakeAt>(e)) << "no third";
}

}  // namespace
}  // namespace p2p
