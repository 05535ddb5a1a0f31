#pragma once
// Attackers as join rules, so a simulation can place a share of them among honest nodes
// (`p2p sim --rule "hyparview+eclipse@5%"`) and measure what they do. An attacker joins the
// overlay with the core packets every rule understands (JOIN_REQs to its entry, keeping every
// answer to them) and takes the newcomers whose JOIN_REQs reach it (all of them by default,
// accept=1), so it holds links into the honest overlay and learns addresses; then, `start_ms` after
// it joined, it attacks once per round for a bounded number of rounds, so a simulation still
// drains. What a round does is the subclass's: flooder.cpp, eclipse.cpp, spoofer.cpp. Its traits
// mark it as an adversary, so the simulator's figures (the honest links it holds, the honest
// delivery ratio) count its nodes apart.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/join_rule.hpp"

namespace p2p {

class Adversary : public JoinRule {
 public:
  // `relays`: whether chat messages it receives are passed on (an eclipse attacker censors).
  Adversary(const RuleParams& params, bool relays);

  // The parameters every attacker has: how readily it takes newcomers, when it starts, how often
  // and how many rounds.
  static std::vector<RuleParam> common_params(long long interval_ms, long long rounds);

  void on_connect(NodeContext& node, const Address& entry) const override;
  void on_join_request(NodeContext& node, ConnId conn, const Link* link,
                       Packet& request) const override;
  void on_join_ack(NodeContext& node, ConnId conn, const Packet& ack) const override;
  void on_timer(NodeContext& node, const Timer& timer) const override;
  std::unique_ptr<RuleState> make_state() const override;

  // Newcomers whose JOIN_REQs passed through this attacker: the addresses it learns of without
  // asking anyone, at most kLearned, the latest replacing the oldest.
  static constexpr std::size_t kLearned = 16;
  static std::span<const Address> learned(NodeContext& node);

 protected:
  // One round of the attack, `round` counting from 0.
  virtual void attack(NodeContext& node, std::uint64_t round) const = 0;
  // A chat message with a fresh id, as if `origin` had said `text`; signed with the attacker's
  // own key when signing is on and `origin` is itself.
  static Packet message(NodeContext& node, const Address& origin, const char* text);

 private:
  double accept_;
  Time start_;
  Time interval_;
  std::uint64_t rounds_;
};

}  // namespace p2p
