#pragma once
// Node::on_join_hop_to: a plain JOIN_REQ handled from its fields. Included by the node itself
// and by a driver that calls it with its own sink type, so that the effects of a hop (a note and
// a send) are direct calls into that sink.
#include <type_traits>

#include "protocol/node_context.hpp"

namespace p2p {

template <class Sink>
inline void Node::on_join_hop_to(Time now, ConnId conn, JoinHop& hop, Sink& out) {
  static_assert(std::is_base_of_v<EffectSink, Sink>, "a node's effects go to an EffectSink");
  // Signed requests are checked, and an undialable origin answered, on the packet's path.
  if (config_->auth || !hop.origin.dialable()) {
    Packet request = join_request_of(hop);
    on_packet_in(now, conn, request, out);
    return;
  }
  const Link* link = find_link(conn);
  const JoinRule& rule = *config_->rule;
  NodeContext ctx(*this, out, now);
  const HopStep step = rule.join_hop(ctx, conn, link, hop);
  switch (step.act) {
    case HopStep::Act::PassOn: {
      // What NodeContext::carry_out does with a packet.
      out.note(NoteKind::JoinForwarded, hop.origin, hop.id);
      const Link& next = *step.next;
      if constexpr (requires { out.send_hop_to(ConnId{}, PeerId{}, hop); })
        out.send_hop_to(conn_of(next), next.peer, hop);
      else
        out.send_hop(conn_of(next), peer_address(next), hop);
      break;
    }
    case HopStep::Act::Drop:
      out.note(step.dropped, hop.origin, hop.id);
      break;
    case HopStep::Act::Accept:
      ctx.accept_unsigned(hop.origin, hop.id);  // signed requests took the packet's path
      break;
    case HopStep::Act::Packet: {
      Packet request = join_request_of(hop);  // as it came: the rule has not changed it
      rule.on_join_request(ctx, conn, link, request);
      break;
    }
  }
  // As on the packet's path: a connection that is not a link is thrown away.
  if (link == nullptr) out.close(conn, Address{});
}

}  // namespace p2p
