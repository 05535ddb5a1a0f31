// HyParView's join walks, view maintenance and shuffles. Defaults follow the paper's evaluation
// (active view 5, passive view 30, active random walk length 6, passive random walk length 3,
// shuffles of 3 active and 4 passive addresses). Where the code departs from the paper:
// - A JOIN first walks `warmup` hops from the entry before a node becomes the contact: with every
//   newcomer joining the entry itself, the overlay grows into a chain.
// - A NEIGHBOR request unanswered after neighbor_timeout_ms counts as refused by a dead peer (the
//   paper relies on TCP to report it), and its peer leaves the passive view.
// - Shuffles are bounded in number in the simulator, which runs until no event is left.
// - A FORWARDJOIN's time to live travels as a hop count: hops = length - ttl + 1.
#include "protocol/hyparview/hyparview.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "protocol/config.hpp"
#include "protocol/node_context.hpp"
#include "protocol/rules/builtin.hpp"

namespace p2p {

struct HyParView::State final : RuleState {
  std::vector<Address> passive;
  ConnId dialing = 0;  // our connection of the NEIGHBOR request awaiting its answer
  Address dialing_peer;
  std::uint64_t last_shuffle = 0;  // id of our shuffle whose reply we would take
  std::vector<Address> last_sent;  // the addresses that shuffle sent: evicted first for the reply
  std::uint32_t shuffles_done = 0;
  std::uint32_t repair_tries = 0;  // passive peers asked since the last link was lost
  Time last_priority = -1;         // when a high-priority NEIGHBOR last made us drop a link
  bool shuffle_armed = false;
};

namespace {

HyParView::State& state(NodeContext& node) {
  return node.state<HyParView::State>();
}

std::vector<Address> sample(Rng& rng, std::span<const Address> from, std::size_t k) {
  std::vector<Address> pool(from.begin(), from.end());
  k = std::min(k, pool.size());
  for (std::size_t i = 0; i < k; ++i) std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
  pool.resize(k);
  return pool;
}

}  // namespace

HyParView::HyParView(const RuleParams& p)
    : JoinRule(p),
      active_(static_cast<int>(p.integer("active"))),
      passive_(static_cast<int>(p.integer("passive"))),
      length_(static_cast<int>(p.integer("length"))),
      passive_walk_(static_cast<int>(p.integer("passive_walk"))),
      shuffle_active_(static_cast<int>(p.integer("shuffle_active"))),
      shuffle_passive_(static_cast<int>(p.integer("shuffle_passive"))),
      shuffle_period_(p.duration("shuffle_period_ms")),
      shuffles_(static_cast<int>(p.integer("shuffles"))),
      warmup_(static_cast<int>(p.integer("warmup"))),
      neighbor_timeout_(p.duration("neighbor_timeout_ms")),
      priority_interval_(p.duration("priority_interval_ms")) {}

RuleInfo HyParView::info() {
  return {
      "hyparview",
      "HyParView (Leitao et al. 2007): small active view, larger passive view, shuffles",
      {
          RuleParam::integer("active", 5, 1, 1000, "active view size: the links a node keeps"),
          RuleParam::integer("passive", 30, 0, 10000, "passive view size: addresses in reserve"),
          RuleParam::integer("length", 6, 0, 255,
                             "active random walk length: hops a FORWARDJOIN walks"),
          RuleParam::integer("passive_walk", 3, 0, 255,
                             "passive random walk length: a FORWARDJOIN notes its newcomer in the "
                             "passive view where its remaining time to live equals this"),
          RuleParam::integer("shuffle_active", 3, 0, 31, "active addresses in a shuffle"),
          RuleParam::integer("shuffle_passive", 4, 0, 32, "passive addresses in a shuffle"),
          RuleParam::millis("shuffle_period_ms", 10000, 1, 86400000, "time between shuffles"),
          RuleParam::integer("shuffles", 8, 0, 1000000,
                             "shuffles a node makes in its life; 0: for ever (real peers only)"),
          // Every newcomer joining the entry itself settles next to the last few newcomers, and
          // the overlay grows into a chain (mean path 26 at 5,000 nodes); ten hops away from the
          // entry first give the paper's shape (mean path 5.9).
          RuleParam::integer("warmup", 10, 0, 255,
                             "hops a JOIN walks from the entry before a node becomes the "
                             "newcomer's contact"),
          RuleParam::millis("neighbor_timeout_ms", 2000, 1, 3600000,
                            "how long a NEIGHBOR request waits before its peer is taken for dead"),
          RuleParam::millis("priority_interval_ms", 10000, 0, 3600000,
                            "a full view drops a link for a high-priority NEIGHBOR at most once "
                            "per this interval"),
      },
      [](const RuleParams& p) { return std::make_unique<HyParView>(p); }};
}

RuleInfo hyparview_rule() {
  return HyParView::info();
}

std::span<const Address> HyParView::passive_view(const Node& node) {
  const auto* s = dynamic_cast<const State*>(node.rule_state());
  return s ? std::span<const Address>(s->passive) : std::span<const Address>();
}

std::size_t HyParView::link_cap(const Config&) const {
  return static_cast<std::size_t>(active_);
}

int HyParView::min_links(const Config&) const {
  return 1;  // with no link left and nobody in the passive view, join again through the entry
}

void HyParView::check(const Config&, bool simulated) const {
  if (simulated && shuffles_ == 0)
    throw std::invalid_argument("hyparview needs shuffles >= 1 in the simulator");
}

std::unique_ptr<RuleState> HyParView::make_state() const {
  return std::make_unique<State>();
}

Packet HyParView::message(NodeContext& node, Message kind) const {
  Packet p;
  p.type = rule_message(kind);
  p.tag = tag();
  p.origin = node.self();
  p.id = node.rng().next();
  return p;
}

void HyParView::remove_passive(NodeContext& node, const Address& a) const {
  auto& passive = state(node).passive;
  const auto it = std::find(passive.begin(), passive.end(), a);
  if (it != passive.end()) passive.erase(it);
}

void HyParView::add_passive(NodeContext& node, const Address& a,
                            std::span<const Address> prefer_evicting) const {
  auto& passive = state(node).passive;
  const auto cap = static_cast<std::size_t>(passive_);
  if (cap == 0 || a == node.self() || !a.dialable() || node.linked_to(a) ||
      std::find(passive.begin(), passive.end(), a) != passive.end())
    return;
  if (passive.size() >= cap) {
    // Evict what we just sent away in a shuffle if we can (the peer has it now), else at random.
    auto victim = passive.end();
    for (const Address& p : prefer_evicting) {
      victim = std::find(passive.begin(), passive.end(), p);
      if (victim != passive.end()) break;
    }
    if (victim == passive.end()) victim = passive.begin() + node.rng().below(passive.size());
    passive.erase(victim);
  }
  passive.push_back(a);
}

void HyParView::make_room(NodeContext& node) const {
  if (node.below_cap() || node.degree() == 0) return;
  const Link* victim = &node.links()[node.rng().below(node.degree())];
  const Address peer = node.address_of(*victim);
  // DISCONNECT first, on the same connection, so the dropped peer keeps us in its passive view
  // (a peer that just fails tells nothing and is forgotten).
  node.send(*victim, message(node, kDisconnect));
  node.drop_link(victim);
  add_passive(node, peer);
}

void HyParView::on_disconnect(NodeContext& node, const Link& link) const {
  const Address peer = node.address_of(link);
  node.drop_link(&link);
  add_passive(node, peer);
  state(node).repair_tries = 0;
  repair(node);
}

void HyParView::accept(NodeContext& node, const Packet& request) const {
  make_room(node);
  node.accept(request);
}

void HyParView::on_connect(NodeContext& node, const Address& entry) const {
  // HyParView joins through one contact; its FORWARDJOIN walks find the other neighbours.
  node.connect(entry, 1);
}

void HyParView::on_join_request(NodeContext& node, ConnId conn, const Link*,
                                Packet& request) const {
  const bool can_take = request.origin != node.self() && !node.linked_to(request.origin);
  const int max_hops = node.config().max_hops;
  if ((request.flags & kForwardJoin) == 0) {
    // JOIN: the entry passes it on for `warmup` hops first, so the contact is not always the
    // entry and its neighbourhood (every newcomer would settle next to the last few otherwise).
    if (request.hops < warmup_ && request.hops < max_hops) {
      if (const Link* next = node.random_link(&request.origin)) {
        ++request.hops;
        node.note(NoteKind::JoinForwarded, request.origin, request.id);
        node.send(*next, std::move(request));
        return;
      }
    }
    // We are the contact. Take the newcomer in, then start a FORWARDJOIN walk through every
    // other neighbour.
    if (can_take) {
      accept(node, request);
      Packet fwd = request;
      fwd.flags = kForwardJoin;
      fwd.hops = 1;
      for (const Link& l : node.links())
        if (node.address_of(l) != request.origin) {
          node.note(NoteKind::JoinForwarded, request.origin, request.id);
          node.send(l, fwd);
        }
    } else {
      node.note(NoteKind::JoinDroppedNoLink, request.origin, request.id);
    }
    return;
  }
  // FORWARDJOIN, received with time to live ttl = length - hops + 1: at ttl 0 or with a single
  // neighbour the walk ends here, in a link if we can take one (already linked: nothing to do);
  // at ttl == passive_walk the newcomer enters our passive view.
  const int ttl = length_ - request.hops + 1;
  if (ttl <= 0 || node.degree() <= 1) {
    if (can_take) accept(node, request);
    return;
  }
  if (ttl == passive_walk_) add_passive(node, request.origin);
  const Link* next = request.hops >= max_hops || request.hops >= 255
                         ? nullptr
                         : node.random_link(&request.origin, conn);
  if (next == nullptr) {
    if (can_take) {
      accept(node, request);
    } else {
      node.note(request.hops >= max_hops ? NoteKind::JoinDroppedHops : NoteKind::JoinDroppedNoLink,
                request.origin, request.id);
    }
    return;
  }
  ++request.hops;
  node.note(NoteKind::JoinForwarded, request.origin, request.id);
  node.send(*next, std::move(request));
}

void HyParView::on_join_ack(NodeContext& node, ConnId conn, const Packet& ack) const {
  State& s = state(node);
  if (conn == s.dialing && s.dialing != 0) {
    // The answer to our neighbour request, on the connection we opened to that very peer.
    const Address peer = s.dialing_peer;
    s.dialing = 0;
    if (node.linked_to(peer) || !node.below_cap()) {
      node.close(conn, peer);
    } else {
      node.add_link(conn, peer);
    }
    repair(node);
    return;
  }
  // FORWARDJOIN walks may answer one request several times: the request stays outstanding.
  keep_answer(node, conn, ack, true);
}

bool HyParView::on_rule_packet(NodeContext& node, ConnId conn, const Link* link,
                               const Packet& packet) const {
  switch (rule_message_kind(packet.type)) {
    case kNeighbor:
      if (link != nullptr) return false;
      on_neighbor(node, conn, packet);
      return true;
    case kShuffle:
      if (link == nullptr) return false;
      on_shuffle(node, conn, packet);
      return true;
    case kShuffleReply:
      on_shuffle_reply(node, packet);
      if (link == nullptr) node.close(conn, packet.origin);
      return true;
    case kDisconnect:
      if (link == nullptr) return false;
      on_disconnect(node, *link);
      return true;
    default:
      return false;
  }
}

void HyParView::on_neighbor(NodeContext& node, ConnId conn, const Packet& packet) const {
  // With signing on, the asker proves the key it holds, and our answer is signed for that key.
  const AuthPtr& signing = node.config().auth;
  PublicKey asker{};
  if (signing && !(auth::verify_opening(*signing, packet) && auth::author_key(packet, asker))) {
    node.note(NoteKind::BadSignature, packet.origin, packet.id);
    node.close(conn, packet.origin);
    return;
  }
  const bool high = (packet.flags & kHighPriority) != 0;
  State& s = state(node);
  // A peer with no link left asks with high priority, and a full view makes room for it. That
  // repair is rare; honoured at any rate, a handful of such packets would replace every honest
  // link (an eclipse), so a full view does it at most once per priority_interval.
  const bool room =
      node.below_cap() ||
      (high && (s.last_priority < 0 || node.now() - s.last_priority >= priority_interval_));
  if (packet.origin == node.self() || node.linked_to(packet.origin) || !room) {
    node.close(conn, packet.origin);  // refused: the asker tries someone else
    return;
  }
  if (!node.below_cap()) s.last_priority = node.now();
  make_room(node);
  node.add_link(conn, packet.origin);
  Packet ack;
  ack.type = PacketType::JoinAck;
  ack.origin = node.self();
  ack.id = node.rng().next();
  ack.ref = packet.id;
  if (signing) auth::sign_join_ack(*signing, node.self(), asker, ack);
  node.send(conn, packet.origin, std::move(ack));
}

void HyParView::repair(NodeContext& node) const {
  State& s = state(node);
  if (node.left() || s.dialing != 0 || !node.below_cap()) return;
  if (s.passive.empty() || s.repair_tries >= s.passive.size()) {
    // Nobody left to ask: with no link at all, join again through the entry.
    if (node.degree() == 0 && !node.retrying() && node.joined()) node.start_retries();
    return;
  }
  ++s.repair_tries;
  s.dialing_peer = s.passive[node.rng().below(s.passive.size())];
  Packet p = message(node, kNeighbor);
  if (node.degree() == 0) p.flags = kHighPriority;
  if (const AuthPtr& a = node.config().auth) auth::sign_opening(*a, node.self(), p);
  s.dialing = node.open(s.dialing_peer, std::move(p));
  node.wake_at(node.now() + neighbor_timeout_, Timer{rule_timer(kNeighborTimeout), s.dialing});
}

void HyParView::on_neighbor_timeout(NodeContext& node, ConnId conn) const {
  State& s = state(node);
  if (conn != s.dialing || s.dialing == 0) return;  // answered or refused already
  node.close(s.dialing, s.dialing_peer);
  remove_passive(node, s.dialing_peer);  // silent for this long: taken for dead
  s.dialing = 0;
  repair(node);
}

void HyParView::on_conn_closed(NodeContext& node, ConnId conn) const {
  State& s = state(node);
  if (conn != s.dialing || s.dialing == 0) return;
  // Refused (its view is full) or unreachable; it stays a candidate for later.
  s.dialing = 0;
  repair(node);
}

void HyParView::on_link_lost(NodeContext& node) const {
  if (node.left()) return;
  state(node).repair_tries = 0;
  repair(node);
}

void HyParView::ask_for_more(NodeContext& node) const {
  if (node.degree() != 0 || !node.joined()) return;
  const std::uint64_t id = node.rng().next();
  node.remember_request(id);
  node.send_once(node.entry(), node.join_request(id));
}

void HyParView::on_link_up(NodeContext& node, const Link& link) const {
  remove_passive(node, node.address_of(link));
  arm_shuffle(node);
}

void HyParView::on_leave(NodeContext& node) const {
  const auto* s = static_cast<const State*>(node.state_if_any());
  if (s != nullptr && s->dialing != 0) node.close(s->dialing, s->dialing_peer);
}

void HyParView::arm_shuffle(NodeContext& node) const {
  State& s = state(node);
  if (s.shuffle_armed || node.left() ||
      (shuffles_ > 0 && s.shuffles_done >= static_cast<std::uint32_t>(shuffles_)))
    return;
  s.shuffle_armed = true;
  // Spread the first round over a period so nodes that joined together do not shuffle together.
  const Time wait =
      s.shuffles_done == 0
          ? shuffle_period_ / 2 +
                static_cast<Time>(node.rng().below(static_cast<std::uint64_t>(shuffle_period_)))
          : shuffle_period_;
  node.wake_at(node.now() + wait, Timer{rule_timer(kShuffleTimer), s.shuffles_done});
}

void HyParView::on_timer(NodeContext& node, const Timer& t) const {
  State& s = state(node);
  switch (rule_timer_kind(t.kind)) {
    case kShuffleTimer:
      if (t.key == s.shuffles_done && s.shuffle_armed) {
        s.shuffle_armed = false;
        ++s.shuffles_done;
        shuffle(node);
        arm_shuffle(node);
      }
      return;
    case kNeighborTimeout:
      on_neighbor_timeout(node, t.key);
      return;
    default:
      return;
  }
}

void HyParView::shuffle(NodeContext& node) const {
  const Link* to = node.random_link();
  if (to == nullptr) return;
  State& s = state(node);
  std::vector<Address> active;
  active.reserve(node.degree());
  for (const Link& l : node.links()) active.push_back(node.address_of(l));
  Packet p = message(node, kShuffle);
  p.hops = 1;
  p.peers.push_back(node.self());
  for (const Address& a : sample(node.rng(), active, std::size_t(shuffle_active_)))
    p.peers.push_back(a);
  for (const Address& a : sample(node.rng(), s.passive, std::size_t(shuffle_passive_)))
    p.peers.push_back(a);
  s.last_shuffle = p.id;
  s.last_sent.assign(p.peers.begin() + 1, p.peers.end());
  node.send(*to, std::move(p));
}

void HyParView::on_shuffle(NodeContext& node, ConnId conn, Packet packet) const {
  if (packet.peers.size() > kMaxPeersPerPacket) return;
  if (packet.hops < length_ && packet.hops < 255 && node.degree() > 1) {
    if (const Link* next = node.random_link(&packet.origin, conn)) {
      ++packet.hops;
      node.send(*next, std::move(packet));
      return;
    }
  }
  // The walk ends here: answer with as many of our passive addresses, then keep theirs.
  std::vector<Address> mine = sample(node.rng(), state(node).passive, packet.peers.size());
  if (packet.origin != node.self() && packet.origin.dialable()) {
    Packet reply = message(node, kShuffleReply);
    reply.ref = packet.id;
    reply.peers = mine;
    node.send_once(packet.origin, std::move(reply));
  }
  for (const Address& a : packet.peers) add_passive(node, a, mine);
}

void HyParView::on_shuffle_reply(NodeContext& node, const Packet& packet) const {
  // Only the answer to our latest shuffle is taken, so nobody can stuff our passive view.
  State& s = state(node);
  if (s.last_shuffle != 0 && packet.ref == s.last_shuffle) {
    s.last_shuffle = 0;
    // The paper: room is made first by evicting the addresses our shuffle sent away.
    const std::vector<Address> sent = std::move(s.last_sent);
    s.last_sent.clear();
    for (const Address& a : packet.peers) add_passive(node, a, sent);
  } else {
    node.note(NoteKind::UnexpectedPacket, packet.origin, packet.id);
  }
}

}  // namespace p2p
