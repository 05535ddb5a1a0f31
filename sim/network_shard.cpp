// The simulator's side of one run split over ranks (Network::shard, docs/distributed.md): the
// outboxes, the batches exchanged at a window's end and the merge at the run's end. How the bytes
// travel between ranks is the caller's (experiment/mpi_shard.cpp); nothing here knows MPI.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "sim/network.hpp"

namespace p2p::sim {
namespace {

// Plain values appended to, and read back from, a byte string. Both ends are the same build of
// the same program, so values travel in memory layout.
class Bytes {
 public:
  explicit Bytes(std::string& out) : out_(out) {}
  template <typename T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void put_text(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, take(sizeof(T)).data(), sizeof(T));
    return v;
  }
  std::string_view get_text() { return take(get<std::uint32_t>()); }
  bool done() const { return in_.empty(); }

 private:
  std::string_view take(std::size_t n) {
    if (n > in_.size()) throw std::runtime_error("a sharded run's batch is cut short");
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  std::string_view in_;
};

// A parked packet, field by field (the simulator does without the wire codec).
void put_packet(Bytes& b, const Packet& p) {
  b.put(p.type);
  b.put(p.hops);
  b.put(p.flags);
  b.put(p.origin);
  b.put(p.degree);
  b.put(p.id);
  b.put(p.ref);
  b.put(p.tag);
  b.put_text(p.text);
  b.put(static_cast<std::uint32_t>(p.peers.size()));
  for (const Address& a : p.peers) b.put(a);
  b.put_text(p.body);
}

Packet get_packet(Reader& r) {
  Packet p;
  p.type = r.get<PacketType>();
  p.hops = r.get<std::uint8_t>();
  p.flags = r.get<std::uint8_t>();
  p.origin = r.get<Address>();
  p.degree = r.get<std::uint32_t>();
  p.id = r.get<std::uint64_t>();
  p.ref = r.get<std::uint64_t>();
  p.tag = r.get<std::uint16_t>();
  p.text = r.get_text();
  const auto peers = r.get<std::uint32_t>();
  for (std::uint32_t k = 0; k < peers; ++k) p.peers.push_back(r.get<Address>());
  p.body = r.get_text();
  return p;
}

// The interned text slot of a compact packet's payload (0: none; an answer's word holds its ref).
constexpr int kTextShift = 40;
constexpr std::uint64_t kTextMask = std::uint64_t{0xFFFF} << kTextShift;

template <class E>
std::uint16_t text_of(const E& e) {
  return e.aux_small ? static_cast<std::uint16_t>((e.aux & kTextMask) >> kTextShift) : 0;
}

template <class E>
void set_text(E& e, std::uint16_t text) {
  e.aux = (e.aux & ~kTextMask) | (std::uint64_t{text} << kTextShift);
}

// Whether a compact packet event carries an interned chat text (a rule's message carries its tag
// in the same slot).
bool has_text(std::uint8_t type, std::uint16_t text) {
  return text != 0 && !is_rule_message(static_cast<PacketType>(type));
}

}  // namespace

void Network::shard(std::uint32_t rank, std::uint32_t ranks) {
  if (!nodes_.empty()) throw std::logic_error("shard() needs an empty network");
  if (ranks == 0 || rank >= ranks) throw std::invalid_argument("bad rank");
  if (ranks > 1 && lookahead() <= 0)
    throw std::invalid_argument("a sharded run needs a smallest link latency above zero");
  rank_ = rank;
  ranks_ = ranks;
  outbox_.assign(ranks, {});
  if (ranks > 1) fan_from_ = kNoFan;  // an event for another rank leaves as a plain one
}

void Network::send_away(std::uint32_t sender, Event& e) {
  if (sender == kScenarioSender) {
    // Every rank runs the scenario and counted this event; its node's rank queued it.
    if (e.kind == Kind::Say) {
      said_[e.arg].clear();
      said_free_.push_back(e.arg);
    }
    return;
  }
  ++crossed_;
  outbox_[owner(e.dest)].push_back(e);
}

std::uint64_t Network::run_window(Time end) {
  std::uint64_t handled = 0;
  while (!queue_.empty() && queue_.next_time() < end) {
    step();
    ++handled;
  }
  return handled;
}

void Network::begin_exchange() {
  Time least = queue_.empty() ? kNoEvent : queue_.next_time();
  for (const std::vector<Event>& box : outbox_)
    for (const Event& e : box) least = std::min(least, e.at);
  exchange_least_ = least;
  next_window_ = least;
  announce_begin_ = floods_seen_;
  announce_end_ = floods_.size();
  floods_seen_ = floods_.size();
}

std::string Network::batch_for(std::uint32_t to) {
  std::string out;
  Bytes b(out);
  b.put(exchange_least_);
  b.put(now_);
  // The floods this rank started in the window: every rank must know them before their first
  // copies arrive, which is in a later window.
  b.put(static_cast<std::uint64_t>(announce_end_ - announce_begin_));
  for (std::size_t k = announce_begin_; k < announce_end_; ++k) {
    const FloodStats& f = floods_[k];
    b.put(f.id);
    b.put(f.origin);
    b.put(f.start);
    b.put(f.reachable);
  }
  std::vector<Event>& box = outbox_[to];
  b.put(static_cast<std::uint64_t>(box.size()));
  for (const Event& e : box) {
    b.put(e);
    // A payload, an interned text and a parked packet are this rank's: they travel by value.
    if (e.kind == Kind::Packet || e.kind == Kind::Timer) {
      const Payload p = payloads_[e.arg];
      b.put(p);
      if (e.kind == Kind::Packet && has_text(e.type, text_of(p))) b.put_text(texts_[text_of(p)]);
      release_payload(e.arg);
    } else if (e.kind == Kind::Parked) {
      put_packet(b, parked_[e.arg]);
      parked_[e.arg] = Packet{};
      parked_free_.push_back(e.arg);
    }
  }
  box.clear();
  return out;
}

void Network::take_batch(std::string_view batch) {
  Reader r(batch);
  next_window_ = std::min(next_window_, r.get<Time>());
  now_ = std::max(now_, r.get<Time>());
  const auto floods = r.get<std::uint64_t>();
  for (std::uint64_t k = 0; k < floods; ++k) {
    FloodStats f;
    f.id = r.get<std::uint64_t>();
    f.origin = r.get<std::uint32_t>();
    f.start = r.get<Time>();
    f.reachable = r.get<std::uint64_t>();
    if (flood_index_.count(f.id) != 0) continue;
    flood_index_.emplace(f.id, static_cast<std::uint32_t>(floods_.size()));
    floods_.push_back(f);
    flood_latencies_.emplace_back();
    flood_in_flight_.push_back(0);
  }
  floods_seen_ = floods_.size();
  const auto events = r.get<std::uint64_t>();
  for (std::uint64_t k = 0; k < events; ++k) {
    Event e = r.get<Event>();
    if (e.kind == Kind::Packet || e.kind == Kind::Timer) {
      Payload p = r.get<Payload>();
      if (e.kind == Kind::Packet && has_text(e.type, text_of(p))) {
        const std::string text(r.get_text());
        const std::uint16_t local = intern(text);
        set_text(p, local);
        if (local == kTextsFull) {
          // This rank's table of texts is full: carry the packet whole.
          set_text(p, 0);
          Packet whole;
          packet_of(e, p, whole);
          whole.text = text;
          e.kind = Kind::Parked;
          e.arg = store_in(parked_, parked_free_, std::move(whole));
          queue_.push(e);
          continue;
        }
      }
      e.arg = hold_payload(p);
    } else if (e.kind == Kind::Parked) {
      e.arg = store_in(parked_, parked_free_, get_packet(r));
    }
    queue_.push(e);
  }
  if (!r.done()) throw std::runtime_error("a sharded run's batch has bytes left over");
}

std::string Network::final_part() const {
  static_assert(std::is_trivially_copyable_v<Counters>);
  std::string out;
  Bytes b(out);
  b.put(counters_);
  b.put(static_cast<std::uint64_t>(floods_.size()));
  for (std::size_t k = 0; k < floods_.size(); ++k) {
    const FloodStats& f = floods_[k];
    b.put(f.id);
    b.put(f.deliveries);
    b.put(f.messages);
    b.put(f.duplicates);
    b.put(f.max_hops);
    b.put(flood_in_flight_[k]);
    const FloodLatencies& lat = flood_latencies_[k];
    b.put(static_cast<std::uint64_t>(lat.size()));
    lat.for_each([&](Time t) { b.put(t); });
  }
  // The links of this rank's live nodes.
  std::uint64_t owned = 0;
  for (std::uint32_t i : live_) owned += owner(i) == rank_ ? 1 : 0;
  b.put(owned);
  for (std::uint32_t i : live_) {
    if (owner(i) != rank_) continue;
    b.put(i);
    b.put(static_cast<std::uint32_t>(nodes_[i].links().size()));
    for (const Link& l : nodes_[i].links()) b.put(l.peer);
  }
  return out;
}

void Network::merge_final(const std::vector<std::string>& parts) {
  std::vector<std::vector<std::uint32_t>> peers(nodes_.size());
  for (const std::string& part : parts) {
    Reader r(part);
    const auto c = r.get<Counters>();
    const auto* from = reinterpret_cast<const std::uint64_t*>(&c);
    auto* into = reinterpret_cast<std::uint64_t*>(&counters_);
    static_assert(sizeof(Counters) % sizeof(std::uint64_t) == 0);
    // Every counter is a sum over ranks; one in flight is sent on one rank and taken on another,
    // so a rank's own count may wrap below zero and the sum is still right.
    for (std::size_t k = 0; k < sizeof(Counters) / sizeof(std::uint64_t); ++k) into[k] += from[k];
    const auto floods = r.get<std::uint64_t>();
    for (std::uint64_t k = 0; k < floods; ++k) {
      const auto id = r.get<std::uint64_t>();
      const auto index = flood_index_.find(id);
      if (index == flood_index_.end())
        throw std::runtime_error("a sharded run's flood was never announced");
      FloodStats& f = floods_[index->second];
      f.deliveries += r.get<std::uint64_t>();
      f.messages += r.get<std::uint64_t>();
      f.duplicates += r.get<std::uint64_t>();
      f.max_hops = std::max(f.max_hops, r.get<std::uint32_t>());
      flood_in_flight_[index->second] += r.get<std::uint64_t>();
      FloodLatencies& lat = flood_latencies_[index->second];
      const auto n = r.get<std::uint64_t>();
      for (std::uint64_t j = 0; j < n; ++j) lat.add(r.get<Time>());
    }
    const auto owned = r.get<std::uint64_t>();
    for (std::uint64_t k = 0; k < owned; ++k) {
      const auto i = r.get<std::uint32_t>();
      const auto n = r.get<std::uint32_t>();
      if (i >= peers.size()) throw std::runtime_error("a sharded run's node is out of range");
      for (std::uint32_t j = 0; j < n; ++j) peers[i].push_back(r.get<std::uint32_t>());
    }
    if (!r.done()) throw std::runtime_error("a sharded run's part has bytes left over");
  }
  gathered_start_.assign(nodes_.size() + 1, 0);
  for (std::size_t i = 0; i < peers.size(); ++i)
    gathered_start_[i + 1] = gathered_start_[i] + peers[i].size();
  gathered_peers_.clear();
  gathered_peers_.reserve(gathered_start_.back());
  for (const std::vector<std::uint32_t>& p : peers)
    gathered_peers_.insert(gathered_peers_.end(), p.begin(), p.end());

  // Floods in the order the serial run started them (its floods_ order), then finished as the
  // serial run finishes them: when no copy is left in flight over all ranks.
  std::vector<std::size_t> order(floods_.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const FloodStats &a = floods_[x], &b = floods_[y];
    return a.start != b.start ? a.start < b.start : a.origin < b.origin;
  });
  std::vector<FloodStats> floods;
  std::vector<FloodLatencies> latencies;
  std::vector<std::uint64_t> in_flight;
  for (std::size_t k : order) {
    floods.push_back(std::move(floods_[k]));
    latencies.push_back(std::move(flood_latencies_[k]));
    in_flight.push_back(flood_in_flight_[k]);
  }
  floods_ = std::move(floods);
  flood_latencies_ = std::move(latencies);
  flood_in_flight_ = std::move(in_flight);
  flood_index_.clear();
  for (std::size_t k = 0; k < floods_.size(); ++k)
    flood_index_.emplace(floods_[k].id, static_cast<std::uint32_t>(k));
  merged_ = true;
  for (std::size_t k = 0; k < floods_.size(); ++k)
    if (flood_in_flight_[k] == 0) finish_flood(k);
  if (!floods_.empty()) last_said_ = floods_.back().id;
}

}  // namespace p2p::sim
