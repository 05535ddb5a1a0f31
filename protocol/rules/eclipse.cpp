// eclipse: an attacker that tries to fill its targets' links with attackers, so that what they
// hear is what the attackers let through (by default it relays nothing). Two ways in, each a
// defence's test:
// - via=0: HyParView's high-priority NEIGHBOR ("I have no link left"), which a full view makes
//   room for by dropping an honest link; HyParView honours it at most once per
//   priority_interval_ms (0 turns the defence off).
// - via=1: JOIN_ACKs answering nothing, each a new connection; the seed's code keeps them all
//   (seed:any_ack=1), every rule that checks answers refuses them. With signing on they are
//   signed as well as an attacker can (its own key, the target's as the asker), so signing alone
//   does not refuse them: an acceptor's signature proves who answers, not that anyone asked.
#include "protocol/hyparview/hyparview.hpp"
#include "protocol/node_context.hpp"
#include "protocol/rules/adversary.hpp"
#include "protocol/rules/builtin.hpp"

namespace p2p {
namespace {

class Eclipse final : public Adversary {
 public:
  explicit Eclipse(const RuleParams& params)
      : Adversary(params, params.integer("relay") != 0),
        via_(static_cast<int>(params.integer("via"))),
        target_(static_cast<int>(params.integer("target"))),
        conns_(static_cast<int>(params.integer("conns"))),
        hyparview_tag_(make_rule("hyparview")->tag()) {}

 private:
  void attack(NodeContext& node, std::uint64_t) const override {
    if (target_ == 0) {
      hit(node, node.entry());
      return;
    }
    // Copied: hit() may learn nothing new, but the state's vector must not move under us.
    const std::vector<Address> targets(learned(node).begin(), learned(node).end());
    for (const Address& t : targets) hit(node, t);
  }

  void hit(NodeContext& node, const Address& target) const {
    if (!target.dialable() || target == node.self()) return;
    for (int k = 0; k < conns_; ++k) {
      Packet p;
      p.origin = node.self();
      p.id = node.rng().next();
      if (via_ == 0) {
        // One link per target is all HyParView grants a peer; the answer is a JOIN_ACK naming
        // this request, kept by on_join_ack.
        if (node.linked_to(target)) return;
        p.type = rule_message(HyParView::kNeighbor);
        p.tag = hyparview_tag_;
        p.flags = HyParView::kHighPriority;
        node.remember_request(p.id);
        if (const AuthPtr& a = node.config().auth) auth::sign_opening(*a, node.self(), p);
        node.open(target, std::move(p));
      } else {
        // A JOIN_ACK is the first packet of a link: held from our side at once, kept from
        // theirs only by a node that does not check what it answers.
        p.type = PacketType::JoinAck;
        p.ref = node.rng().next();
        // Signed, it names the target's public key and signs with its own: the signature holds,
        // and only the check that it answers an outstanding request refuses it.
        if (const AuthPtr& a = node.config().auth)
          auth::sign_join_ack(*a, node.self(), a->key(target), p);
        const ConnId c = node.open(target, std::move(p));
        node.add_link(c, target);
      }
    }
  }

  int via_;
  int target_;
  int conns_;
  std::uint16_t hyparview_tag_;
};

}  // namespace

RuleInfo eclipse_rule() {
  std::vector<RuleParam> params = {
      RuleParam::integer("via", 0, 0, 1,
                         "0: HyParView NEIGHBOR requests with the high-priority flag; 1: JOIN_ACKs "
                         "that answer nothing"),
      RuleParam::integer("target", 0, 0, 1,
                         "0: the entry it joined through (every attacker on one node); 1: each "
                         "newcomer whose JOIN_REQ passed through it"),
      RuleParam::integer("conns", 1, 1, 64, "connections opened to each target per round"),
      RuleParam::integer("relay", 0, 0, 1,
                         "1: pass on the chat messages it receives; 0: deliver them and drop "
                         "them")};
  for (RuleParam& p : Adversary::common_params(1000, 20)) params.push_back(std::move(p));
  return {"eclipse",
          "attacker: tries to fill its targets' links, by NEIGHBOR priority or JOIN_ACKs",
          std::move(params), [](const RuleParams& p) { return std::make_unique<Eclipse>(p); }};
}

}  // namespace p2p
