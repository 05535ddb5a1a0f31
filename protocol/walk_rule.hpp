#pragma once
// The shape most join rules share: a JOIN_REQ walks from node to node, one uniformly chosen
// neighbour at a time (never back to the newcomer), until a node accepts it or the hop limit ends
// it. A rule of this shape only says who accepts: override accepts(). inverse_degree, fixed,
// random_walk, degree_capped and mh_walk are WalkRules.
#include "protocol/join_rule.hpp"
#include "protocol/node_context.hpp"

namespace p2p {

class WalkRule : public JoinRule {
 public:
  // `params` must declare "warmup" (walk_warmup() makes the usual one).
  explicit WalkRule(const RuleParams& params, RuleTraits traits = {});

  // Whether this node takes `request`'s newcomer. `eligible(node, request)` says whether it may.
  virtual bool accepts(NodeContext& node, const JoinHop& request) const = 0;

  // The walk, decided from the request's fields (so the simulator builds no packet for a hop).
  HopStep join_hop(NodeContext& node, ConnId conn, const Link* link,
                   JoinHop& request) const override;
  // The link join_hop would pass the next request to when its newcomer is not among the links
  // (the usual case at a node of high degree): its draws, on a copy of the generator, are the
  // dead-end check's pick, accept_draws() for accepts(), then the link.
  const Link* next_hop_read(const Node& node) const override;
  // How many draws accepts() makes from the generator, for next_hop_read (only a hint: a wrong
  // count costs a useless fetch, no output). Default: none.
  virtual int accept_draws() const { return 0; }

  // The "warmup" parameter: hops a request walks before any node may accept it, so the entry
  // is not the first asked every time.
  static RuleParam walk_warmup(long long value = 0);

 protected:
  // Never a second link to the same peer, never a link to ourselves, never beyond the cap, and
  // not before the request has walked its warm-up hops.
  bool eligible(const NodeContext& node, const JoinHop& request) const {
    return request.origin != node.self() && !node.linked_to(request.origin) && node.below_cap() &&
           request.hops >= warmup_;
  }
  int warmup() const { return warmup_; }

 private:
  int warmup_;
};

}  // namespace p2p
