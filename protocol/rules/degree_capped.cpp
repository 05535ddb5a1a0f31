// degree_capped: accept while degree < d, the blog's d-regular idea, deadlock included: once
// every node is full, a request walks until its hop limit.
#include <algorithm>

#include "protocol/config.hpp"
#include "protocol/rules/builtin.hpp"
#include "protocol/walk_rule.hpp"

namespace p2p {
namespace {

class DegreeCapped final : public WalkRule {
 public:
  explicit DegreeCapped(const RuleParams& params)
      : WalkRule(params), d_(static_cast<int>(params.integer("d"))) {}
  // d, or --max-connections when that is lower.
  std::size_t link_cap(const Config& config) const override {
    if (config.max_connections == 0 || d_ < config.max_connections)
      return static_cast<std::size_t>(d_);
    return static_cast<std::size_t>(config.max_connections);
  }
  bool accepts(NodeContext& node, const JoinHop& request) const override {
    return eligible(node, request);  // eligible() checks the cap, which is d
  }

 private:
  int d_;
};

}  // namespace

RuleInfo degree_capped_rule() {
  return {"degree_capped",
          "accept while degree < d: the post's d-regular idea, with its deadlock",
          {RuleParam::integer("d", 8, 1, 100000, "the most links a node holds"),
           WalkRule::walk_warmup()},
          [](const RuleParams& p) { return std::make_unique<DegreeCapped>(p); }};
}

}  // namespace p2p
