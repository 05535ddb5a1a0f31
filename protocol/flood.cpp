// Flood: chat messages reach every node of the component once per id.
#include <cassert>
#include <utility>

#include "protocol/node.hpp"

namespace p2p {
namespace {

// With signing on, a message is taken only if its id is the one its author key and sequence make
// and, the first time that id is seen, its signature verifies: so no one can take another
// author's id before it is used, and a copy seen before costs a hash, not a verification. A
// forged copy is noted (the driver counts it against the neighbour) and dropped unremembered.
bool authentic(const Authenticator& a, const SeenSet& seen, const Packet& p, EffectSink& out) {
  if (auth::message_id_matches(a, p)) {
    if (seen.contains(p.id)) {
      out.note(NoteKind::DuplicateMessage, p.origin, p.id);
      return false;
    }
    if (auth::verify_message(a, p)) return true;
  }
  out.note(NoteKind::BadSignature, p.origin, p.id);
  return false;
}

}  // namespace

void Node::on_say(Time now, const Say& in, EffectSink& out) {
  Packet p;
  p.type = PacketType::Message;
  const Address self = this->self();
  p.origin = self;
  p.id = rng_.next();
  p.text = in.text;
  // Signed: the draw is the sequence number, and the id is made from it and the key.
  if (config_->auth) auth::sign_message(*config_->auth, self, p.id, p);
  seen_.insert(p.id, now, config_->seen);
  out.note(NoteKind::MessageOriginated, self, p.id);
  flood(p, 0, out);
}

void Node::on_message(Time now, ConnId conn, Packet& packet, EffectSink& out) {
  if (config_->auth && !authentic(*config_->auth, seen_, packet, out)) return;
  if (!seen_.insert(packet.id, now, config_->seen)) {
    out.note(NoteKind::DuplicateMessage, packet.origin, packet.id);
    return;
  }
  out.deliver(Deliver{packet.origin, packet.id, packet.text,
                      config_->auth ? packet.body.substr(0, kPublicKeySize) : std::string()});
  // This copy crossed hops + 1 links; the next would cross one more.
  if (packet.hops + 1 >= config_->message_hops) return;  // delivered, not forwarded further
  if (!config_->rule->traits().relays) return;
  // The copies sent on are the packet itself, one hop further: nothing reads it after this.
  if (packet.hops < 255) ++packet.hops;
  // The seed announces to every connection, the one the message came from included; the other
  // rules spare the neighbour that has it already.
  flood(packet, config_->rule->traits().floods_back ? 0 : conn, out);
}

[[gnu::hot]] bool Node::on_seen_message(Time now, ConnId conn, std::uint64_t id,
                                        const Address& origin, EffectSink& out) {
  // The path of on_packet_in and on_message, up to the duplicate's note.
  if (config_->auth || !seen_.refuses(id, now, config_->seen) || find_link(conn) == nullptr)
    return false;
  // Forgets what has lived its time, as on the packet's path; the id itself stays.
  [[maybe_unused]] const bool fresh = seen_.insert(id, now, config_->seen);
  assert(!fresh);
  out.note(NoteKind::DuplicateMessage, origin, id);
  return true;
}

void Node::flood(const Packet& packet, ConnId except, EffectSink& out) {
  out.send_to_links(*this, except, packet);
}

void EffectSink::send_to_links(const Node& node, ConnId except, const Packet& packet) {
  for (const Link& l : node.links())
    if (const ConnId c = node.conn_of(l); except == 0 || c != except)
      send(c, node.peer_address(l), packet);
}

}  // namespace p2p
