// inverse_degree: the seed's acceptance probability, 1/(degree+1), on a walk with the join
// protocol's flaws fixed: a request keeps its id, never returns to its newcomer, is accepted only
// by a node not yet linked to it and within the cap, and its answer must name it.
#include "protocol/rules/builtin.hpp"
#include "protocol/walk_rule.hpp"

namespace p2p {
namespace {

class InverseDegree final : public WalkRule {
 public:
  using WalkRule::WalkRule;
  int accept_draws() const override { return 1; }  // the uniform draw, always made
  bool accepts(NodeContext& node, const JoinHop& request) const override {
    const double u = node.rng().uniform();
    return eligible(node, request) && u < 1.0 / static_cast<double>(node.degree() + 1);
  }
};

}  // namespace

RuleInfo inverse_degree_rule() {
  return {"inverse_degree",
          "accept with 1/(degree+1) on a walk with the seed's flaws fixed",
          {WalkRule::walk_warmup()},
          [](const RuleParams& p) { return std::make_unique<InverseDegree>(p); }};
}

}  // namespace p2p
