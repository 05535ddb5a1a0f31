// random_walk: the request walks `length` hops and the node it ends on accepts; a simple random
// walk lands on nodes in proportion to their degree.
#include "protocol/rules/builtin.hpp"
#include "protocol/walk_rule.hpp"

namespace p2p {
namespace {

class RandomWalk final : public WalkRule {
 public:
  explicit RandomWalk(const RuleParams& params)
      : WalkRule(params), length_(static_cast<int>(params.integer("length"))) {}
  bool accepts(NodeContext& node, const JoinHop& request) const override {
    return eligible(node, request) && request.hops >= length_;
  }

 private:
  int length_;
};

}  // namespace

RuleInfo random_walk_rule() {
  return {"random_walk",
          "walk `length` hops, accept at the end: lands on nodes in proportion to degree",
          {RuleParam::integer("length", 10, 0, 255, "hops the walk takes before a node accepts"),
           WalkRule::walk_warmup()},
          [](const RuleParams& p) { return std::make_unique<RandomWalk>(p); }};
}

}  // namespace p2p
