// flooder: an attacker that injects chat messages with distinct ids at a rate, each sent to every
// link it holds, as one peer flooding its neighbours would. Honest nodes deliver and pass on
// each id once while they remember it (the seen set's time to live and budget), and a copy
// travels at most message_hops links; the figures show what that costs the overlay.
#include <cmath>

#include "protocol/node_context.hpp"
#include "protocol/rules/adversary.hpp"
#include "protocol/rules/builtin.hpp"

namespace p2p {
namespace {

class Flooder final : public Adversary {
 public:
  explicit Flooder(const RuleParams& params)
      : Adversary(params, true),
        per_round_(params.real("rate") * static_cast<double>(params.duration("interval_ms")) /
                   static_cast<double>(kSecond)) {}

 private:
  void attack(NodeContext& node, std::uint64_t round) const override {
    // Ids due by the end of this round less those due by its start: the rate holds on average
    // whatever the round length.
    const auto due = [&](std::uint64_t r) {
      return static_cast<std::uint64_t>(std::floor(per_round_ * static_cast<double>(r)));
    };
    for (std::uint64_t k = due(round); k < due(round + 1); ++k) {
      const Packet p = message(node, node.self(), "flood");
      for (const Link& l : node.links()) node.send(l, p);
    }
  }

  double per_round_;
};

}  // namespace

RuleInfo flooder_rule() {
  std::vector<RuleParam> params = {
      RuleParam::real("rate", 100, 0, 1e6, "distinct message ids injected per second")};
  for (RuleParam& p : Adversary::common_params(100, 100)) params.push_back(std::move(p));
  return {"flooder",
          "attacker: injects chat messages with distinct ids at `rate` per second to all its links",
          std::move(params), [](const RuleParams& p) { return std::make_unique<Flooder>(p); }};
}

}  // namespace p2p
