// Flood: chat messages reach every node of the component once per id.
#include <utility>

#include "protocol/node.hpp"

namespace p2p {

void Node::on_say(const Say& in, Effects& out) {
  Packet p;
  p.type = PacketType::Message;
  p.origin = self_;
  p.id = rng_.next();
  p.text = in.text;
  seen_.insert(p.id, now_, config_->seen);
  out.push_back(Note{NoteKind::MessageOriginated, self_, p.id});
  flood(p, 0, out);
}

void Node::on_message(ConnId conn, const Packet& packet, Effects& out) {
  if (!seen_.insert(packet.id, now_, config_->seen)) {
    out.push_back(Note{NoteKind::DuplicateMessage, packet.origin, packet.id});
    return;
  }
  out.push_back(Deliver{packet.origin, packet.id, packet.text});
  // This copy crossed hops + 1 links; the next would cross one more.
  if (packet.hops + 1 >= config_->message_hops) return;  // delivered, not forwarded further
  if (!config_->rule->traits().relays) return;
  Packet fwd = packet;
  if (fwd.hops < 255) ++fwd.hops;
  // The seed announces to every connection, the one the message came from included; the other
  // rules spare the neighbour that has it already.
  flood(fwd, config_->rule->traits().floods_back ? 0 : conn, out);
}

void Node::flood(const Packet& packet, ConnId except, Effects& out) {
  for (const Link& l : links_)
    if (except == 0 || l.conn != except) out.push_back(Send{l.conn, l.peer, packet});
}

}  // namespace p2p
