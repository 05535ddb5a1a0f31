#pragma once
// HyParView (Leitao, Pereira, Rodrigues, "HyParView: a membership protocol for reliable
// gossip-based broadcast", DSN 2007) as a join rule with its own messages, timers and per-node
// state. A small symmetric active view (the node's links) and a larger passive view of addresses
// kept in reserve: a newcomer's contact takes it in and sends FORWARDJOIN walks that end in more
// links and seed passive views; a lost link is replaced from the passive view by a NEIGHBOR
// request; periodic SHUFFLEs keep passive views fresh. Chat floods over the active view.
#include <span>
#include <vector>

#include "protocol/address.hpp"
#include "protocol/join_rule.hpp"

namespace p2p {

class Node;

class HyParView final : public JoinRule {
 public:
  // Its message kinds (Packet::type is rule_message(kind)).
  enum Message : std::uint8_t {
    kNeighbor = 0,      // "take me into your active view", first packet of a connection we open
    kShuffle = 1,       // a sample of addresses walking to a random peer
    kShuffleReply = 2,  // the walk's end answers with a sample of its own
    kDisconnect = 3,    // "I dropped you to make room": the receiver keeps us in its passive view
  };
  // Its timer kinds (Timer::kind is rule_timer(kind)).
  enum TimerKind : std::uint8_t {
    kShuffleTimer = 0,     // key: the shuffle round it starts
    kNeighborTimeout = 1,  // key: the connection of a NEIGHBOR request still unanswered
  };
  // Packet::flags bits.
  static constexpr std::uint8_t kForwardJoin = 2;   // JOIN_REQ: a FORWARDJOIN walk
  static constexpr std::uint8_t kHighPriority = 4;  // NEIGHBOR: the sender has no link left

  struct State;

  explicit HyParView(const RuleParams& params);
  static RuleInfo info();

  // The passive view of a node running this rule (empty for another rule or before first use).
  static std::span<const Address> passive_view(const Node& node);

  std::size_t link_cap(const Config& config) const override;
  int min_links(const Config& config) const override;
  void check(const Config& config, bool simulated) const override;
  void on_connect(NodeContext& node, const Address& entry) const override;
  void on_join_request(NodeContext& node, ConnId conn, const Link* link,
                       Packet& request) const override;
  void on_join_ack(NodeContext& node, ConnId conn, const Packet& ack) const override;
  bool on_rule_packet(NodeContext& node, ConnId conn, const Link* link,
                      const Packet& packet) const override;
  void on_timer(NodeContext& node, const Timer& timer) const override;
  void on_link_up(NodeContext& node, const Link& link) const override;
  void on_link_lost(NodeContext& node) const override;
  void on_conn_closed(NodeContext& node, ConnId conn) const override;
  void ask_for_more(NodeContext& node) const override;
  void on_leave(NodeContext& node) const override;
  std::unique_ptr<RuleState> make_state() const override;

 private:
  void accept(NodeContext& node, const Packet& request) const;
  void make_room(NodeContext& node) const;
  void on_neighbor(NodeContext& node, ConnId conn, const Packet& packet) const;
  void repair(NodeContext& node) const;
  void on_neighbor_timeout(NodeContext& node, ConnId conn) const;
  void shuffle(NodeContext& node) const;
  void on_shuffle(NodeContext& node, ConnId conn, Packet packet) const;
  void on_shuffle_reply(NodeContext& node, const Packet& packet) const;
  void on_disconnect(NodeContext& node, const Link& link) const;
  void arm_shuffle(NodeContext& node) const;
  void add_passive(NodeContext& node, const Address& a,
                   std::span<const Address> prefer_evicting = {}) const;
  void remove_passive(NodeContext& node, const Address& a) const;
  Packet message(NodeContext& node, Message kind) const;

  int active_;
  int passive_;
  int length_;
  int passive_walk_;
  int shuffle_active_;
  int shuffle_passive_;
  Time shuffle_period_;
  int shuffles_;
  int warmup_;
  Time neighbor_timeout_;
  Time priority_interval_;
};

}  // namespace p2p
