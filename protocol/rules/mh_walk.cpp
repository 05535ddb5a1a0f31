// mh_walk: a Metropolis-Hastings random walk of `length` steps, whose stationary distribution is
// uniform over nodes, so the newcomer's neighbours are drawn without the degree bias of a simple
// walk. A move from u to v is taken with probability min(1, deg(u)/deg(v)); a refused move is a
// step spent at u, so the request goes back to u marked as bounced.
#include "protocol/rules/builtin.hpp"
#include "protocol/walk_rule.hpp"

namespace p2p {
namespace {

// Packet::flags bit: a refused Metropolis move returning to the node that proposed it.
constexpr std::uint8_t kBounced = 1;

class MetropolisWalk final : public WalkRule {
 public:
  explicit MetropolisWalk(const RuleParams& params)
      : WalkRule(params), length_(static_cast<int>(params.integer("length"))) {}

  bool accepts(NodeContext& node, const JoinHop& request) const override {
    return eligible(node, request) && request.hops >= length_;
  }

  // Whether a move draws first depends on the request (its hops, flags and the link it came
  // over): no hint.
  const Link* next_hop_read(const Node&) const override { return nullptr; }

  HopStep join_hop(NodeContext& node, ConnId conn, const Link* link,
                   JoinHop& request) const override {
    // A request at the hop limit is never sent on, not even back.
    if (link != nullptr && request.hops > 0 && request.hops < node.config().max_hops &&
        (request.flags & kBounced) == 0) {
      // The previous holder (whose degree the request carries) proposed a move here.
      const double u = node.rng().uniform();
      if (u * static_cast<double>(node.degree()) >= static_cast<double>(request.degree)) {
        request.flags |= kBounced;
        return HopStep::pass_on(*link);  // back, as it came
      }
    }
    request.flags = static_cast<std::uint8_t>(request.flags & ~kBounced);
    return WalkRule::join_hop(node, conn, link, request);
  }

 private:
  int length_;
};

}  // namespace

RuleInfo mh_walk_rule() {
  return {"mh_walk",
          "a Metropolis-Hastings walk of `length` steps: ends at a uniformly chosen node",
          {RuleParam::integer("length", 10, 0, 255, "steps the walk takes before a node accepts"),
           WalkRule::walk_warmup()},
          [](const RuleParams& p) { return std::make_unique<MetropolisWalk>(p); }};
}

}  // namespace p2p
