#include "protocol/walk_rule.hpp"

namespace p2p {

WalkRule::WalkRule(const RuleParams& params, RuleTraits traits)
    : JoinRule(params, traits), warmup_(static_cast<int>(params.integer("warmup"))) {}

RuleParam WalkRule::walk_warmup(long long value) {
  return RuleParam::integer("warmup", value, 0, 255,
                            "hops a request walks before any node may accept it");
}

HopStep WalkRule::join_hop(NodeContext& node, ConnId, const Link*, JoinHop& request) const {
  // A walk that cannot go on (the first node of a network, or one whose only neighbour is the
  // newcomer) ends here: taking the newcomer beats dropping it.
  const bool dead_end = node.random_link(&request.origin) == nullptr &&
                        request.origin != node.self() && !node.linked_to(request.origin) &&
                        node.below_cap();
  if (dead_end || accepts(node, request)) return HopStep::accept();
  if (request.hops >= node.config().max_hops) return HopStep::drop(NoteKind::JoinDroppedHops);
  if (const Link* next = node.random_link(&request.origin)) {
    // The request keeps its id, so the JOIN_ACK can name it; the link to the newcomer is never
    // chosen (it cannot accept its own request, and we hold that link already). It carries our
    // degree, one hop further.
    ++request.hops;
    request.degree = static_cast<std::uint32_t>(node.degree());
    return HopStep::pass_on(*next);
  }
  return HopStep::drop(NoteKind::JoinDroppedNoLink);
}

const Link* WalkRule::next_hop_read(const Node& node) const {
  const std::size_t degree = node.degree();
  if (degree == 0) return nullptr;
  Rng rng = node.generator();
  rng.below(degree);
  for (int i = accept_draws(); i > 0; --i) rng.next();
  return &node.links()[rng.below(degree)];
}

}  // namespace p2p
