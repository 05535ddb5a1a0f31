#pragma once
// What a Node asks its driver to do, in decision order. Plain values: the transport turns them
// into socket work, the simulator into future events.
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/address.hpp"
#include "protocol/conn.hpp"
#include "protocol/packet.hpp"
#include "protocol/time.hpp"
#include "protocol/timer.hpp"

namespace p2p {

class Node;

struct Send {  // send over an existing connection; `peer` is its remote listening address
  ConnId conn = 0;
  Address peer;
  Packet packet;
};
struct SendOnce {  // dial `to`, send one packet, close (the seed's throw-away JOIN_REQ connection)
  Address to;
  Packet packet;
};
struct Open {  // dial `to` for a lasting connection named `conn`; `packet` goes first
  ConnId conn = 0;
  Address to;
  Packet packet;
};
struct Close {  // close `conn`; the driver reports no Closed for a close the node asked for
  ConnId conn = 0;
  Address peer;
};
struct Deliver {  // a chat message reached this node for the first time
  Address origin;
  std::uint64_t id = 0;
  std::string text;
  std::string author;  // the author's public key when messages are signed; empty otherwise
};
struct WakeAt {  // hand `timer` back at time `at`
  Time at = 0;
  Timer timer;
};

// Things worth logging or counting that ask the driver for nothing.
enum class NoteKind : std::uint8_t {
  JoinAccepted,       // we accepted a JOIN_REQ from `peer`
  JoinForwarded,      // we passed a JOIN_REQ from `peer` on
  JoinDroppedHops,    // a JOIN_REQ reached the hop limit
  JoinDroppedNoLink,  // a JOIN_REQ could not be passed on: no neighbours
  LinkUp,             // a lasting connection to `peer` was added
  LinkDown,           // a lasting connection to `peer` ended
  DuplicateMessage,   // a message id seen before arrived again
  UnexpectedPacket,   // a packet that makes no sense where it arrived; its connection is closed
  MessageOriginated,  // we said a chat message with id `id`
  BadSignature,       // a signed packet whose signature or id does not hold; dropped
};
inline constexpr int kNoteKindCount = 10;
struct Note {
  NoteKind kind = NoteKind::LinkUp;
  Address peer;
  std::uint64_t id = 0;
};

using Effect = std::variant<Send, SendOnce, Open, Close, Deliver, WakeAt, Note>;
using Effects = std::vector<Effect>;

// Appends `effect` to `out`: the new element is made empty in place and `effect` assigned to it.
// Every packet a node sends goes through here, and a packet holds strings: moving a short string
// into a new one copies its buffer through a library call even when it is empty, assigning it to
// an empty one does not.
template <typename T>
void add_effect(Effects& out, T&& effect) {
  using E = std::decay_t<T>;
  *std::get_if<E>(&out.emplace_back(std::in_place_type<E>)) = std::forward<T>(effect);
}
// The same for a Send, whose packet is assigned straight into the new element (copied from an
// lvalue, moved from an rvalue), never through a Send of its own.
template <typename P>
void add_send(Effects& out, ConnId conn, const Address& peer, P&& packet) {
  Send& s = *std::get_if<Send>(&out.emplace_back(std::in_place_type<Send>));
  s.conn = conn;
  s.peer = peer;
  s.packet = std::forward<P>(packet);
}

// Where a node's effects go, one call per effect in decision order, as the node decides them.
// EffectList collects them into an Effects vector (the transport, tests); the simulator acts on
// each at once and so never builds the variant. A sink is called while the node is still
// handling its input: it must not call into that node.
class EffectSink {
 public:
  // Send `packet` over `conn`; the rvalue form hands over a packet the node no longer needs.
  virtual void send(ConnId conn, const Address& peer, const Packet& packet) = 0;
  virtual void send(ConnId conn, const Address& peer, Packet&& packet) = 0;
  virtual void send_once(const Address& to, Packet&& packet) = 0;
  virtual void open(ConnId conn, const Address& to, Packet&& packet) = 0;
  virtual void close(ConnId conn, const Address& peer) = 0;
  virtual void deliver(Deliver&& deliver) = 0;
  virtual void wake_at(Time at, const Timer& timer) = 0;
  virtual void note(NoteKind kind, const Address& peer, std::uint64_t id) = 0;
  // Send the plain JOIN_REQ `hop` over `conn`: the same as send() with join_request_of(hop), for
  // a driver that holds requests without building a Packet (the simulator) to take as it is.
  virtual void send_hop(ConnId conn, const Address& peer, const JoinHop& hop) {
    send(conn, peer, join_request_of(hop));
  }
  // The same for send_once(): a newcomer's own JOIN_REQ, `hop`, to its entry `to`.
  virtual void send_hop_once(const Address& to, const JoinHop& hop) {
    send_once(to, join_request_of(hop));
  }
  // The same for open(): a connection `conn` to `to` whose first packet is the plain JOIN_ACK
  // with `ack`'s fields (join_ack_of).
  virtual void open_with_ack(ConnId conn, const Address& to, const JoinHop& ack) {
    open(conn, to, join_ack_of(ack));
  }
  // Send `packet` over each of `node`'s links, in their order, but the one over `except` (0:
  // none): the copies of a flood. The same as a send() for each, which is what it does unless a
  // driver sends them otherwise (the simulator works out once what the copies share). `node` is
  // the node handling its input.
  virtual void send_to_links(const Node& node, ConnId except, const Packet& packet);

 protected:
  EffectSink() = default;
  EffectSink(const EffectSink&) = default;
  EffectSink& operator=(const EffectSink&) = default;
  ~EffectSink() = default;
};

// Appends every effect to an Effects vector (never clears it).
class EffectList final : public EffectSink {
 public:
  explicit EffectList(Effects& out) : out_(out) {}
  void send(ConnId conn, const Address& peer, const Packet& packet) override {
    add_send(out_, conn, peer, packet);
  }
  void send(ConnId conn, const Address& peer, Packet&& packet) override {
    add_send(out_, conn, peer, std::move(packet));
  }
  void send_once(const Address& to, Packet&& packet) override {
    add_effect(out_, SendOnce{to, std::move(packet)});
  }
  void open(ConnId conn, const Address& to, Packet&& packet) override {
    add_effect(out_, Open{conn, to, std::move(packet)});
  }
  void close(ConnId conn, const Address& peer) override { add_effect(out_, Close{conn, peer}); }
  void deliver(Deliver&& deliver) override { add_effect(out_, std::move(deliver)); }
  void wake_at(Time at, const Timer& timer) override { add_effect(out_, WakeAt{at, timer}); }
  void note(NoteKind kind, const Address& peer, std::uint64_t id) override {
    add_effect(out_, Note{kind, peer, id});
  }

 private:
  Effects& out_;
};

const char* to_string(NoteKind k);

}  // namespace p2p
