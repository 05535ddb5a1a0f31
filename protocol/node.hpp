#pragma once
// One peer's protocol as a pure state machine: inputs in, effects out, in decision order. It does
// no I/O, reads no clock (time is an argument) and owns its random generator, seeded by its
// driver. The simulator and the TCP transport run this same code.
//
// The node composes three sub-machines, each in its own source file: membership (node.cpp: the
// join protocol under the configured JoinRule, the minimum-connections retries), flood (flood.cpp)
// and HyParView's view maintenance (hyparview.cpp). Rules that do not use a piece of state leave
// it empty, so a node costs little more than its links.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/address.hpp"
#include "protocol/config.hpp"
#include "protocol/effect.hpp"
#include "protocol/input.hpp"
#include "protocol/random.hpp"
#include "protocol/seen_set.hpp"

namespace p2p {

// A lasting connection to a neighbour and the neighbour's listening address.
struct Link {
  ConnId conn = 0;
  Address peer;
};

class Node {
 public:
  // `config` must outlive the node; many nodes may share one.
  Node(Address self, const Config& config, std::uint64_t seed);

  // Feeds one input; appends the resulting effects to `out` (never clears it).
  void handle(Time now, const Input& input, Effects& out);

  // Named wrappers that only build an Input.
  void join(Time now, Address entry, Effects& out) { handle(now, Join{entry}, out); }
  void say(Time now, std::string text, Effects& out) { handle(now, Say{std::move(text)}, out); }
  void on_packet(Time now, ConnId conn, Packet p, Effects& out) {
    handle(now, PacketIn{conn, std::move(p)}, out);
  }
  void on_closed(Time now, ConnId conn, Effects& out) { handle(now, Closed{conn}, out); }
  void on_timer(Time now, Timer t, Effects& out) { handle(now, TimerFired{t}, out); }
  void leave(Time now, Effects& out) { handle(now, Leave{}, out); }

  const Address& self() const { return self_; }
  std::size_t degree() const { return links_.size(); }
  std::span<const Link> links() const { return links_; }
  const Config& config() const { return *config_; }
  bool linked_to(const Address& peer) const;
  // JOIN_REQ ids (and HyParView neighbour requests) still awaiting a JOIN_ACK.
  std::span<const std::uint64_t> outstanding() const { return pending_; }
  // HyParView's passive view: addresses kept to replace lost links (empty for other rules).
  std::span<const Address> passive_view() const {
    return hv_ ? std::span<const Address>(hv_->passive) : std::span<const Address>();
  }

 private:
  // membership (node.cpp)
  void on_join(const Join& in, Effects& out);
  void on_packet_in(const PacketIn& in, Effects& out);
  void on_join_request(ConnId conn, bool on_link, Packet packet, Effects& out);
  void on_join_request_seed(ConnId conn, bool on_link, Packet packet, Effects& out);
  bool rule_accepts(const Packet& packet);
  void accept_request(const Packet& packet, Effects& out);
  void pass_on(Packet packet, Effects& out);
  void on_join_ack(ConnId conn, const Packet& packet, Effects& out);
  void on_closed_in(const Closed& in, Effects& out);
  void on_leave(Effects& out);
  void on_timer_in(const Timer& t, Effects& out);
  void on_link_lost(Effects& out);
  void ask_for_more(Effects& out);
  void arm_retry(Effects& out);
  void end_retries();
  void remember_request(std::uint64_t id);
  bool take_request(std::uint64_t id, bool keep);
  // flood (flood.cpp)
  void on_say(const Say& in, Effects& out);
  void on_message(ConnId conn, const Packet& packet, Effects& out);
  void flood(const Packet& packet, ConnId except, Effects& out);
  // HyParView (hyparview.cpp)
  void hv_on_join_request(ConnId conn, bool on_link, Packet packet, Effects& out);
  void hv_accept(const Packet& packet, Effects& out);
  void hv_make_room(Effects& out);
  void hv_on_neighbor(ConnId conn, const Packet& packet, Effects& out);
  void hv_repair(Effects& out);
  void hv_on_neighbor_timeout(ConnId conn, Effects& out);
  void hv_on_dial_failed(Effects& out);
  void hv_shuffle(std::uint64_t round, Effects& out);
  void hv_on_shuffle(ConnId conn, Packet packet, Effects& out);
  void hv_on_shuffle_reply(ConnId conn, bool on_link, const Packet& packet, Effects& out);
  void hv_arm_shuffle(Effects& out);
  void hv_add_passive(const Address& a, std::span<const Address> prefer_evicting = {});
  void hv_remove_passive(const Address& a);
  std::vector<Address> hv_sample(std::span<const Address> from, std::size_t k);

  const Link* find_link(ConnId conn) const;
  const Link* find_peer(const Address& peer) const;
  void add_link(ConnId conn, const Address& peer, Effects& out);
  void drop_link(const Link* link, Effects& out);
  ConnId allocate_conn() { return ++last_conn_; }
  bool below_cap() const;
  // A uniformly chosen link other than those to `skip_peer` or over `skip_conn`; null if none.
  const Link* random_link(const Address* skip_peer, ConnId skip_conn);

  const Config* config_;
  Address self_;
  Rng rng_;
  Time now_ = 0;
  std::uint32_t last_conn_ = 0;
  std::vector<Link> links_;  // sorted by conn, for lookup by connection in O(log degree)
  SeenSet seen_;
  // Membership for every rule but seed: the entry to fall back on, the JOIN_REQs still
  // outstanding (a JOIN_ACK must answer one), and the retry state of the current shortfall.
  Address entry_;
  std::vector<std::uint64_t> pending_;
  std::uint32_t shortfall_ = 0;  // numbers the shortfalls; a retry timer of an older one is stale
  std::uint8_t attempt_ = 0;
  bool retry_armed_ = false;
  bool joined_ = false;
  bool left_ = false;
  // HyParView's state, allocated on first use so that nodes under other rules do not carry it:
  // the passive view, the neighbour request in flight and the shuffle rounds.
  struct HyParViewState {
    std::vector<Address> passive;
    ConnId dialing = 0;  // our connection of the NEIGHBOR request awaiting its answer
    Address dialing_peer;
    std::uint64_t last_shuffle = 0;  // id of our shuffle whose reply we would take
    std::uint32_t shuffles_done = 0;
    std::uint32_t repair_tries = 0;  // passive peers asked since the last link was lost
    bool shuffle_armed = false;
  };
  HyParViewState& hv() {
    if (!hv_) hv_ = std::make_unique<HyParViewState>();
    return *hv_;
  }
  std::unique_ptr<HyParViewState> hv_;
};

}  // namespace p2p
