// HyParView (Leitao, Pereira, Rodrigues, DSN 2007): a small symmetric active view (the links)
// and a larger passive view of addresses. A newcomer's contact takes it in and sends FORWARDJOIN
// walks that end in more links and seed passive views; a lost link is replaced from the passive
// view; periodic shuffles keep passive views fresh. Flooding runs over the active view.
#include <algorithm>
#include <utility>

#include "protocol/node.hpp"

namespace p2p {

std::vector<Address> Node::hv_sample(std::span<const Address> from, std::size_t k) {
  std::vector<Address> pool(from.begin(), from.end());
  k = std::min(k, pool.size());
  for (std::size_t i = 0; i < k; ++i) std::swap(pool[i], pool[i + rng_.below(pool.size() - i)]);
  pool.resize(k);
  return pool;
}

void Node::hv_remove_passive(const Address& a) {
  const auto it = std::find(hv().passive.begin(), hv().passive.end(), a);
  if (it != hv().passive.end()) hv().passive.erase(it);
}

void Node::hv_add_passive(const Address& a, std::span<const Address> prefer_evicting) {
  const auto cap = static_cast<std::size_t>(config_->rule.passive);
  if (cap == 0 || a == self_ || linked_to(a) ||
      std::find(hv().passive.begin(), hv().passive.end(), a) != hv().passive.end())
    return;
  if (hv().passive.size() >= cap) {
    // Evict what we just sent away in a shuffle if we can (the peer has it now), else at random.
    auto victim = hv().passive.end();
    for (const Address& p : prefer_evicting) {
      victim = std::find(hv().passive.begin(), hv().passive.end(), p);
      if (victim != hv().passive.end()) break;
    }
    if (victim == hv().passive.end())
      victim = hv().passive.begin() + rng_.below(hv().passive.size());
    hv().passive.erase(victim);
  }
  hv().passive.push_back(a);
}

void Node::hv_make_room(Effects& out) {
  if (below_cap() || links_.empty()) return;
  const Link* victim = &links_[rng_.below(links_.size())];
  const Address peer = victim->peer;
  drop_link(victim, out);
  hv_add_passive(peer);
}

void Node::hv_accept(const Packet& packet, Effects& out) {
  hv_make_room(out);
  const ConnId c = allocate_conn();
  out.push_back(Note{NoteKind::JoinAccepted, packet.origin, packet.id});
  Packet ack;
  ack.type = PacketType::JoinAck;
  ack.origin = self_;
  ack.id = rng_.next();
  ack.ref = packet.id;
  out.push_back(Open{c, packet.origin, std::move(ack)});
  add_link(c, packet.origin, out);
}

void Node::hv_on_join_request(ConnId conn, bool on_link, Packet packet, Effects& out) {
  const JoinRule& r = config_->rule;
  const bool can_take = packet.origin != self_ && !linked_to(packet.origin);
  if ((packet.flags & kFlagForwardJoin) == 0) {
    // JOIN: the entry passes it on for `warmup` hops first, so the contact is not always the
    // entry and its neighbourhood (every newcomer would settle next to the last few otherwise).
    if (packet.hops < r.warmup && packet.hops < config_->max_hops) {
      if (const Link* next = random_link(&packet.origin, 0)) {
        ++packet.hops;
        out.push_back(Note{NoteKind::JoinForwarded, packet.origin, packet.id});
        out.push_back(Send{next->conn, next->peer, std::move(packet)});
        if (!on_link) out.push_back(Close{conn, Address{}});
        return;
      }
    }
    // We are the contact. Take the newcomer in, then start a FORWARDJOIN walk through every
    // other neighbour.
    if (can_take) {
      hv_accept(packet, out);
      Packet fwd = packet;
      fwd.flags = kFlagForwardJoin;
      fwd.hops = 1;
      for (const Link& l : links_)
        if (l.peer != packet.origin) {
          out.push_back(Note{NoteKind::JoinForwarded, packet.origin, packet.id});
          out.push_back(Send{l.conn, l.peer, fwd});
        }
    } else {
      out.push_back(Note{NoteKind::JoinDroppedNoLink, packet.origin, packet.id});
    }
    if (!on_link) out.push_back(Close{conn, Address{}});
    return;
  }
  // FORWARDJOIN: accept at the walk's end, or when we have a single neighbour; note the newcomer
  // in the passive view halfway.
  if (can_take && (packet.hops >= r.length || links_.size() <= 1)) {
    hv_accept(packet, out);
  } else {
    if (packet.hops == r.passive_walk) hv_add_passive(packet.origin);
    const Link* next = packet.hops >= config_->max_hops || packet.hops >= 255
                           ? nullptr
                           : random_link(&packet.origin, conn);
    if (next == nullptr) {
      if (can_take) {
        hv_accept(packet, out);
      } else {
        out.push_back(Note{packet.hops >= config_->max_hops ? NoteKind::JoinDroppedHops
                                                            : NoteKind::JoinDroppedNoLink,
                           packet.origin, packet.id});
      }
    } else {
      ++packet.hops;
      out.push_back(Note{NoteKind::JoinForwarded, packet.origin, packet.id});
      out.push_back(Send{next->conn, next->peer, std::move(packet)});
    }
  }
  if (!on_link) out.push_back(Close{conn, Address{}});
}

void Node::hv_on_neighbor(ConnId conn, const Packet& packet, Effects& out) {
  const bool high = (packet.flags & kFlagHighPriority) != 0;
  if (packet.origin == self_ || linked_to(packet.origin) || (!high && !below_cap())) {
    out.push_back(Close{conn, packet.origin});  // refused: the asker tries someone else
    return;
  }
  hv_make_room(out);
  add_link(conn, packet.origin, out);
  Packet ack;
  ack.type = PacketType::JoinAck;
  ack.origin = self_;
  ack.id = rng_.next();
  ack.ref = packet.id;
  out.push_back(Send{conn, packet.origin, std::move(ack)});
}

void Node::hv_repair(Effects& out) {
  if (left_ || hv().dialing != 0 || !below_cap()) return;
  if (hv().passive.empty() || hv().repair_tries >= hv().passive.size()) {
    // Nobody left to ask: with no link at all, join again through the entry.
    if (links_.empty() && !retry_armed_ && joined_) {
      ++shortfall_;
      attempt_ = 0;
      ask_for_more(out);
      arm_retry(out);
    }
    return;
  }
  ++hv().repair_tries;
  hv().dialing_peer = hv().passive[rng_.below(hv().passive.size())];
  hv().dialing = allocate_conn();
  Packet p;
  p.type = PacketType::Neighbor;
  p.origin = self_;
  p.id = rng_.next();
  if (links_.empty()) p.flags = kFlagHighPriority;
  out.push_back(Open{hv().dialing, hv().dialing_peer, std::move(p)});
  out.push_back(
      WakeAt{now_ + config_->neighbor_timeout, Timer{TimerKind::NeighborTimeout, hv().dialing}});
}

void Node::hv_on_neighbor_timeout(ConnId conn, Effects& out) {
  if (conn != hv().dialing || hv().dialing == 0) return;  // answered or refused already
  out.push_back(Close{hv().dialing, hv().dialing_peer});
  hv_remove_passive(hv().dialing_peer);  // silent for this long: taken for dead
  hv().dialing = 0;
  hv_repair(out);
}

void Node::hv_on_dial_failed(Effects& out) {
  // Refused (its view is full) or unreachable; it stays a candidate for later.
  hv().dialing = 0;
  hv_repair(out);
}

void Node::hv_arm_shuffle(Effects& out) {
  const JoinRule& r = config_->rule;
  if (hv().shuffle_armed || left_ ||
      (r.shuffles > 0 && hv().shuffles_done >= std::uint32_t(r.shuffles)))
    return;
  hv().shuffle_armed = true;
  // Spread the first round over a period so nodes that joined together do not shuffle together.
  const Time wait =
      hv().shuffles_done == 0
          ? r.shuffle_period / 2 +
                static_cast<Time>(rng_.below(static_cast<std::uint64_t>(r.shuffle_period)))
          : r.shuffle_period;
  out.push_back(WakeAt{now_ + wait, Timer{TimerKind::Maintenance, hv().shuffles_done}});
}

void Node::hv_shuffle(std::uint64_t /*round*/, Effects& out) {
  const Link* to = random_link(nullptr, 0);
  if (to == nullptr) return;
  const JoinRule& r = config_->rule;
  std::vector<Address> active;
  active.reserve(links_.size());
  for (const Link& l : links_) active.push_back(l.peer);
  Packet p;
  p.type = PacketType::Shuffle;
  p.origin = self_;
  p.id = rng_.next();
  p.hops = 1;
  p.peers.push_back(self_);
  for (const Address& a : hv_sample(active, std::size_t(r.shuffle_active))) p.peers.push_back(a);
  for (const Address& a : hv_sample(hv().passive, std::size_t(r.shuffle_passive)))
    p.peers.push_back(a);
  hv().last_shuffle = p.id;
  out.push_back(Send{to->conn, to->peer, std::move(p)});
}

void Node::hv_on_shuffle(ConnId conn, Packet packet, Effects& out) {
  if (packet.peers.size() > kMaxPeersPerPacket) return;
  if (packet.hops < config_->rule.length && packet.hops < 255 && links_.size() > 1) {
    if (const Link* next = random_link(&packet.origin, conn)) {
      ++packet.hops;
      out.push_back(Send{next->conn, next->peer, std::move(packet)});
      return;
    }
  }
  // The walk ends here: answer with as many of our passive addresses, then keep theirs.
  std::vector<Address> mine = hv_sample(hv().passive, packet.peers.size());
  if (packet.origin != self_) {
    Packet reply;
    reply.type = PacketType::ShuffleReply;
    reply.origin = self_;
    reply.id = rng_.next();
    reply.ref = packet.id;
    reply.peers = mine;
    out.push_back(SendOnce{packet.origin, std::move(reply)});
  }
  for (const Address& a : packet.peers) hv_add_passive(a, mine);
}

void Node::hv_on_shuffle_reply(ConnId conn, bool on_link, const Packet& packet, Effects& out) {
  // Only the answer to our latest shuffle is taken, so nobody can stuff our passive view.
  if (hv().last_shuffle != 0 && packet.ref == hv().last_shuffle) {
    hv().last_shuffle = 0;
    for (const Address& a : packet.peers) hv_add_passive(a);
  } else {
    out.push_back(Note{NoteKind::UnexpectedPacket, packet.origin, packet.id});
  }
  if (!on_link) out.push_back(Close{conn, packet.origin});
}

}  // namespace p2p
