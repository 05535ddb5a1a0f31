#pragma once
// One peer's protocol as a pure state machine: inputs in, effects out, in decision order. It does
// no I/O, reads no clock (time is an argument) and owns its random generator, seeded by its
// driver. The simulator and the TCP transport run this same code.
//
// The node composes its join rule (Config::rule, a JoinRule reached through NodeContext) with the
// parts every rule shares: the links, the flood of chat messages (flood.cpp) and the
// minimum-connections retries (node.cpp). The rule's own per-node state is allocated only for
// nodes whose rule keeps one, so a node costs little more than its links.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "protocol/address.hpp"
#include "protocol/config.hpp"
#include "protocol/effect.hpp"
#include "protocol/input.hpp"
#include "protocol/peer_book.hpp"
#include "protocol/random.hpp"
#include "protocol/seen_set.hpp"

namespace p2p {

// A lasting connection to a neighbour: the neighbour, named by its id in the node's PeerBook
// (Node::peer_address gives its listening address), and the connection, held as a 32-bit code
// (Node::conn_of gives its ConnId back). Eight bytes, so that a node holds a dozen inline.
//
// The code holds, by its top bits:
//   0xxx  the node's own connection numbers below 2^31, as they are;
//   10xx  a driver's id for a connection the neighbour opened, kDriverConnBit | peer << 32 | n
//         with n below 2^30: the simulator's form, naming the opener and its own number;
//   11xx  any other id (the TCP transport's numbers for inbound connections, a connection whose
//         opener claimed another's address): the slot of the node's escape table that holds it.
// The first two decode without a branch, so that a search over a node's links stays branchless
// while the node has no escaped link.
struct Link {
  std::uint32_t code = 0;
  PeerId peer = kNoPeer;

  static constexpr std::uint32_t kDriver = 0x80000000u;
  static constexpr std::uint32_t kEscaped = 0xC0000000u;
  // The code of `conn` on a link to `peer`, or kEscaped when the id has no code of its own.
  static constexpr std::uint32_t encode(ConnId conn, PeerId peer) {
    if (!is_driver_conn(conn)) return conn < kDriver ? static_cast<std::uint32_t>(conn) : kEscaped;
    const ConnId rest = conn & ~kDriverConnBit;
    if ((rest >> 32) == peer && (rest & 0xFFFFFFFFu) < (kEscaped & ~kDriver))
      return kDriver | static_cast<std::uint32_t>(rest);
    return kEscaped;
  }
  bool escaped() const { return (code & kEscaped) == kEscaped; }
  std::uint32_t slot() const { return code & ~kEscaped; }
  // The id, for a link whose code is not escaped.
  ConnId unescaped_conn() const {
    const ConnId driver = ConnId{0} - (code >> 31);
    return (driver & (kDriverConnBit | ConnId{peer} << 32)) | (code & ~kDriver);
  }
};
static_assert(sizeof(Link) == 8 && alignof(Link) == 4);

// A node's links, sorted by conn: up to kInline of them inside the node itself, so that the
// cache lines that bring in a node bring its links too (a simulated node is touched in random
// order, and a separately allocated array cost a second, dependent miss per packet); more move,
// all together, to a block of their own, whose address and capacity then take the first inline
// places. Contiguous either way, so a span can show them. No pointer or capacity of its own: a
// list is 4 bytes and its inline places.
class LinkList {
 public:
  static constexpr std::uint32_t kInline = 14;

  LinkList() = default;
  LinkList(LinkList&& other) noexcept { take(other); }
  LinkList& operator=(LinkList&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  LinkList(const LinkList&) = delete;
  LinkList& operator=(const LinkList&) = delete;
  ~LinkList() { release(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Link* data() { return const_cast<Link*>(std::as_const(*this).data()); }
  const Link* data() const {
    // Chosen by a mask, not a jump: a JOIN_REQ's path alternates at random between hubs, whose
    // links are spilled, and the rest. The block's address is read either way (inline places
    // hold it, or links that are not used as one).
    const auto block = reinterpret_cast<std::uintptr_t>(block_field<Link*>(offsetof(Block, links)));
    const auto here = reinterpret_cast<std::uintptr_t>(inline_);
    const std::uintptr_t spill = std::uintptr_t{0} - spilled();
    return reinterpret_cast<const Link*>((block & spill) | (here & ~spill));
  }
  Link* begin() { return data(); }
  Link* end() { return data() + size_; }
  const Link* begin() const { return data(); }
  const Link* end() const { return data() + size_; }

  // Inserts `link` before `at`; returns where it now is.
  Link* insert(const Link* at, const Link& link);
  // Removes the link at `at`; links after it move down (back inside the node once they fit).
  void erase(const Link* at);
  // Forgets every link and any block of its own.
  void clear();
  // The first link's code (the list must not be empty), read from inside the node.
  std::uint32_t first_code() const {
    return spilled() ? block_field<std::uint32_t>(offsetof(Block, first)) : inline_[0].code;
  }
  // How many links name `peer`. Up to kPeerTableFrom links are compared one by one. More are
  // not: a walk asks this three times a hop, and at a hub of thousands of links the passes were
  // most of a walk's time. Such a block keeps a hash table of its links by peer beside it from
  // the first time it is asked, so the answer usually reads one slot of it; a block never asked
  // keeps none.
  std::size_t count_peer(PeerId peer) { return codes_of(peer, nullptr, 0); }
  // The same count; the codes of the first `max` of those links go to `codes`, in no order.
  std::size_t codes_of(PeerId peer, std::uint32_t* codes, std::size_t max);
  // Four lines of links: a pass over them costs less than a table's memory (at a million nodes
  // a walk's network has some 85,000 blocks, fewer than 4,000 of them larger).
  static constexpr std::uint32_t kPeerTableFrom = 32;
  // The slot of that table where count_peer(peer) reads first (for a driver's prefetch), or
  // null when there is no table.
  const Link* peer_slot(PeerId peer) const {
    if (!has_peer_table()) return nullptr;
    const Block b = block();
    return b.by_peer + peer_home(peer, b.by_peer_mask);
  }
  // Whether the list keeps that table (reads one word inside the node).
  bool has_peer_table() const {
    return spilled() && block_field<Link*>(offsetof(Block, by_peer)) != nullptr;
  }

 private:
  // Where a spilled list's links are, held in its first inline places, with the first link's
  // code (so that Node::find_link can tell where a link of the node's own is without first
  // reading the block's first line) and, once count_peer has been asked, a copy of its links
  // in an open-addressing table of by_peer_mask + 1 slots placed by peer (at least half again
  // the block's capacity, so at most two thirds full; kNoPeer marks an empty slot), else null.
  // A copy holds the link's code, so that Node::random_link finds where a peer's links are
  // without a pass over the block.
  struct Block {
    Link* links;
    std::uint32_t capacity;
    std::uint32_t first;
    Link* by_peer;
    std::uint32_t by_peer_mask;
  };
  static std::uint32_t peer_home(PeerId peer, std::uint32_t mask) {
    return static_cast<std::uint32_t>((std::uint64_t{peer} * 0x9E3779B97F4A7C15ull) >> 32) & mask;
  }
  static void add_peer(const Block& b, const Link& link);
  static void remove_peer(const Block& b, const Link& link);
  static_assert(sizeof(Block) <= sizeof(Link) * kInline);
  bool spilled() const { return size_ > kInline; }
  // One field of the block's record, read alone: the whole record is five words.
  template <class T>
  T block_field(std::size_t offset) const {
    T value;
    std::memcpy(&value, reinterpret_cast<const char*>(inline_) + offset, sizeof value);
    return value;
  }
  Block block() const {
    Block b;
    std::memcpy(&b, inline_, sizeof b);
    return b;
  }
  void set_block(const Block& b) { std::memcpy(static_cast<void*>(inline_), &b, sizeof b); }
  void release() {
    if (spilled()) {
      const Block b = block();
      delete[] b.links;
      delete[] b.by_peer;
    }
    size_ = 0;
  }
  void take(LinkList& other);

  std::uint32_t size_ = 0;
  Link inline_[kInline];
};

class alignas(64) Node {
 public:
  // `config` must outlive the node; many nodes may share one. The node runs config.rule.
  Node(Address self, const Config& config, std::uint64_t seed);

  // Feeds one input; appends the resulting effects to `out` (never clears it). The rvalue form
  // may take the input's buffers (a JOIN_REQ's packet is passed on as it came), so a driver
  // that fills one Input for every event saves a copy of each packet; the other copies first.
  void handle(Time now, Input&& input, Effects& out) {
    EffectList list(out);
    handle(now, std::move(input), list);
  }
  void handle(Time now, const Input& input, Effects& out) {
    Input copy = input;
    handle(now, std::move(copy), out);
  }
  // The same with each effect handed to `out` as it is decided, in the same order.
  void handle(Time now, Input&& input, EffectSink& out);

  // A plain JOIN_REQ (see JoinHop) arrived on `conn`, handed over as its fields: what handling it
  // as a PacketIn does, without a Packet when the rule decides the hop by JoinRule::join_hop and
  // passes it on (EffectSink::send_hop) or drops it. `hop` is left as the rule changed it.
  void on_join_hop(Time now, ConnId conn, JoinHop& hop, EffectSink& out);
  // The same for a driver that knows its sink's type (protocol/join_hop.hpp defines it): the
  // node calls the sink directly, and hands a sink that has send_hop_to(conn, peer id, hop) the
  // neighbour's id rather than its address. Inlined into the driver's loop: the call, with its
  // register saves, was about 20 instructions of a hop's 800 in the simulator.
  template <class Sink>
  [[gnu::always_inline]] inline void on_join_hop_to(Time now, ConnId conn, JoinHop& hop, Sink& out);
  // A chat message `id` from `origin` arrived on `conn`. When handling it as a PacketIn would do
  // no more than note it as a duplicate (nothing is signed, it came over a link, and its id is
  // still in the seen set), does just that and returns true; otherwise changes nothing and
  // returns false, and the packet is to be handed over whole. Most copies of a flood are
  // duplicates: a driver need not build their packets.
  bool on_seen_message(Time now, ConnId conn, std::uint64_t id, const Address& origin,
                       EffectSink& out);

  // Named wrappers that only build an Input.
  void join(Time now, Address entry, Effects& out) { handle(now, Join{entry}, out); }
  void say(Time now, std::string text, Effects& out) { handle(now, Say{std::move(text)}, out); }
  void on_packet(Time now, ConnId conn, Packet p, Effects& out) {
    handle(now, PacketIn{conn, std::move(p)}, out);
  }
  void on_closed(Time now, ConnId conn, Effects& out) { handle(now, Closed{conn}, out); }
  void on_timer(Time now, Timer t, Effects& out) { handle(now, TimerFired{t}, out); }
  void leave(Time now, Effects& out) { handle(now, Leave{}, out); }

  Address self() const { return config_->book->address(self_); }
  std::size_t degree() const { return links_.size(); }
  std::span<const Link> links() const { return {links_.data(), links_.size()}; }
  const Config& config() const { return *config_; }
  const JoinRule& rule() const { return *config_->rule; }
  // The chat message ids seen (for a driver's prefetches and for statistics).
  const SeenSet& seen() const { return seen_; }
  // Where looking up connection `conn` among the links reads first (for a driver's prefetch of
  // a node whose links are a block of their own; any link for one whose links are inline): the
  // place a code of the node's own names, else the last place (see find_link).
  const Link* link_hint(ConnId conn) const {
    const Link* links = links_.data();
    const std::size_t n = links_.size();
    if (n == 0 || is_driver_conn(conn) || conn >= Link::kDriver) return links + (n - (n != 0));
    const auto code = static_cast<std::uint32_t>(conn);
    return links + (code < links_.first_code() ? 0 : own_place_bound(code));
  }
  // Where asking whether a link names peer `id` reads first, for a driver's prefetch of a node
  // whose links are a block of their own, once such a question has been asked there; else null
  // (see LinkList::peer_slot).
  const Link* peer_hint(PeerId id) const { return links_.peer_slot(id); }
  bool has_peer_table() const { return links_.has_peer_table(); }
  // Whether a link names `peer` (not const: the first ask at a node whose links are a block makes
  // a table of their peers beside them; see LinkList::count_peer).
  bool linked_to(const Address& peer);
  // The listening address of `link`'s neighbour (`link` one of links()).
  Address peer_address(const Link& link) const { return config_->book->address(link.peer); }
  // The id of `link`'s connection (`link` one of links()).
  ConnId conn_of(const Link& link) const {
    if (link.escaped()) [[unlikely]]
      return extras_->escapes[link.slot()];
    return link.unescaped_conn();
  }
  // JOIN_REQ ids (and a rule's own requests) still awaiting an answer.
  std::span<const std::uint64_t> outstanding() const {
    return extras_ ? std::span<const std::uint64_t>(extras_->pending)
                   : std::span<const std::uint64_t>();
  }
  // The rule's per-node state, or null if the rule keeps none or has not needed it yet.
  const RuleState* rule_state() const { return rule_state_.get(); }
  // A copy of the node's generator, for a rule's look ahead (JoinRule::next_hop_read): drawing
  // from it changes nothing.
  Rng generator() const { return rng_; }

 private:
  friend class NodeContext;

  // What few nodes hold for long, apart from the node and allocated while any of it is in use:
  // a node of a large run that has none costs its three cache lines and nothing more.
  struct Extras {
    // JOIN_REQ ids (and a rule's own requests) still awaiting an answer.
    std::vector<std::uint64_t> pending;
    // The ids of the links whose code is escaped, by slot (0: a free slot).
    std::vector<ConnId> escapes;
  };
  Extras& extras() {
    if (!extras_) extras_ = std::make_unique<Extras>();
    return *extras_;
  }
  void forget_requests() {
    if (!extras_) return;
    std::vector<std::uint64_t>().swap(extras_->pending);
    trim_extras();
  }
  // Frees the extras once nothing is left in them.
  void trim_extras() {
    if (extras_ && extras_->pending.empty() && extras_->escapes.empty()) extras_.reset();
  }

  void on_packet_in(Time now, ConnId conn, Packet& packet, EffectSink& out);
  void on_closed_in(Time now, const Closed& in, EffectSink& out);
  void on_timer_in(Time now, const Timer& t, EffectSink& out);
  void on_leave(Time now, EffectSink& out);
  void on_retry(Time now, const Timer& t, EffectSink& out);
  void start_retries(Time now, EffectSink& out);
  void arm_retry(Time now, EffectSink& out);
  void end_retries();
  void remember_request(std::uint64_t id);
  bool take_request(std::uint64_t id, bool keep);
  // flood (flood.cpp)
  void on_say(Time now, const Say& in, EffectSink& out);
  void on_message(Time now, ConnId conn, Packet& packet, EffectSink& out);
  void flood(const Packet& packet, ConnId except, EffectSink& out);

  const Link* find_link(ConnId conn) const;
  // The last place own code `code` (not below the first link's) can be at: the node numbers its
  // connections as it opens them, so its own links' codes rise by at least one a place from the
  // first, and where few of its connections have closed the link is just there.
  std::size_t own_place_bound(std::uint32_t code) const {
    return std::min<std::size_t>(code - links_.first_code(), links_.size() - 1);
  }
  void add_link(Time now, ConnId conn, const Address& peer, EffectSink& out);
  void drop_link(const Link* link, EffectSink& out);
  // Removes `link` from links_, with its escape slot and its hold on the peer's id.
  void unlink(const Link* link);
  ConnId allocate_conn() { return ++last_conn_; }
  bool below_cap() const;
  // A uniformly chosen link other than those to `skip_peer` or over `skip_conn` (0: any); null if
  // none.
  const Link* random_link(const Address* skip_peer, ConnId skip_conn);

  // The links come last, in the last two of the three cache lines, beside the 8 bytes left free
  // for a driver's own counters: nodes are touched in random order, and a driver that looks up a
  // fan-out's next copy in its sender (its links and its counters) then reads only those two
  // lines (a test checks where they lie). The time is not kept: every input brings it.
  const Config* config_;
  Rng rng_;
  SeenSet seen_;
  std::unique_ptr<RuleState> rule_state_;
  std::unique_ptr<Extras> extras_;
  std::uint32_t last_conn_ = 0;
  std::uint32_t shortfall_ = 0;  // numbers the shortfalls; a retry timer of an older one is stale
  std::uint8_t attempt_ = 0;
  bool retry_armed_ : 1 = false;
  bool joined_ : 1 = false;
  bool left_ : 1 = false;
  // Some link's code is escaped (extras_->escapes holds its id): a lookup by connection then
  // compares ids. Kept here, so that the lookup reads nothing outside the node while none is.
  bool escaped_ : 1 = false;
  PeerId self_;  // our own listening address, held in the book
  // Membership shared by the rules that keep asking: the retry state of the current shortfall
  // (above), the entry to fall back on (held in the book once `connect` names one), and the
  // requests still outstanding (extras_->pending: an answer must name one; freed once the
  // retries end).
  PeerId entry_ = kNoPeer;
  LinkList links_;  // sorted by conn, for lookup by connection in O(log degree)
};
// Three cache lines: what every input reads in the first, fourteen links inline in the other two,
// and their last 8 bytes free for a driver's own counters.
static_assert(sizeof(Node) == 192);

}  // namespace p2p
