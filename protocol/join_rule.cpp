// JoinRule's default hooks: what most rules do, so a rule overrides only what it changes.
#include "protocol/join_rule.hpp"

#include <stdexcept>
#include <string>

#include "protocol/config.hpp"
#include "protocol/node_context.hpp"

namespace p2p {

JoinRule::JoinRule(RuleParams params, RuleTraits traits)
    : params_(std::move(params)), traits_(traits) {}

JoinRule::~JoinRule() = default;

std::string JoinRule::spec() const {
  const std::string params = params_.canonical();
  return params.empty() ? name_ : name_ + ":" + params;
}

std::string to_string(const JoinRule& rule) {
  return rule.spec();
}

std::size_t JoinRule::link_cap(const Config& config) const {
  return static_cast<std::size_t>(std::max(config.max_connections, 0));
}

int JoinRule::min_links(const Config& config) const {
  return config.min_connections;
}

void JoinRule::check(const Config&, bool) const {}

void Config::validate(bool simulated) const {
  const std::size_t cap = link_cap();
  if (cap > 0 && min_connections > 0 && static_cast<std::size_t>(min_connections) > cap)
    throw std::invalid_argument("--min-connections " + std::to_string(min_connections) +
                                " is more than " + rule->spec() + " can ever hold (" +
                                std::to_string(cap) + " links)");
  if (max_connections > 0 && min_connections > max_connections)
    throw std::invalid_argument("--min-connections " + std::to_string(min_connections) +
                                " is above --max-connections " + std::to_string(max_connections));
  rule->check(*this, simulated);
}

void JoinRule::on_connect(NodeContext& node, const Address& entry) const {
  node.connect(entry, node.config().join_requests);
}

void JoinRule::on_join_request(NodeContext& node, ConnId conn, const Link* link,
                               Packet& request) const {
  JoinHop hop = hop_of(request);
  const HopStep step = join_hop(node, conn, link, hop);
  if (step.act == HopStep::Act::Packet)
    throw std::logic_error("join rule " + name() + " defines neither on_join_request nor join_hop");
  write_hop(hop, request);
  node.carry_out(step, std::move(request));
}

const Link* JoinRule::next_hop_read(const Node&) const {
  return nullptr;
}

HopStep JoinRule::join_hop(NodeContext&, ConnId, const Link*, JoinHop&) const {
  return {};
}

void JoinRule::on_join_ack(NodeContext& node, ConnId conn, const Packet& ack) const {
  if (!traits_.checks_acks) {
    // The seed's code keeps every JOIN_ACK and its connection; never one naming ourselves or
    // nobody, which would be a link to no one.
    if (ack.origin == node.self() || !ack.origin.dialable()) {
      node.note(NoteKind::UnexpectedPacket, ack.origin, ack.id);
      node.close(conn, ack.origin);
      return;
    }
    node.add_link(conn, ack.origin);
    return;
  }
  keep_answer(node, conn, ack, false);
}

void JoinRule::keep_answer(NodeContext& node, ConnId conn, const Packet& ack, bool keep_request) {
  // Only an answer to a request of ours still outstanding, from a peer we are not linked to yet,
  // and not beyond the cap.
  const bool ok = ack.origin != node.self() && !node.linked_to(ack.origin) && node.below_cap() &&
                  node.take_request(ack.ref, keep_request);
  if (!ok) {
    node.note(NoteKind::UnexpectedPacket, ack.origin, ack.id);
    node.close(conn, ack.origin);
    return;
  }
  node.add_link(conn, ack.origin);
}

bool JoinRule::on_rule_packet(NodeContext&, ConnId, const Link*, const Packet&) const {
  return false;
}

void JoinRule::on_timer(NodeContext&, const Timer&) const {}

void JoinRule::on_link_up(NodeContext&, const Link&) const {}

void JoinRule::on_link_lost(NodeContext& node) const {
  if (!traits_.keeps_asking || node.left()) return;
  const int want = min_links(node.config());
  if (want > 0 && node.degree() < static_cast<std::size_t>(want) && !node.retrying())
    node.start_retries();
}

void JoinRule::on_conn_closed(NodeContext&, ConnId) const {}

void JoinRule::ask_for_more(NodeContext& node) const {
  const std::size_t want = static_cast<std::size_t>(std::max(min_links(node.config()), 1));
  const std::size_t need = want > node.degree() ? want - node.degree() : 0;
  for (std::size_t k = 0; k < need; ++k) {
    const std::uint64_t id = node.rng().next();
    // Through a neighbour when we have one, so the entry node is not asked every time.
    if (const Link* via = node.random_link()) {
      node.remember_request(id);
      node.send(*via, node.join_request(id));
    } else if (node.joined()) {
      node.remember_request(id);
      node.send_once(node.entry(), node.join_request(id));
    }
  }
}

void JoinRule::on_leave(NodeContext&) const {}

std::unique_ptr<RuleState> JoinRule::make_state() const {
  return nullptr;
}

}  // namespace p2p
