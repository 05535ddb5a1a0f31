// Membership: the join protocol under the configured rule, and the minimum-connections retries.
#include "protocol/node.hpp"

#include <algorithm>
#include <utility>

namespace p2p {
namespace {

// JOIN_REQ ids remembered per node at most: a newcomer asking again and again must not grow
// without bound; an answer to a request older than this many is refused.
constexpr std::size_t kMaxOutstanding = 64;

Packet join_request(const Address& origin, std::uint64_t id) {
  Packet p;
  p.type = PacketType::JoinReq;
  p.origin = origin;
  p.id = id;
  return p;
}

}  // namespace

Node::Node(Address self, const Config& config, std::uint64_t seed)
    : config_(&config), self_(self), rng_(seed) {}

void Node::handle(Time now, const Input& input, Effects& out) {
  now_ = now;
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
          on_timer_in(in.timer, out);
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

const Link* Node::find_peer(const Address& peer) const {
  for (const Link& l : links_)
    if (l.peer == peer) return &l;
  return nullptr;
}

bool Node::linked_to(const Address& peer) const {
  return find_peer(peer) != nullptr;
}

bool Node::below_cap() const {
  const std::size_t cap = config_->link_cap();
  return cap == 0 || links_.size() < cap;
}

void Node::add_link(ConnId conn, const Address& peer, Effects& out) {
  auto it = std::lower_bound(links_.begin(), links_.end(), conn,
                             [](const Link& l, ConnId c) { return l.conn < c; });
  links_.insert(it, Link{conn, peer});
  out.push_back(Note{NoteKind::LinkUp, peer, 0});
  if (config_->rule.is_hyparview()) {
    hv_remove_passive(peer);
    hv_arm_shuffle(out);
  }
}

void Node::drop_link(const Link* link, Effects& out) {
  const Link l = *link;
  links_.erase(links_.begin() + (link - links_.data()));
  out.push_back(Close{l.conn, l.peer});
  out.push_back(Note{NoteKind::LinkDown, l.peer, 0});
}

const Link* Node::random_link(const Address* skip_peer, ConnId skip_conn) {
  auto usable = [&](const Link& l) {
    return l.conn != skip_conn && (skip_peer == nullptr || l.peer != *skip_peer);
  };
  std::size_t n = 0;
  for (const Link& l : links_) n += usable(l) ? 1 : 0;
  if (n == 0) return nullptr;
  std::size_t pick = rng_.below(n);
  for (const Link& l : links_)
    if (usable(l) && pick-- == 0) return &l;
  return nullptr;
}

void Node::remember_request(std::uint64_t id) {
  if (pending_.size() >= kMaxOutstanding) pending_.erase(pending_.begin());
  pending_.push_back(id);
}

bool Node::take_request(std::uint64_t id, bool keep) {
  const auto it = std::find(pending_.begin(), pending_.end(), id);
  if (it == pending_.end()) return false;
  if (!keep) pending_.erase(it);
  return true;
}

void Node::on_join(const Join& in, Effects& out) {
  if (config_->rule.is_seed()) {
    for (int k = 0; k < config_->join_requests; ++k)
      out.push_back(SendOnce{in.entry, join_request(self_, rng_.next())});
    return;
  }
  entry_ = in.entry;
  joined_ = true;
  left_ = false;
  // HyParView joins through one contact; its FORWARDJOIN walks find the other neighbours.
  const int requests = config_->rule.is_hyparview() ? 1 : config_->join_requests;
  for (int k = 0; k < requests; ++k) {
    const std::uint64_t id = rng_.next();
    remember_request(id);
    out.push_back(SendOnce{in.entry, join_request(self_, id)});
  }
  ++shortfall_;
  attempt_ = 0;
  arm_retry(out);
}

void Node::on_packet_in(const PacketIn& in, Effects& out) {
  const Link* link = find_link(in.conn);
  const bool hv = config_->rule.is_hyparview();
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
    case PacketType::Neighbor:
      if (hv && link == nullptr) {
        hv_on_neighbor(in.conn, in.packet, out);
        return;
      }
      break;
    case PacketType::Shuffle:
      if (hv && link != nullptr) {
        hv_on_shuffle(in.conn, in.packet, out);
        return;
      }
      break;
    case PacketType::ShuffleReply:
      if (hv) {
        hv_on_shuffle_reply(in.conn, link != nullptr, in.packet, out);
        return;
      }
      break;
  }
  // A packet that makes no sense on this connection: ignored; a new connection is dropped, a
  // known link is kept.
  out.push_back(
      Note{NoteKind::UnexpectedPacket, link ? link->peer : in.packet.origin, in.packet.id});
  if (link == nullptr) out.push_back(Close{in.conn, in.packet.origin});
}

void Node::on_join_request_seed(ConnId conn, bool on_link, Packet packet, Effects& out) {
  // The seed draws first, then refuses its own request.
  const bool accepting =
      rng_.uniform() < 1.0 / static_cast<double>(links_.size() + 1) && packet.origin != self_;
  if (accepting) {
    const ConnId c = allocate_conn();
    out.push_back(Note{NoteKind::JoinAccepted, packet.origin, packet.id});
    Packet ack;
    ack.type = PacketType::JoinAck;
    ack.origin = self_;
    ack.id = rng_.next();
    out.push_back(Open{c, packet.origin, std::move(ack)});
    add_link(c, packet.origin, out);
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

bool Node::rule_accepts(const Packet& packet) {
  const JoinRule& r = config_->rule;
  // Never a second link to the same peer, never a link to ourselves, never beyond the cap, and
  // not before the request has walked its warm-up hops away from the entry.
  const bool eligible =
      packet.origin != self_ && !linked_to(packet.origin) && below_cap() && packet.hops >= r.warmup;
  switch (r.kind) {
    case RuleKind::InverseDegree: {
      const double u = rng_.uniform();
      return eligible && u < 1.0 / static_cast<double>(links_.size() + 1);
    }
    case RuleKind::Fixed: {
      const double u = rng_.uniform();
      return eligible && u < r.p;
    }
    case RuleKind::DegreeCapped:
      return eligible;  // the cap is d: link_cap() has checked it
    case RuleKind::RandomWalk:
    case RuleKind::MetropolisWalk:
      return eligible && packet.hops >= r.length;
    case RuleKind::Seed:
    case RuleKind::HyParView:
      break;
  }
  return false;
}

void Node::on_join_request(ConnId conn, bool on_link, Packet packet, Effects& out) {
  if (config_->rule.is_seed()) return on_join_request_seed(conn, on_link, std::move(packet), out);
  if (config_->rule.is_hyparview())
    return hv_on_join_request(conn, on_link, std::move(packet), out);
  const bool metropolis = config_->rule.kind == RuleKind::MetropolisWalk;
  if (metropolis && on_link && packet.hops > 0 && (packet.flags & kFlagBounced) == 0) {
    // The previous holder proposed a move here; Metropolis-Hastings takes it with probability
    // min(1, deg(previous)/deg(here)), which makes the walk's stationary distribution uniform.
    // A refused move is a step spent at the previous holder: the request goes back to it.
    const double u = rng_.uniform();
    if (u * static_cast<double>(links_.size()) >= static_cast<double>(packet.degree)) {
      packet.flags |= kFlagBounced;
      const Link* back = find_link(conn);
      out.push_back(Note{NoteKind::JoinForwarded, packet.origin, packet.id});
      out.push_back(Send{back->conn, back->peer, std::move(packet)});
      return;
    }
  }
  packet.flags = static_cast<std::uint8_t>(packet.flags & ~kFlagBounced);
  // A walk that cannot go on (the first node of a network, or one whose only neighbour is the
  // newcomer) ends here: taking the newcomer beats dropping it.
  const bool dead_end = random_link(&packet.origin, 0) == nullptr && packet.origin != self_ &&
                        !linked_to(packet.origin) && below_cap();
  if (dead_end || rule_accepts(packet)) {
    accept_request(packet, out);
  } else if (packet.hops >= config_->max_hops) {
    out.push_back(Note{NoteKind::JoinDroppedHops, packet.origin, packet.id});
  } else {
    pass_on(std::move(packet), out);
  }
  if (!on_link) out.push_back(Close{conn, Address{}});
}

void Node::accept_request(const Packet& packet, Effects& out) {
  const ConnId c = allocate_conn();
  out.push_back(Note{NoteKind::JoinAccepted, packet.origin, packet.id});
  Packet ack;
  ack.type = PacketType::JoinAck;
  ack.origin = self_;
  ack.id = rng_.next();
  ack.ref = packet.id;  // the newcomer takes only an answer to a request of its own
  out.push_back(Open{c, packet.origin, std::move(ack)});
  add_link(c, packet.origin, out);
}

void Node::pass_on(Packet packet, Effects& out) {
  // The request keeps its id, so the JOIN_ACK can name it; the link to the newcomer is never
  // chosen (it cannot accept its own request, and we hold that link already).
  const Link* next = random_link(&packet.origin, 0);
  if (next == nullptr) {
    out.push_back(Note{NoteKind::JoinDroppedNoLink, packet.origin, packet.id});
    return;
  }
  ++packet.hops;
  packet.degree = static_cast<std::uint32_t>(links_.size());
  out.push_back(Note{NoteKind::JoinForwarded, packet.origin, packet.id});
  out.push_back(Send{next->conn, next->peer, std::move(packet)});
}

void Node::on_join_ack(ConnId conn, const Packet& packet, Effects& out) {
  if (config_->rule.is_seed()) {
    // The seed accepts every JOIN_ACK and keeps the connection.
    add_link(conn, packet.origin, out);
    return;
  }
  if (config_->rule.is_hyparview() && conn == hv().dialing && hv().dialing != 0) {
    // The answer to our neighbour request, on the connection we opened to that very peer.
    const Address peer = hv().dialing_peer;
    hv().dialing = 0;
    if (linked_to(peer) || !below_cap()) {
      out.push_back(Close{conn, peer});
    } else {
      add_link(conn, peer, out);
    }
    hv_repair(out);
    return;
  }
  // Only an answer to a request of ours still outstanding, from a peer we are not linked to yet,
  // and not beyond the cap. HyParView's FORWARDJOIN walks may answer one request several times.
  const bool ok = packet.origin != self_ && !linked_to(packet.origin) && below_cap() &&
                  take_request(packet.ref, config_->rule.is_hyparview());
  if (!ok) {
    out.push_back(Note{NoteKind::UnexpectedPacket, packet.origin, packet.id});
    out.push_back(Close{conn, packet.origin});
    return;
  }
  add_link(conn, packet.origin, out);
}

void Node::on_closed_in(const Closed& in, Effects& out) {
  const Link* link = find_link(in.conn);
  if (link == nullptr) {
    if (config_->rule.is_hyparview() && in.conn == hv().dialing && hv().dialing != 0)
      hv_on_dial_failed(out);
    return;
  }
  const auto it = links_.begin() + (link - links_.data());
  const Address peer = it->peer;
  links_.erase(it);
  out.push_back(Note{NoteKind::LinkDown, peer, 0});
  on_link_lost(out);
}

void Node::on_link_lost(Effects& out) {
  if (config_->rule.is_seed() || left_) return;
  if (config_->rule.is_hyparview()) {
    hv().repair_tries = 0;
    hv_repair(out);
    return;
  }
  if (config_->min_connections > 0 && links_.size() < std::size_t(config_->min_connections) &&
      !retry_armed_) {
    ++shortfall_;
    attempt_ = 0;
    ask_for_more(out);
    arm_retry(out);
  }
}

void Node::ask_for_more(Effects& out) {
  if (config_->rule.is_hyparview()) {
    if (!links_.empty() || !joined_) return;
    const std::uint64_t id = rng_.next();
    remember_request(id);
    out.push_back(SendOnce{entry_, join_request(self_, id)});
    return;
  }
  const std::size_t want = static_cast<std::size_t>(std::max(config_->min_connections, 1));
  const std::size_t need = want > links_.size() ? want - links_.size() : 0;
  for (std::size_t k = 0; k < need; ++k) {
    const std::uint64_t id = rng_.next();
    // Through a neighbour when we have one, so the entry node is not asked every time.
    if (const Link* via = random_link(nullptr, 0)) {
      remember_request(id);
      out.push_back(Send{via->conn, via->peer, join_request(self_, id)});
    } else if (joined_) {
      remember_request(id);
      out.push_back(SendOnce{entry_, join_request(self_, id)});
    }
  }
}

void Node::arm_retry(Effects& out) {
  const int shift = std::min<int>(attempt_, 20);
  const Time delay = std::min(config_->retry_delay << shift, config_->retry_delay_max);
  retry_armed_ = true;
  out.push_back(WakeAt{now_ + delay,
                       Timer{TimerKind::JoinRetry, (std::uint64_t{shortfall_} << 8) | attempt_}});
}

void Node::end_retries() {
  retry_armed_ = false;
  pending_.clear();
  pending_.shrink_to_fit();  // an idle node keeps no heap for requests
}

void Node::on_timer_in(const Timer& t, Effects& out) {
  if (config_->rule.is_seed() || left_) return;  // the seed arms none; a stale one is a no-op
  switch (t.kind) {
    case TimerKind::JoinRetry: {
      if (!retry_armed_ || t.key != ((std::uint64_t{shortfall_} << 8) | attempt_)) return;
      retry_armed_ = false;
      const int want = config_->rule.is_hyparview() ? 1 : std::max(config_->min_connections, 0);
      if (links_.size() >= std::size_t(want) || attempt_ >= config_->retry_attempts ||
          attempt_ >= 255) {
        end_retries();
        return;
      }
      ++attempt_;
      ask_for_more(out);
      arm_retry(out);
      return;
    }
    case TimerKind::Maintenance:
      if (config_->rule.is_hyparview() && t.key == hv().shuffles_done && hv().shuffle_armed) {
        hv().shuffle_armed = false;
        ++hv().shuffles_done;
        hv_shuffle(t.key, out);
        hv_arm_shuffle(out);
      }
      return;
    case TimerKind::NeighborTimeout:
      if (config_->rule.is_hyparview()) hv_on_neighbor_timeout(t.key, out);
      return;
  }
}

void Node::on_leave(Effects& out) {
  for (const Link& l : links_) {
    out.push_back(Close{l.conn, l.peer});
    out.push_back(Note{NoteKind::LinkDown, l.peer, 0});
  }
  links_.clear();
  if (hv_ && hv_->dialing != 0) out.push_back(Close{hv_->dialing, hv_->dialing_peer});
  hv_.reset();
  left_ = true;
  retry_armed_ = false;
  pending_.clear();
}

}  // namespace p2p
