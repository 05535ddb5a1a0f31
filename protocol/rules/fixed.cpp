// fixed: every node on the walk accepts with the same probability p: a geometric walk length.
#include "protocol/rules/builtin.hpp"
#include "protocol/walk_rule.hpp"

namespace p2p {
namespace {

class Fixed final : public WalkRule {
 public:
  explicit Fixed(const RuleParams& params) : WalkRule(params), p_(params.real("p")) {}
  int accept_draws() const override { return 1; }  // the uniform draw, always made
  bool accepts(NodeContext& node, const JoinHop& request) const override {
    const double u = node.rng().uniform();
    return eligible(node, request) && u < p_;
  }

 private:
  double p_;
};

}  // namespace

RuleInfo fixed_rule() {
  return {"fixed",
          "accept with a fixed probability p at every hop",
          {RuleParam::real("p", 0.5, 0.0, 1.0, "acceptance probability per hop"),
           WalkRule::walk_warmup()},
          [](const RuleParams& p) { return std::make_unique<Fixed>(p); }};
}

}  // namespace p2p
