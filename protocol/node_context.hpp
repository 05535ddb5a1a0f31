#pragma once
// What a join rule sees of its node during one input, and what it can make the node do. Every
// method acts on the node's own state and appends effects in decision order; nothing here does
// I/O. A NodeContext lives only for the input it was made for.
#include <memory>
#include <span>
#include <utility>

#include "protocol/node.hpp"

namespace p2p {

class NodeContext {
 public:
  NodeContext(Node& node, EffectSink& out, Time now) : node_(node), out_(out), now_(now) {}

  // --- what the node knows
  Time now() const { return now_; }
  Rng& rng() { return node_.rng_; }
  Address self() const { return node_.self(); }
  const Config& config() const { return *node_.config_; }
  std::span<const Link> links() const { return node_.links(); }
  std::size_t degree() const { return node_.links_.size(); }
  bool linked_to(const Address& peer) const { return node_.linked_to(peer); }
  // The listening address of `link`'s neighbour (`link` one of links()).
  Address address_of(const Link& link) const { return node_.peer_address(link); }
  // The id of `link`'s connection (`link` one of links()).
  ConnId conn_of(const Link& link) const { return node_.conn_of(link); }
  const Link* find_link(ConnId conn) const { return node_.find_link(conn); }
  // Fewer links than the cap (always true without one).
  bool below_cap() const { return node_.below_cap(); }
  // A uniformly chosen link, not to `skip_peer` nor over `skip_conn` (0: any connection); null if
  // there is none.
  // Draws from the generator only when there is a choice to make.
  const Link* random_link(const Address* skip_peer = nullptr, ConnId skip_conn = 0) {
    return node_.random_link(skip_peer, skip_conn);
  }

  // --- membership: the entry, outstanding requests, retries
  // The entry `connect` named (an unspecified address before any).
  Address entry() const {
    return node_.entry_ == kNoPeer ? Address{} : node_.config_->book->address(node_.entry_);
  }
  bool joined() const { return node_.joined_; }
  bool left() const { return node_.left_; }
  // Records `entry` and sends `requests` JOIN_REQs to it (remembered when the rule checks
  // answers); a rule that keeps asking then watches for a shortfall.
  void connect(const Address& entry, int requests);
  // A JOIN_REQ from this node.
  Packet join_request(std::uint64_t id) const;
  void remember_request(std::uint64_t id) { node_.remember_request(id); }
  // Whether `id` is outstanding; forgets it unless `keep`.
  bool take_request(std::uint64_t id, bool keep) { return node_.take_request(id, keep); }
  bool retrying() const { return node_.retry_armed_; }
  // A new shortfall: ask for more now (JoinRule::ask_for_more) and retry with backoff.
  void start_retries() { node_.start_retries(now_, out_); }

  // --- effects
  // A packet passed as an rvalue is moved into the effect, an lvalue copied.
  void send(const Link& link, Packet&& packet) {
    out_.send(node_.conn_of(link), node_.peer_address(link), std::move(packet));
  }
  void send(const Link& link, const Packet& packet) {
    out_.send(node_.conn_of(link), node_.peer_address(link), packet);
  }
  void send(ConnId conn, const Address& peer, Packet&& packet) {
    out_.send(conn, peer, std::move(packet));
  }
  void send(ConnId conn, const Address& peer, const Packet& packet) {
    out_.send(conn, peer, packet);
  }
  // Dial `to`, send one packet, close.
  void send_once(const Address& to, Packet packet) { out_.send_once(to, std::move(packet)); }
  // Dial `to` for a lasting connection whose first packet is `first`; returns its id. It is not
  // a link until add_link.
  ConnId open(const Address& to, Packet first) {
    const ConnId c = node_.allocate_conn();
    out_.open(c, to, std::move(first));
    return c;
  }
  void close(ConnId conn, const Address& peer) { out_.close(conn, peer); }
  void note(NoteKind kind, const Address& peer, std::uint64_t id) { out_.note(kind, peer, id); }
  void wake_at(Time at, Timer timer) { out_.wake_at(at, timer); }

  // --- links
  void add_link(ConnId conn, const Address& peer) { node_.add_link(now_, conn, peer, out_); }
  // Closes `link` (which must be one of links()) and forgets it.
  void drop_link(const Link* link) { node_.drop_link(link, out_); }
  // Takes `request`'s newcomer as a neighbour: a new connection opened with a JOIN_ACK that names
  // the request, recorded as a link.
  void accept(const Packet& request);
  // Passes `request` on to `next`, one hop further, carrying our degree.
  void pass_on(const Link& next, Packet&& request);
  // Does what `step` (of JoinRule::join_hop, not Act::Packet) says with `request`, whose fields
  // the hop has set: accept it, or note JoinForwarded and send it over the step's link, or note
  // why it was dropped.
  void carry_out(const HopStep& step, Packet&& request);

  // --- the rule's per-node state, made by JoinRule::make_state on first use
  template <typename S>
  S& state() {
    if (!node_.rule_state_) node_.rule_state_ = node_.config_->rule->make_state();
    return static_cast<S&>(*node_.rule_state_);
  }
  RuleState* state_if_any() { return node_.rule_state_.get(); }

 private:
  friend class Node;
  // accept() for an unsigned request read as its fields (Node::on_join_hop_to): its answer goes
  // to the sink as fields too. A signed answer needs the request's packet, which names its key.
  void accept_unsigned(const Address& origin, std::uint64_t id);
  // Both: a new connection to `origin` opened with a JOIN_ACK naming request `id`, signed (from
  // `request`, which must then be given) when the node signs, and recorded as a link.
  void answer(const Address& origin, std::uint64_t id, const Packet* request);

  Node& node_;
  EffectSink& out_;
  Time now_;
};

}  // namespace p2p
