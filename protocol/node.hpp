#pragma once
// One peer's protocol as a pure state machine: inputs in, effects out, in decision order. It does
// no I/O, reads no clock (time is an argument) and owns its random generator, seeded by its
// driver. The simulator and the TCP transport run this same code.
#include <cstdint>
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

 private:
  void on_join(const Join& in, Effects& out);
  void on_say(const Say& in, Effects& out);
  void on_packet_in(const PacketIn& in, Effects& out);
  void on_join_request(ConnId conn, bool on_link, Packet packet, Effects& out);
  void on_join_ack(ConnId conn, const Packet& packet, Effects& out);
  void on_message(ConnId conn, const Packet& packet, Effects& out);
  void on_closed_in(const Closed& in, Effects& out);
  void on_leave(Effects& out);
  void flood(const Packet& packet, Effects& out);

  const Link* find_link(ConnId conn) const;
  void add_link(ConnId conn, const Address& peer);
  ConnId allocate_conn() { return ++last_conn_; }

  const Config* config_;
  Address self_;
  Rng rng_;
  std::uint32_t last_conn_ = 0;
  std::vector<Link> links_;  // sorted by conn, for lookup by connection in O(log degree)
  SeenSet seen_;
};

}  // namespace p2p
