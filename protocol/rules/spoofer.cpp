// spoofer: an attacker that sends chat messages claiming another node as their author. Unsigned,
// nothing in a message proves who wrote it, so honest nodes deliver each as the victim's and pass
// it on. Signed, an author is a key: the spoofer names the victim's public key (public keys are
// no secret) with the signature it can make, its own, and the first honest node drops it.
#include "protocol/node_context.hpp"
#include "protocol/rules/adversary.hpp"
#include "protocol/rules/builtin.hpp"

namespace p2p {
namespace {

class Spoofer final : public Adversary {
 public:
  explicit Spoofer(const RuleParams& params)
      : Adversary(params, true), victim_(static_cast<int>(params.integer("victim"))) {}

 private:
  void attack(NodeContext& node, std::uint64_t) const override {
    const Address entry = node.entry();
    const Address* victim = &entry;
    if (victim_ == 1) {
      const std::span<const Address> known = learned(node);
      if (known.empty()) return;
      victim = &known[node.rng().below(known.size())];
    }
    if (!victim->dialable() || *victim == node.self()) return;
    Packet p = message(node, *victim, "spoofed");
    if (const AuthPtr& a = node.config().auth) {
      const std::uint64_t sequence = p.id;
      auth::sign_message(*a, node.self(), sequence, p);
      const PublicKey claimed = a->key(*victim);
      p.body.replace(0, kPublicKeySize, reinterpret_cast<const char*>(claimed.data()),
                     kPublicKeySize);
      p.id = a->message_id(claimed, sequence);  // the id the victim's own message would have
    }
    for (const Link& l : node.links()) node.send(l, p);
  }

  int victim_;
};

}  // namespace

RuleInfo spoofer_rule() {
  std::vector<RuleParam> params = {RuleParam::integer(
      "victim", 0, 0, 1,
      "whose name it writes under: 0 the entry it joined through, 1 a newcomer whose JOIN_REQ "
      "passed through it, drawn each round")};
  for (RuleParam& p : Adversary::common_params(1000, 10)) params.push_back(std::move(p));
  return {"spoofer", "attacker: sends chat messages claiming another node as their author",
          std::move(params), [](const RuleParams& p) { return std::make_unique<Spoofer>(p); }};
}

}  // namespace p2p
