// The node's shared machinery: input dispatch, links, outstanding requests and the
// minimum-connections retries. Every decision about who links to whom is the rule's.
#include "protocol/node.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <stdexcept>
#include <utility>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "protocol/join_hop.hpp"
#include "protocol/node_context.hpp"

namespace p2p {
namespace {

// Requests remembered per node at most: a newcomer asking again and again must not grow without
// bound; an answer to a request older than this many is refused.
constexpr std::size_t kMaxOutstanding = 64;

// With signing on, a JOIN_REQ whose newcomer's signature does not hold is never acted on: no
// one dials an origin the request does not prove it came from.
bool forged_join_request(const Config& config, const Packet& p) {
  return config.auth && !auth::verify_join_request(*config.auth, p);
}

// The link among `links` (n of them, sorted by key_of) whose key is `want`, or null: a search
// without branches on the comparisons, which a random connection would mispredict half the time.
// It narrows to the last link whose key is at most `want` (or the first link), then checks it.
template <class Key, class KeyOf>
const Link* search_links(const Link* links, std::size_t n, Key want, KeyOf key_of) {
  if (n == 0) return nullptr;
  const Link* base = links;
  while (n > 1) {
    const std::size_t half = n / 2;
    base = key_of(base[half]) <= want ? base + half : base;
    n -= half;
  }
  return key_of(*base) == want ? base : nullptr;
}

// The same, for a `want` whose place is known to be at most `last`, and likely at or just
// before it: looked for from `last` backward, in steps that double, then searched between the
// last two places read. A hub's links are a block of thousands, and a search's dozen dependent
// reads of it missed the cache nearly every time; these reads are one or two lines.
template <class Key, class KeyOf>
const Link* search_links_back(const Link* links, std::size_t last, Key want, KeyOf key_of) {
  if (key_of(links[last]) <= want) return key_of(links[last]) == want ? links + last : nullptr;
  std::size_t hi = last;  // key_of(links[hi]) > want
  std::size_t lo = 0;     // key_of(links[lo]) <= want, once a read has found such a place
  for (std::size_t step = 1; step <= hi; step *= 2) {
    if (key_of(links[hi - step]) <= want) {
      lo = hi - step;
      break;
    }
    hi -= step;
  }
  return search_links(links + lo, hi - lo, want, key_of);
}

// The link among the n <= kInline inline `links` with code `code` and, unless `own` (the node's
// own connection, whose code alone names it: no neighbour's code is below 2^31), peer `peer`, or
// null. All kInline places are compared at once, with no chain of dependent loads as in a
// search; the places past the last link hold stale links and are masked off.
[[gnu::always_inline]] inline const Link* scan_links(const Link* links, std::size_t n,
                                                     std::uint32_t code, std::uint32_t peer,
                                                     bool own) {
  static_assert(sizeof(Link) == 8 && offsetof(Link, code) == 0 && offsetof(Link, peer) == 4);
  std::uint32_t bits = 0;  // bit 2i: link i's code is `code`; bit 2i + 1: its peer is `peer`
#if defined(__SSE2__)
  static_assert(LinkList::kInline % 2 == 0);
  const __m128i want = _mm_set_epi32(static_cast<int>(peer), static_cast<int>(code),
                                     static_cast<int>(peer), static_cast<int>(code));
  for (std::size_t k = 0; k < LinkList::kInline / 2; ++k) {
    const __m128i two = _mm_loadu_si128(reinterpret_cast<const __m128i*>(links + 2 * k));
    const int eq = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(two, want)));
    bits |= static_cast<std::uint32_t>(eq) << (4 * k);
  }
#else
  for (std::size_t i = 0; i < LinkList::kInline; ++i) {
    bits |= std::uint32_t{links[i].code == code} << (2 * i);
    bits |= std::uint32_t{links[i].peer == peer} << (2 * i + 1);
  }
#endif
  const std::uint32_t either = std::uint32_t{0} - static_cast<std::uint32_t>(own);
  const std::uint32_t match =
      bits & ((bits >> 1) | either) & 0x55555555u & ((std::uint32_t{1} << (2 * n)) - 1);
  return match == 0 ? nullptr : links + (std::countr_zero(match) >> 1);
}

}  // namespace

void LinkList::take(LinkList& other) {
  // A spilled list's first inline places hold its block: copying the places moves either kind.
  size_ = other.size_;
  std::copy(other.inline_, other.inline_ + std::min(size_, kInline), inline_);
  other.size_ = 0;
}

[[gnu::hot]] Link* LinkList::insert(const Link* at, const Link& link) {
  Link* links = data();
  const std::size_t k = static_cast<std::size_t>(at - links);
  const std::uint32_t capacity = spilled() ? block().capacity : kInline;
  if (size_ == capacity) {
    // A quarter more, not double: many nodes of a large run hold a block, most of them only a
    // link or two past the inline room, and their spare places were a fifth of its memory.
    const std::uint32_t grown = capacity + std::max<std::uint32_t>(2, capacity / 4);
    Link* moved = new Link[grown];
    std::copy(links, links + k, moved);
    std::copy(links + k, links + size_, moved + k + 1);
    if (spilled()) {
      // The peers' table is made again, for the new room, when next asked.
      const Block old = block();
      delete[] old.links;
      delete[] old.by_peer;
    }
    moved[k] = link;
    set_block({moved, grown, moved[0].code, nullptr, 0});
    ++size_;
    return moved + k;
  }
  std::copy_backward(links + k, links + size_, links + size_ + 1);
  links[k] = link;
  if (spilled()) {
    Block b = block();
    if (b.by_peer != nullptr) add_peer(b, link);
    if (k == 0) {
      b.first = link.code;
      set_block(b);
    }
  }
  ++size_;
  return links + k;
}

void LinkList::erase(const Link* at) {
  Link* links = data();
  const std::size_t k = static_cast<std::size_t>(at - links);
  if (size_ == kInline + 1) {
    // The rest fit inside the node again: they move back, and the block goes.
    const Block b = block();  // before the links overwrite it
    std::copy(links, links + k, inline_);
    std::copy(links + k + 1, links + size_, inline_ + k);
    delete[] b.links;
    delete[] b.by_peer;
  } else {
    if (spilled()) {
      Block b = block();
      if (b.by_peer != nullptr) remove_peer(b, *at);
      if (k == 0) {
        b.first = links[1].code;
        set_block(b);
      }
    }
    std::copy(links + k + 1, links + size_, links + k);
  }
  --size_;
}

void LinkList::add_peer(const Block& b, const Link& link) {
  std::uint32_t i = peer_home(link.peer, b.by_peer_mask);
  while (b.by_peer[i].peer != kNoPeer) i = (i + 1) & b.by_peer_mask;
  b.by_peer[i] = link;
}

void LinkList::remove_peer(const Block& b, const Link& link) {
  const std::uint32_t mask = b.by_peer_mask;
  Link* const slots = b.by_peer;
  std::uint32_t hole = peer_home(link.peer, mask);
  while (slots[hole].peer != link.peer || slots[hole].code != link.code) hole = (hole + 1) & mask;
  // Later slots of the same run move back into the hole unless their home lies after it (as the
  // run wraps): then a search for them would no longer pass the hole's empty slot.
  for (std::uint32_t j = (hole + 1) & mask; slots[j].peer != kNoPeer; j = (j + 1) & mask) {
    const std::uint32_t home = peer_home(slots[j].peer, mask);
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    slots[hole] = slots[j];
    hole = j;
  }
  slots[hole] = Link{};
}

std::size_t LinkList::codes_of(PeerId peer, std::uint32_t* codes, std::size_t max) {
  std::size_t count = 0;
  auto note = [&](const Link& l) {
    if (l.peer != peer) return;
    if (count < max) codes[count] = l.code;
    ++count;
  };
  Block b = spilled() ? block() : Block{};
  if (size_ <= kPeerTableFrom && b.by_peer == nullptr) {
    for (const Link& l : *this) note(l);
    return count;
  }
  if (b.by_peer == nullptr) {
    // At most two thirds full, so a run of probes stays short (twice the places cost a walk's
    // network of a million nodes 7 MiB more, for 0.17% fewer instructions).
    const std::uint32_t slots = std::bit_ceil(b.capacity + b.capacity / 2);
    b.by_peer = new Link[slots];  // every slot empty: a Link's peer starts as kNoPeer
    b.by_peer_mask = slots - 1;
    for (std::size_t i = 0; i < size_; ++i) add_peer(b, b.links[i]);
    set_block(b);
  }
  for (std::uint32_t i = peer_home(peer, b.by_peer_mask); b.by_peer[i].peer != kNoPeer;
       i = (i + 1) & b.by_peer_mask)
    note(b.by_peer[i]);
  return count;
}

void LinkList::clear() {
  release();
}

Node::Node(Address self, const Config& config, std::uint64_t seed)
    : config_(&config), rng_(seed), self_(config.book->hold(self)) {}

void Node::handle(Time now, Input&& input, EffectSink& out) {
  // Exhaustive: an Input alternative without a branch here fails to compile.
  std::visit(
      [&](auto& in) {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, Join>) {
          NodeContext ctx(*this, out, now);
          config_->rule->on_connect(ctx, in.entry);
        } else if constexpr (std::is_same_v<T, Say>) {
          on_say(now, in, out);
        } else if constexpr (std::is_same_v<T, PacketIn>) {
          on_packet_in(now, in.conn, in.packet, out);
        } else if constexpr (std::is_same_v<T, Closed>) {
          on_closed_in(now, in, out);
        } else if constexpr (std::is_same_v<T, TimerFired>) {
          on_timer_in(now, in.timer, out);
        } else if constexpr (std::is_same_v<T, Leave>) {
          on_leave(now, out);
        } else {
          static_assert(sizeof(T) == 0, "an Input the node does not handle");
        }
      },
      input);
}

void Node::on_join_hop(Time now, ConnId conn, JoinHop& hop, EffectSink& out) {
  on_join_hop_to(now, conn, hop, out);
}

[[gnu::hot]] const Link* Node::find_link(ConnId conn) const {
  // Every packet asks this. Up to the inline room the links are scanned whole (scan_links); more
  // are searched by key, ordered as the ids are: the id itself with escaped links about;
  // otherwise the code for the node's own connections (every other code is larger), and
  // peer << 32 | code for a neighbour's (the node's own then count as 0).
  const Link* links = links_.data();
  const std::size_t n = links_.size();
  if (escaped_) [[unlikely]]
    return search_links(links, n, conn, [this](const Link& l) { return conn_of(l); });
  if (n <= LinkList::kInline) {
    // Whether the id is the node's own or a neighbour's is a coin toss along a JOIN_REQ's path:
    // the code and peer to scan for are worked out with masks, not jumps. Own: the id is the
    // code (below kDriver, else it would be escaped), any peer. A neighbour's: kDriver | its low
    // half (below the escaped codes), peer its high half.
    const std::uint64_t driver = std::uint64_t{0} - is_driver_conn(conn);
    const ConnId rest = conn & ~kDriverConnBit;
    const std::uint64_t low = rest & 0xFFFFFFFFu;
    const std::uint64_t checked = (conn & ~driver) | (low & driver);
    const std::uint64_t limit =
        (Link::kDriver & ~driver) | ((Link::kEscaped & ~Link::kDriver) & driver);
    if (checked >= limit) return nullptr;  // it would be escaped
    return scan_links(links, n, static_cast<std::uint32_t>(low | (Link::kDriver & driver)),
                      static_cast<std::uint32_t>((rest >> 32) & driver), driver == 0);
  }
  if (!is_driver_conn(conn)) {
    if (conn >= Link::kDriver) return nullptr;  // it would be escaped
    const auto code = static_cast<std::uint32_t>(conn);
    if (code < links_.first_code()) return nullptr;
    return search_links_back(links, own_place_bound(code), code,
                             [](const Link& l) { return l.code; });
  }
  const ConnId rest = conn & ~kDriverConnBit;
  if ((rest & 0xFFFFFFFFu) >= (Link::kEscaped & ~Link::kDriver)) return nullptr;
  // Links the neighbours opened come after the node's own: a hub opened nearly all of its own,
  // so its few others are in its last places.
  return search_links_back(links, n - 1, rest | Link::kDriver, [](const Link& l) {
    const std::uint64_t key = (std::uint64_t{l.peer} << 32) | l.code;
    return (l.code & Link::kDriver) != 0 ? key : 0;
  });
}

bool Node::linked_to(const Address& peer) {
  const PeerId id = config_->book->find(peer);
  return id != kNoPeer && links_.count_peer(id) > 0;
}

bool Node::below_cap() const {
  const std::size_t cap = config_->link_cap();
  return cap == 0 || links_.size() < cap;
}

[[gnu::hot]] void Node::add_link(Time now, ConnId conn, const Address& peer, EffectSink& out) {
  auto it = std::lower_bound(links_.begin(), links_.end(), conn,
                             [this](const Link& l, ConnId c) { return conn_of(l) < c; });
  Link link{0, config_->book->hold(peer)};
  link.code = Link::encode(conn, link.peer);
  if (link.code == Link::kEscaped) {
    // An id without a code of its own waits in the escape table's first free slot.
    std::vector<ConnId>& table = extras().escapes;
    escaped_ = true;
    const auto free = std::find(table.begin(), table.end(), ConnId{0});
    link.code |= static_cast<std::uint32_t>(free - table.begin());
    if (free == table.end())
      table.push_back(conn);
    else
      *free = conn;
  }
  it = links_.insert(it, link);
  out.note(NoteKind::LinkUp, peer, 0);
  NodeContext ctx(*this, out, now);
  config_->rule->on_link_up(ctx, *it);
}

void Node::drop_link(const Link* link, EffectSink& out) {
  const Address peer = peer_address(*link);
  const ConnId conn = conn_of(*link);
  unlink(link);
  out.close(conn, peer);
  out.note(NoteKind::LinkDown, peer, 0);
}

void Node::unlink(const Link* link) {
  const Link l = *link;
  links_.erase(link);
  config_->book->release(l.peer);
  if (!l.escaped()) return;
  std::vector<ConnId>& table = extras_->escapes;
  table[l.slot()] = 0;
  while (!table.empty() && table.back() == 0) table.pop_back();
  if (!table.empty()) return;
  std::vector<ConnId>().swap(table);
  escaped_ = false;
  trim_extras();
}

const Link* Node::random_link(const Address* skip_peer, ConnId skip_conn) {
  const PeerId skip = skip_peer == nullptr ? kNoPeer : config_->book->find(*skip_peer);
  const std::size_t size = links_.size();
  const Link* const links = links_.data();
  auto usable = [&](const Link& l) {
    return (skip_conn == 0 || conn_of(l) != skip_conn) && (skip == kNoPeer || l.peer != skip);
  };
  // Where the unusable links are (usually none or one: the link a request came over, or one to
  // the request's newcomer), ascending: the chosen usable link's place follows from them.
  constexpr std::size_t kNoted = 4;
  std::size_t skipped[kNoted];
  std::size_t k = 0;  // how many links are unusable
  bool noted = skip == kNoPeer && skip_conn == 0;
  if (!noted && size > LinkList::kPeerTableFrom) {
    // A hub's links are not passed over: a walk asks this twice a hop, and every walk starts at
    // the entry. The block's table names the links to `skip`, and a search finds each of them,
    // as it finds the link over `skip_conn`.
    std::uint32_t codes[kNoted];
    const std::size_t to_skip = skip == kNoPeer ? 0 : links_.codes_of(skip, codes, kNoted);
    const Link* over = skip_conn == 0 ? nullptr : find_link(skip_conn);
    if (over != nullptr && over->peer == skip) over = nullptr;  // counted among those to `skip`
    if (to_skip + (over != nullptr ? 1 : 0) <= kNoted) {
      for (; k < to_skip; ++k)
        skipped[k] = static_cast<std::size_t>(find_link(conn_of(Link{codes[k], skip})) - links);
      if (over != nullptr) skipped[k++] = static_cast<std::size_t>(over - links);
      std::sort(skipped, skipped + k);
      noted = true;
    }
  }
  if (!noted) {
    for (std::size_t i = 0; i < size; ++i) {
      if (usable(links[i])) continue;
      if (k < kNoted) skipped[k] = i;
      ++k;
    }
  }
  if (k == size) return nullptr;
  std::size_t pick = rng_.below(size - k);
  if (k > kNoted) {
    for (const Link& l : links_)
      if (usable(l) && pick-- == 0) return &l;
    return nullptr;
  }
  for (std::size_t j = 0; j < k && skipped[j] <= pick; ++j) ++pick;
  return links + pick;
}

void Node::remember_request(std::uint64_t id) {
  std::vector<std::uint64_t>& pending = extras().pending;
  if (pending.size() >= kMaxOutstanding) pending.erase(pending.begin());
  pending.push_back(id);
}

bool Node::take_request(std::uint64_t id, bool keep) {
  if (!extras_) return false;
  std::vector<std::uint64_t>& pending = extras_->pending;
  const auto it = std::find(pending.begin(), pending.end(), id);
  if (it == pending.end()) return false;
  if (!keep) pending.erase(it);
  return true;
}

void Node::on_packet_in(Time now, ConnId conn, Packet& packet, EffectSink& out) {
  const Link* link = find_link(conn);
  const JoinRule& rule = *config_->rule;
  const PacketType type = packet.type;
  NodeContext ctx(*this, out, now);
  if (type == PacketType::JoinReq && forged_join_request(*config_, packet)) {
    out.note(NoteKind::BadSignature, link ? peer_address(*link) : packet.origin, packet.id);
    if (link == nullptr) out.close(conn, Address{});
    return;
  }
  if (type == PacketType::JoinReq && packet.origin.dialable()) {
    rule.on_join_request(ctx, conn, link, packet);
    // The connection a JOIN_REQ arrived on is thrown away unless it is a neighbour's link.
    if (link == nullptr) out.close(conn, Address{});
    return;
  }
  if (type == PacketType::JoinAck && link == nullptr) {
    // With signing on, only an answer signed by its acceptor for us is looked at further.
    if (config_->auth &&
        !auth::verify_join_ack(*config_->auth, config_->auth->key(self()), packet)) {
      out.note(NoteKind::BadSignature, packet.origin, packet.id);
      out.close(conn, packet.origin);
      rule.on_conn_closed(ctx, conn);
      return;
    }
    rule.on_join_ack(ctx, conn, packet);
    return;
  }
  if (type == PacketType::Message && link != nullptr) {
    on_message(now, conn, packet, out);
    return;
  }
  if (is_rule_message(type) && packet.tag == rule.tag() &&
      rule.on_rule_packet(ctx, conn, link, packet))
    return;
  // A packet that makes no sense on this connection: ignored; a new connection is dropped, a
  // known link is kept.
  out.note(NoteKind::UnexpectedPacket, link ? peer_address(*link) : packet.origin, packet.id);
  if (link == nullptr) out.close(conn, packet.origin);
}

void Node::on_closed_in(Time now, const Closed& in, EffectSink& out) {
  NodeContext ctx(*this, out, now);
  const Link* link = find_link(in.conn);
  if (link == nullptr) {
    config_->rule->on_conn_closed(ctx, in.conn);
    return;
  }
  const Address peer = peer_address(*link);
  unlink(link);
  out.note(NoteKind::LinkDown, peer, 0);
  config_->rule->on_link_lost(ctx);
}

void Node::start_retries(Time now, EffectSink& out) {
  ++shortfall_;
  attempt_ = 0;
  NodeContext ctx(*this, out, now);
  config_->rule->ask_for_more(ctx);
  arm_retry(now, out);
}

void Node::arm_retry(Time now, EffectSink& out) {
  const int shift = std::min<int>(attempt_, 20);
  const Time delay = std::min(config_->retry_delay << shift, config_->retry_delay_max);
  retry_armed_ = true;
  out.wake_at(now + delay,
              Timer{TimerKind::JoinRetry, (std::uint64_t{shortfall_} << 8) | attempt_});
}

void Node::end_retries() {
  retry_armed_ = false;
  forget_requests();  // an idle node keeps no heap for requests
}

void Node::on_retry(Time now, const Timer& t, EffectSink& out) {
  if (!retry_armed_ || t.key != ((std::uint64_t{shortfall_} << 8) | attempt_)) return;
  retry_armed_ = false;
  const int want = std::max(config_->rule->min_links(*config_), 0);
  if (links_.size() >= std::size_t(want) || attempt_ >= config_->retry_attempts ||
      attempt_ >= 255) {
    end_retries();
    return;
  }
  ++attempt_;
  NodeContext ctx(*this, out, now);
  config_->rule->ask_for_more(ctx);
  arm_retry(now, out);
}

void Node::on_timer_in(Time now, const Timer& t, EffectSink& out) {
  if (left_) return;  // a timer armed before leaving is stale
  if (t.kind == TimerKind::JoinRetry) {
    if (config_->rule->traits().keeps_asking) on_retry(now, t, out);
    return;
  }
  if (is_rule_timer(t.kind)) {
    NodeContext ctx(*this, out, now);
    config_->rule->on_timer(ctx, t);
  }
}

void Node::on_leave(Time now, EffectSink& out) {
  for (const Link& l : links_) {
    const Address peer = peer_address(l);
    config_->book->release(l.peer);
    out.close(conn_of(l), peer);
    out.note(NoteKind::LinkDown, peer, 0);
  }
  links_.clear();
  escaped_ = false;
  NodeContext ctx(*this, out, now);
  config_->rule->on_leave(ctx);
  rule_state_.reset();
  extras_.reset();  // its escapes and requests
  left_ = true;
  retry_armed_ = false;
}

// NodeContext's helpers that compose several steps.

[[gnu::hot]] void NodeContext::connect(const Address& entry, int requests) {
  const bool remember = node_.config_->rule->traits().checks_acks;
  PeerBook& book = *node_.config_->book;
  const PeerId held = book.hold(entry);
  if (node_.entry_ != kNoPeer) book.release(node_.entry_);
  node_.entry_ = held;
  node_.joined_ = true;
  node_.left_ = false;
  for (int k = 0; k < requests; ++k) {
    const std::uint64_t id = node_.rng_.next();
    if (remember) node_.remember_request(id);
    if (node_.config_->auth) {
      out_.send_once(entry, join_request(id));
    } else {
      JoinHop request;  // join_request(id) as its fields
      request.origin = node_.self();
      request.id = id;
      out_.send_hop_once(entry, request);
    }
  }
  if (!node_.config_->rule->traits().keeps_asking) return;
  ++node_.shortfall_;
  node_.attempt_ = 0;
  node_.arm_retry(now_, out_);
}

Packet NodeContext::join_request(std::uint64_t id) const {
  Packet p;
  p.type = PacketType::JoinReq;
  const Address self = node_.self();
  p.origin = self;
  p.id = id;
  if (node_.config_->auth) auth::sign_join_request(*node_.config_->auth, self, p);
  return p;
}

void NodeContext::accept(const Packet& request) {
  answer(request.origin, request.id, &request);
}

void NodeContext::accept_unsigned(const Address& origin, std::uint64_t id) {
  answer(origin, id, nullptr);
}

[[gnu::hot]] void NodeContext::answer(const Address& origin, std::uint64_t id,
                                      const Packet* request) {
  const ConnId c = node_.allocate_conn();
  note(NoteKind::JoinAccepted, origin, id);
  JoinHop ack;
  ack.origin = node_.self();
  ack.id = node_.rng_.next();
  ack.ref = id;  // the newcomer takes only an answer to a request of its own
  if (const AuthPtr& a = node_.config_->auth) {
    // A signed answer names the newcomer's key, which only the request's packet carries.
    if (request == nullptr) throw std::logic_error("a signing node answers a request's packet");
    Packet signed_ack = join_ack_of(ack);
    PublicKey newcomer{};
    auth::author_key(*request, newcomer);
    auth::sign_join_ack(*a, ack.origin, newcomer, signed_ack);
    out_.open(c, origin, std::move(signed_ack));
  } else {
    out_.open_with_ack(c, origin, ack);
  }
  add_link(c, origin);
}

void NodeContext::carry_out(const HopStep& step, Packet&& request) {
  switch (step.act) {
    case HopStep::Act::Accept:
      accept(request);
      return;
    case HopStep::Act::PassOn:
      note(NoteKind::JoinForwarded, request.origin, request.id);
      send(*step.next, std::move(request));
      return;
    case HopStep::Act::Drop:
      note(step.dropped, request.origin, request.id);
      return;
    case HopStep::Act::Packet:
      break;
  }
  throw std::logic_error("a join hop's step to carry out names no act");
}

void NodeContext::pass_on(const Link& next, Packet&& request) {
  ++request.hops;
  request.degree = static_cast<std::uint32_t>(node_.links_.size());
  note(NoteKind::JoinForwarded, request.origin, request.id);
  send(next, std::move(request));
}

}  // namespace p2p
