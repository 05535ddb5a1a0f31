// seed: the blog post's code as written, flaws included. A node accepts a JOIN_REQ with
// probability 1/(degree+1), drawing before it checks that the request is not its own; a refused
// request goes to any neighbour (the newcomer's own link included) with a fresh id; every JOIN_ACK
// is kept (any_ack=1, the faithful reproduction; real peers run any_ack=0, which keeps only an
// answer to a request of their own); a chat message goes back over the link it came on too; no
// cap, no retries.
#include "protocol/node_context.hpp"
#include "protocol/rules/builtin.hpp"

namespace p2p {
namespace {

class SeedRule final : public JoinRule {
 public:
  explicit SeedRule(const RuleParams& params)
      : JoinRule(params, RuleTraits{.floods_back = true,
                                    .checks_acks = params.integer("any_ack") == 0,
                                    .keeps_asking = false}) {}

  std::size_t link_cap(const Config&) const override { return 0; }
  int min_links(const Config&) const override { return 0; }

  [[gnu::hot]] HopStep join_hop(NodeContext& node, ConnId, const Link*,
                                JoinHop& request) const override {
    const bool accepting = node.rng().uniform() < 1.0 / static_cast<double>(node.degree() + 1) &&
                           request.origin != node.self();
    if (accepting) {
      if (request.ref != 0) request.id = request.ref;  // answer the newcomer's own id
      return HopStep::accept();
    }
    if (request.hops >= node.config().max_hops) return HopStep::drop(NoteKind::JoinDroppedHops);
    if (node.degree() == 0) return HopStep::drop(NoteKind::JoinDroppedNoLink);
    const Link& next = node.links()[node.rng().below(node.degree())];
    // As the seed does, a passed-on request gets a fresh id, so it may be accepted if it
    // returns; the newcomer's own id rides in `ref`, so the answer can still name it.
    if (request.ref == 0) request.ref = request.id;
    request.id = node.rng().next();
    ++request.hops;
    return HopStep::pass_on(next);
  }
  [[gnu::hot]] const Link* next_hop_read(const Node& node) const override {
    // join_hop's draws: whether to accept (not looked at: the request then goes nowhere), then
    // the link.
    if (node.degree() == 0) return nullptr;
    Rng rng = node.generator();
    rng.next();
    return &node.links()[rng.below(node.degree())];
  }
};

}  // namespace

RuleInfo seed_rule() {
  return {"seed",
          "the blog post's code as written: accept with 1/(degree+1), flaws included",
          {RuleParam::integer("any_ack", 1, 0, 1,
                              "1: keep every JOIN_ACK, as the post's code does; 0: only an answer "
                              "to a JOIN_REQ of ours still outstanding")},
          [](const RuleParams& p) { return std::make_unique<SeedRule>(p); }};
}

}  // namespace p2p
