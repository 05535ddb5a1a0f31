#include "sim/network.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include "sim/address.hpp"

namespace p2p::sim {

Network::Network(const Config& config, NetworkOptions options)
    : config_(&config), options_(options) {
  options_.latency.seed = options_.seed;
}

std::uint32_t Network::add_node() {
  const auto i = static_cast<std::uint32_t>(nodes_.size());
  if (i >= 0x7FFFFFFFu) throw std::length_error("too many simulated nodes");
  nodes_.emplace_back(address_of(i), *config_, derive_seed(options_.seed, i, 0));
  send_seq_.push_back(0);
  alive_.push_back(1);
  return i;
}

void Network::push(std::uint32_t sender, Time at, Payload&& p) {
  const std::uint64_t seq = sender == kScenarioSender ? ++scenario_seq_ : ++send_seq_[sender];
  queue_.push(EventKey{at, sender, seq}, std::move(p));
}

void Network::schedule_join(Time at, std::uint32_t node, std::uint32_t entry) {
  Payload p;
  p.kind = Kind::Join;
  p.dest = node;
  p.packet.origin = address_of(entry);
  push(kScenarioSender, at, std::move(p));
}

void Network::schedule_say(Time at, std::uint32_t node, std::string text) {
  Payload p;
  p.kind = Kind::Say;
  p.dest = node;
  p.packet.text = std::move(text);
  push(kScenarioSender, at, std::move(p));
}

void Network::schedule_leave(Time at, std::uint32_t node) {
  Payload p;
  p.kind = Kind::Leave;
  p.dest = node;
  push(kScenarioSender, at, std::move(p));
}

std::pair<std::uint32_t, ConnId> Network::far_end(std::uint32_t from, ConnId conn,
                                                  const Address& peer) const {
  if (is_driver_conn(conn)) {
    // We handed this id out when `conn`'s opener reached `from`: it names the opener and the
    // opener's own id for the link.
    return {static_cast<std::uint32_t>((conn >> 32) & 0x7FFFFFFFu), conn & 0xFFFFFFFFu};
  }
  return {index_of(peer), kDriverConnBit | (ConnId{from} << 32) | conn};
}

bool Network::step() {
  if (queue_.empty()) return false;
  const EventKey key = queue_.pop(current_);
  assert(key.at >= now_);
  now_ = key.at;
  const std::uint32_t dest = current_.dest;
  if (!alive_[dest]) {
    ++counters_.events_to_departed;
    return true;
  }
  ++counters_.events;
  Node& node = nodes_[dest];
  effects_.clear();
  switch (current_.kind) {
    case Kind::Packet:
      node.handle(now_, PacketIn{current_.conn, std::move(current_.packet)}, effects_);
      break;
    case Kind::Closed:
      node.handle(now_, Closed{current_.conn}, effects_);
      break;
    case Kind::Timer:
      node.handle(now_, TimerFired{current_.timer}, effects_);
      break;
    case Kind::Join:
      node.handle(now_, Join{current_.packet.origin}, effects_);
      break;
    case Kind::Say:
      node.handle(now_, Say{std::move(current_.packet.text)}, effects_);
      break;
    case Kind::Leave:
      node.handle(now_, Leave{}, effects_);
      alive_[dest] = 0;
      break;
  }
  apply(dest, effects_);
  return true;
}

void Network::apply(std::uint32_t from, Effects& effects) {
  for (Effect& effect : effects) {
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, Send>) {
            const auto [to, conn] = far_end(from, e.conn, e.peer);
            if (e.packet.type == PacketType::Message) {
              ++counters_.messages_sent;
              if (auto it = floods_.find(e.packet.id); it != floods_.end()) ++it->second.messages;
            } else if (e.packet.type == PacketType::JoinReq) {
              ++counters_.join_requests_passed;
            }
            push(from, now_ + options_.latency.between(from, to),
                 Payload{Kind::Packet, to, conn, std::move(e.packet), {}});
          } else if constexpr (std::is_same_v<T, SendOnce>) {
            if (e.packet.type == PacketType::JoinReq) ++counters_.join_requests_sent;
            const std::uint32_t to = index_of(e.to);
            if (to < nodes_.size())
              push(from, now_ + options_.latency.between(from, to),
                   Payload{Kind::Packet, to, kOneShotConn, std::move(e.packet), {}});
          } else if constexpr (std::is_same_v<T, Open>) {
            const std::uint32_t to = index_of(e.to);
            const ConnId conn = kDriverConnBit | (ConnId{from} << 32) | e.conn;
            if (to < nodes_.size())
              push(from, now_ + options_.latency.between(from, to),
                   Payload{Kind::Packet, to, conn, std::move(e.packet), {}});
          } else if constexpr (std::is_same_v<T, Close>) {
            if (e.conn == kOneShotConn) return;
            const auto [to, conn] = far_end(from, e.conn, e.peer);
            push(from, now_ + options_.latency.between(from, to),
                 Payload{Kind::Closed, to, conn, {}, {}});
          } else if constexpr (std::is_same_v<T, Deliver>) {
            if (auto it = floods_.find(e.id); it != floods_.end()) ++it->second.deliveries;
          } else if constexpr (std::is_same_v<T, WakeAt>) {
            push(from, e.at, Payload{Kind::Timer, from, 0, {}, e.timer});
          } else if constexpr (std::is_same_v<T, Note>) {
            ++counters_.notes[static_cast<std::size_t>(e.kind)];
            if (e.kind == NoteKind::MessageOriginated) {
              floods_[e.id];
              last_said_ = e.id;
            } else if (e.kind == NoteKind::DuplicateMessage) {
              if (auto it = floods_.find(e.id); it != floods_.end()) ++it->second.duplicates;
            }
          }
        },
        effect);
  }
}

void Network::run_until(Time t) {
  while (!queue_.empty() && queue_.top_key().at <= t) step();
  if (t > now_) now_ = t;
}

void Network::drain() {
  while (step()) {
  }
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> Network::links() const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!alive_[i]) continue;
    for (const Link& l : nodes_[i].links()) {
      const std::uint32_t j = index_of(l.peer);
      if (i < j && j < nodes_.size() && alive_[j]) out.emplace_back(i, j);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace p2p::sim
