#include "protocol/node.hpp"

#include <algorithm>
#include <utility>

namespace p2p {

Node::Node(Address self, const Config& config, std::uint64_t seed)
    : config_(&config), self_(self), rng_(seed) {}

void Node::handle(Time /*now*/, const Input& input, Effects& out) {
  std::visit(
      [&](const auto& in) {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, Join>) {
          on_join(in, out);
        } else if constexpr (std::is_same_v<T, Say>) {
          on_say(in, out);
        } else if constexpr (std::is_same_v<T, PacketIn>) {
          on_packet_in(in, out);
        } else if constexpr (std::is_same_v<T, Closed>) {
          on_closed_in(in, out);
        } else if constexpr (std::is_same_v<T, TimerFired>) {
          // No timers are armed by the seed's rule; a stale timer is a no-op.
        } else if constexpr (std::is_same_v<T, Leave>) {
          on_leave(out);
        }
      },
      input);
}

const Link* Node::find_link(ConnId conn) const {
  auto it = std::lower_bound(links_.begin(), links_.end(), conn,
                             [](const Link& l, ConnId c) { return l.conn < c; });
  return it != links_.end() && it->conn == conn ? &*it : nullptr;
}

void Node::add_link(ConnId conn, const Address& peer) {
  auto it = std::lower_bound(links_.begin(), links_.end(), conn,
                             [](const Link& l, ConnId c) { return l.conn < c; });
  links_.insert(it, Link{conn, peer});
}

void Node::on_join(const Join& in, Effects& out) {
  for (int k = 0; k < config_->join_requests; ++k) {
    Packet p;
    p.type = PacketType::JoinReq;
    p.origin = self_;
    p.id = rng_.next();
    out.push_back(SendOnce{in.entry, std::move(p)});
  }
}

void Node::on_say(const Say& in, Effects& out) {
  Packet p;
  p.type = PacketType::Message;
  p.origin = self_;
  p.id = rng_.next();
  p.text = in.text;
  seen_.insert(p.id, config_->seen_capacity);
  out.push_back(Note{NoteKind::MessageOriginated, self_, p.id});
  flood(p, out);
}

void Node::on_packet_in(const PacketIn& in, Effects& out) {
  const Link* link = find_link(in.conn);
  switch (in.packet.type) {
    case PacketType::JoinReq:
      on_join_request(in.conn, link != nullptr, in.packet, out);
      return;
    case PacketType::JoinAck:
      if (link == nullptr) {
        on_join_ack(in.conn, in.packet, out);
        return;
      }
      break;
    case PacketType::Message:
      if (link != nullptr) {
        on_message(in.conn, in.packet, out);
        return;
      }
      break;
  }
  // A packet that makes no sense on this connection: the seed ignores it and drops a new
  // connection; a known link is kept.
  out.push_back(
      Note{NoteKind::UnexpectedPacket, link ? link->peer : in.packet.origin, in.packet.id});
  if (link == nullptr) out.push_back(Close{in.conn, in.packet.origin});
}

void Node::on_join_request(ConnId conn, bool on_link, Packet packet, Effects& out) {
  // The seed draws first, then refuses its own request.
  const bool accepting = config_->accept.accepts(links_.size(), rng_) && packet.origin != self_;
  if (accepting) {
    const ConnId c = allocate_conn();
    add_link(c, packet.origin);
    out.push_back(Note{NoteKind::JoinAccepted, packet.origin, packet.id});
    Packet ack;
    ack.type = PacketType::JoinAck;
    ack.origin = self_;
    ack.id = rng_.next();
    out.push_back(Open{c, packet.origin, std::move(ack)});
    out.push_back(Note{NoteKind::LinkUp, packet.origin, 0});
  } else if (packet.hops >= config_->max_hops) {
    out.push_back(Note{NoteKind::JoinDroppedHops, packet.origin, packet.id});
  } else if (links_.empty()) {
    out.push_back(Note{NoteKind::JoinDroppedNoLink, packet.origin, packet.id});
  } else {
    const Link& next = links_[rng_.below(links_.size())];
    // As the seed does, a passed-on request gets a fresh id, so it may be accepted if it returns.
    packet.id = rng_.next();
    ++packet.hops;
    out.push_back(Note{NoteKind::JoinForwarded, packet.origin, packet.id});
    out.push_back(Send{next.conn, next.peer, std::move(packet)});
  }
  // The connection a JOIN_REQ arrived on is thrown away unless it is a neighbour's link.
  if (!on_link) out.push_back(Close{conn, Address{}});
}

void Node::on_join_ack(ConnId conn, const Packet& packet, Effects& out) {
  // The seed accepts every JOIN_ACK and keeps the connection.
  add_link(conn, packet.origin);
  out.push_back(Note{NoteKind::LinkUp, packet.origin, 0});
}

void Node::on_message(ConnId /*conn*/, const Packet& packet, Effects& out) {
  if (!seen_.insert(packet.id, config_->seen_capacity)) {
    out.push_back(Note{NoteKind::DuplicateMessage, packet.origin, packet.id});
    return;
  }
  out.push_back(Deliver{packet.origin, packet.id, packet.text});
  Packet fwd = packet;
  if (fwd.hops < 255) ++fwd.hops;
  flood(fwd, out);
}

void Node::flood(const Packet& packet, Effects& out) {
  // The seed announces to every connection, the one the message came from included.
  for (const Link& l : links_) out.push_back(Send{l.conn, l.peer, packet});
}

void Node::on_closed_in(const Closed& in, Effects& out) {
  const Link* link = find_link(in.conn);
  if (link == nullptr) return;
  const auto it = links_.begin() + (link - links_.data());
  const Address peer = it->peer;
  links_.erase(it);
  out.push_back(Note{NoteKind::LinkDown, peer, 0});
}

void Node::on_leave(Effects& out) {
  for (const Link& l : links_) {
    out.push_back(Close{l.conn, l.peer});
    out.push_back(Note{NoteKind::LinkDown, l.peer, 0});
  }
  links_.clear();
}

}  // namespace p2p
