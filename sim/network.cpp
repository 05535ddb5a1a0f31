#include "sim/network.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>

#include "protocol/join_hop.hpp"
#include "sim/address.hpp"

namespace p2p::sim {
namespace {

// Packet fields that only some builds of the protocol have travel in the compact event when they
// exist; a packet using any other field is parked whole.
template <typename P>
std::uint8_t flags_of(const P& p) {
  if constexpr (requires { p.flags; })
    return static_cast<std::uint8_t>(p.flags);
  else
    return 0;
}
template <typename P>
void set_flags(P& p, std::uint8_t f) {
  if constexpr (requires { p.flags; }) p.flags = f;
}
template <typename P>
std::uint64_t ref_of(const P& p) {
  if constexpr (requires { p.ref; })
    return static_cast<std::uint64_t>(p.ref);
  else
    return 0;
}
template <typename P>
void set_ref(P& p, std::uint64_t r) {
  if constexpr (requires { p.ref; }) p.ref = r;
}
template <typename P>
std::uint32_t degree_of(const P& p) {
  if constexpr (requires { p.degree; })
    return static_cast<std::uint32_t>(p.degree);
  else
    return 0;
}
template <typename P>
void set_degree(P& p, std::uint32_t d) {
  if constexpr (requires { p.degree; }) p.degree = static_cast<decltype(p.degree)>(d);
}
template <typename P>
void clear_peers(P& p) {
  if constexpr (requires { p.peers.clear(); }) p.peers.clear();
}

// A uniform draw in [0, 1) from a hash, for decisions that must not depend on node layout.
double hashed_uniform(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  return static_cast<double>(mix64(derive_seed(seed, a, b)) >> 11) * 0x1.0p-53;
}

// The width of the event queue's buckets, as a power of two in microseconds: at most an eighth of
// the shortest delay (link latency, service time), so that an event seldom lands in the bucket
// being handled (a sorted insert), between 64 us and about 1 ms. Wider buckets mean fewer to step
// through while few events are pending (a join phase: a 64 us bucket held 0.3 events at the default
// latencies); the order of events does not depend on it.
int bucket_shift(Time shortest_delay) {
  int shift = 6;
  while (shift < 10 && (Time{8} << (shift + 1)) <= shortest_delay) ++shift;
  return shift;
}

}  // namespace

Network::Network(const Config& config, NetworkOptions options)
    : config_(own(&config)),
      options_(options),
      queue_(options.latency.longest() + 1,
             bucket_shift(options.service_time > 0
                              ? std::min<Time>(options.latency.min, options.service_time)
                              : options.latency.min)) {
  options_.latency.seed = options_.seed;
  latency_key_ = seed_key(options_.latency.seed);
  fan_from_ = options_.fan_outs && options_.service_time == 0 ? options_.fan_outs_from : kNoFan;
  if (options_.latency.kind == LatencyKind::Matrix &&
      (!options_.latency.sites || options_.latency.sites->count == 0))
    throw std::invalid_argument("the matrix latency model needs at least one site");
}

void Network::reserve(std::size_t n) {
  nodes_.reserve(n);
  alive_.reserve((n + 63) / 64);
  prefault_.start(nodes_.data(), nodes_.capacity() * sizeof(SimNode));
  prefault_.written(nodes_.size() * sizeof(SimNode));
}

void Network::set_groups(std::vector<NodeGroup> groups) {
  if (groups.size() > kMaxGroups) throw std::invalid_argument("too many node groups");
  double total = 0;
  for (const NodeGroup& g : groups) {
    if (g.config == nullptr || !(g.share >= 0)) throw std::invalid_argument("bad node group");
    total += g.share;
  }
  if (!groups.empty() && !(total > 0))
    throw std::invalid_argument("node groups need a positive share");
  groups_ = std::move(groups);
  for (NodeGroup& g : groups_) g.config = own(g.config);
  group_bounds_.clear();
  double sum = 0;
  for (const NodeGroup& g : groups_) group_bounds_.push_back((sum += g.share) / total);
  if (!group_bounds_.empty()) group_bounds_.back() = 1.0;
  live_by_group_.assign(groups_.size(), 0);
  if (!groups_.empty())
    for (std::uint32_t n : live_) ++live_by_group_[nodes_[n].group];
}

std::uint32_t Network::add_node() {
  const auto i = static_cast<std::uint32_t>(nodes_.size());
  if (i >= 0x7FFFFFFFu) throw std::length_error("too many simulated nodes");
  if (i == nodes_.capacity()) prefault_.stop();  // the array moves: its old room is freed
  std::uint8_t group = 0;
  const Config* config = config_;
  if (!groups_.empty()) {
    const double u = hashed_uniform(options_.seed, i, 0x6709);
    std::size_t g = 0;
    while (g + 1 < group_bounds_.size() && u >= group_bounds_[g]) ++g;
    group = static_cast<std::uint8_t>(g);
    config = groups_[g].config;
  }
  SimNode& node = nodes_.emplace_back(address_of(i), *config, derive_seed(options_.seed, i, 0));
  node.group = group;
  node.live = 1;
  if ((i & 63) == 0) alive_.push_back(0);
  alive_[i >> 6] |= std::uint64_t{1} << (i & 63);
  prefault_.written(nodes_.size() * sizeof(SimNode));
  live_.add(i);
  if (!groups_.empty()) ++live_by_group_[group];
  if (options_.service_time > 0) busy_until_.push_back(0);
  return i;
}

void Network::drop_live(std::uint32_t node) {
  if (nodes_[node].fan_open > 0) {
    const auto links = nodes_[node].links();
    freeze(node, links.data(), std::min(links.size(), kFanLinks));
  }
  alive_[node >> 6] &= ~(std::uint64_t{1} << (node & 63));
  nodes_[node].live = 0;
  live_.remove(node);
  if (!groups_.empty()) --live_by_group_[nodes_[node].group];
  // A departed node's state is never read again: give its memory back (the simulator's part,
  // in the node's padding, is not the Node's to assign).
  static_cast<Node&>(nodes_[node]) = Node(address_of(node), nodes_[node].config(), 0);
}

// Inlined into its callers, the sends above all: the call, with its register saves, was a
// measurable part of each hop of a join phase.
[[gnu::always_inline]] inline void Network::push(std::uint32_t sender, Time at, Event& e) {
  e.at = at;
  e.sender = sender;
  e.seq = sender == kScenarioSender ? ++scenario_seq_ : ++nodes_[sender].send_seq;
  if (ranks_ > 1) {
    if (sender == kScenarioSender) next_window_ = std::min(next_window_, at);
    if (owner(e.dest) != rank_) return send_away(sender, e);
  }
  queue_.push(e);
}

void Network::schedule_join(Time at, std::uint32_t node, std::uint32_t entry) {
  Event e;
  e.kind = Kind::Join;
  e.dest = node;
  e.arg = entry;
  push(kScenarioSender, at, e);
}

void Network::schedule_say(Time at, std::uint32_t node, std::string text) {
  Event e;
  e.kind = Kind::Say;
  e.dest = node;
  e.arg = store_in(said_, said_free_, std::move(text));
  push(kScenarioSender, at, e);
}

void Network::schedule_leave(Time at, std::uint32_t node) {
  Event e;
  e.kind = Kind::Leave;
  e.dest = node;
  push(kScenarioSender, at, e);
}

void Network::crash(std::uint32_t node, Time detection) {
  if (!alive(node)) return;
  ++counters_.crashes;
  for (const Link& l : nodes_[node].links()) {
    const auto [to, conn] = far_end(node, nodes_[node].conn_of(l), l.peer);
    if (to >= nodes_.size()) continue;
    Event e;
    e.kind = Kind::Closed;
    e.dest = to;
    e.set_conn(node, conn);
    push(node, now_ + detection, e);
  }
  drop_live(node);
}

void Network::partition(double fraction, std::uint64_t salt) {
  partitioned_ = true;
  partition_fraction_ = fraction;
  partition_salt_ = salt;
}

bool Network::side_a(std::uint32_t n) const {
  return hashed_uniform(options_.seed, n, 0x5100 + partition_salt_) < partition_fraction_;
}

const PeerBookPtr& sim_book() {
  static const PeerBookPtr book = std::make_shared<SimBook>();
  return book;
}

const Config* Network::own(const Config* config) {
  for (const auto& c : configs_)
    if (c.get() == config) return config;
  auto copy = std::make_unique<Config>(*config);
  copy->book = sim_book();
  configs_.push_back(std::move(copy));
  return configs_.back().get();
}

std::pair<std::uint32_t, ConnId> Network::far_end(std::uint32_t from, ConnId conn,
                                                  PeerId peer) const {
  // A driver's id was handed out when `conn`'s opener reached `from`: it names the opener and the
  // opener's own id for the link. Chosen without a jump, as conn_id() is.
  const std::uint64_t opened = std::uint64_t{0} - is_driver_conn(conn);
  const std::uint64_t opener = (conn >> 32) & 0x7FFFFFFFu;
  const ConnId own = kDriverConnBit | (ConnId{from} << 32) | conn;
  return {static_cast<std::uint32_t>((opener & opened) | (peer & ~opened)),
          ((conn & 0xFFFFFFFFu) & opened) | (own & ~opened)};
}

void Network::Event::set_conn(std::uint32_t from, ConnId c) {
  // Without a jump, as conn_id() reads it: OneShot for kOneShotConn (a driver's id too), Opened
  // for another driver's id, else Own.
  assert(c == kOneShotConn || !is_driver_conn(c) || ((c >> 32) & 0x7FFFFFFFu) == from);
  assert(is_driver_conn(c) || c <= 0xFFFFFFFFu);  // a node numbers its connections with 32 bits
  const bool shot = c == kOneShotConn;
  conn_form = static_cast<ConnForm>(static_cast<unsigned>(is_driver_conn(c)) + shot);
  conn = static_cast<std::uint32_t>(c) & (std::uint32_t{0} - !shot);
  (void)from;
}

ConnId Network::Event::conn_id() const {
  // Worked out with masks, not jumps: a JOIN_REQ's hops come over links of either form at
  // random, and a switch here was mispredicted about every other event. Own: `conn`; Opened: the
  // driver's id naming the sender; OneShot, and FanOut (opened into a copy's own form before
  // anyone asks): kOneShotConn.
  const std::uint64_t opened = std::uint64_t{0} - (conn_form != ConnForm::Own);
  const std::uint64_t shot = std::uint64_t{0} - (conn_form > ConnForm::Opened);
  const ConnId linked = conn | ((kDriverConnBit | (ConnId{sender} << 32)) & opened);
  return (linked & ~shot) | (kOneShotConn & shot);
}

std::uint16_t Network::intern(const std::string& text) {
  if (text.empty()) return 0;
  if (texts_[last_text_] == text) return last_text_;  // a flood sends one text many times
  if (auto it = text_index_.find(text); it != text_index_.end()) return last_text_ = it->second;
  if (texts_.size() >= kTextsFull) return kTextsFull;  // the packet will not fit and is parked
  const auto k = static_cast<std::uint16_t>(texts_.size());
  texts_.push_back(text);
  text_index_.emplace(text, k);
  return last_text_ = k;
}

[[gnu::hot]] void Network::packet_of(const Event& e, const Payload& p, Packet& out) const {
  out.type = static_cast<PacketType>(e.type);
  out.hops = e.hops;
  out.origin = address_of(p.origin);
  out.id = p.id;
  const std::uint16_t text = p.text();
  set_flags(out, p.flags());
  set_ref(out, p.ref());
  set_degree(out, p.degree());
  // A rule's message has no chat text: the text slot carries the rule's tag instead.
  if (is_rule_message(out.type)) {
    out.text.clear();
    out.tag = text;
  } else {
    if (text == 0)
      out.text.clear();  // no library call for a packet without text (a JOIN_REQ's every hop)
    else
      out.text.assign(texts_[text]);
    out.tag = 0;
  }
  clear_peers(out);
  out.body.clear();
}

void Network::prefetch_node(std::uint32_t i) const {
  // Handling an event reads most of the node (its rule, links, generator, seen set, and the
  // simulator's counters in its padding): fetch all three of its cache lines.
  const char* p = reinterpret_cast<const char*>(&nodes_[i]);
  for (std::size_t off = 0; off < sizeof(SimNode); off += 64) __builtin_prefetch(p + off);
}

[[gnu::hot]] void Network::fetch_block_read(const Event& e) const {
  // For a node of high degree these are random places in a block of thousands of links, misses
  // a hop would otherwise wait for one after the other: where its connection's lookup reads
  // first (a fan-out entry's sender reads from the first link), the link a JOIN_REQ will be
  // passed to, if the rule can tell, and the slot of the newcomer in the table of the links'
  // peers, for a rule that asks about it. A fetch one event ahead came too late to help;
  // either one alone gained nothing, the other miss still taking its time.
  const SimNode& node = nodes_[target(e)];
  __builtin_prefetch(e.conn_form == ConnForm::FanOut ? node.links().data()
                                                     : node.link_hint(e.conn_id()));
  if (e.kind == Kind::Packet && e.type == static_cast<std::uint8_t>(PacketType::JoinReq)) {
    if (const Link* l = node.rule().next_hop_read(node)) __builtin_prefetch(l);
    if (node.has_peer_table()) __builtin_prefetch(node.peer_hint(payloads_[e.arg].origin));
  }
}

void Network::prefetch_links_part(std::uint32_t i) const {
  // A node's links (inline, or the address of their block) and the simulator's counters are in
  // its last two lines: what looking up a fan-out entry's next copy in its sender reads.
  static_assert(sizeof(SimNode) == 3 * 64);
  const char* p = reinterpret_cast<const char*>(&nodes_[i]);
  __builtin_prefetch(p + 64);
  __builtin_prefetch(p + 128);
}

bool Network::fits(const Packet& packet, Payload& p) {
  // What packet_of() would rebuild from the event equals the packet exactly when these hold.
  // address_of(index_of(origin)) gives the origin back exactly when it is a simulated address.
  p.id = packet.id;
  p.origin = index_of(packet.origin);
  if (!packet.peers.empty() || !packet.body.empty() || !is_sim_address(packet.origin)) return false;
  std::uint16_t text;
  if (is_rule_message(packet.type)) {
    text = packet.tag;  // a rule's message has no chat text: the text slot carries its tag
    if (!packet.text.empty()) return false;
  } else {
    text = packet.text.empty() ? 0 : intern(packet.text);  // a call only for a chat text
    if (packet.tag != 0 || text == kTextsFull) return false;
  }
  // One word holds either the ref (an answer) or the degree, flags and text (anything else).
  const std::uint64_t ref = ref_of(packet);
  const std::uint64_t small = Payload::small_word(degree_of(packet), flags_of(packet), text);
  p.set_word(ref, small);
  return ref == 0 || small == 0;
}

void Network::send_packet(std::uint32_t from, std::uint32_t to, ConnId conn, const Packet& packet,
                          Packet* movable) {
  if (to >= nodes_.size()) return;  // not a simulated node: the dial fails silently
  if (!observers_.empty()) [[unlikely]]
    tell_send(from, to, packet);
  send_event(from, to, conn, packet.type, packet.hops, packet.id, [&](Event& e) {
    if (Payload p; fits(packet, p)) {
      e.arg = share_payload(p);
    } else {
      e.kind = Kind::Parked;
      e.arg = store_in(parked_, parked_free_, movable ? std::move(*movable) : Packet(packet));
    }
  });
}

void Network::send_hop(std::uint32_t from, std::uint32_t to, ConnId conn, const JoinHop& hop) {
  send_fields<PacketType::JoinReq, true>(from, to, conn, hop);
}

void Network::send_request(std::uint32_t from, std::uint32_t to, const JoinHop& hop) {
  send_fields<PacketType::JoinReq, false>(from, to, kOneShotConn, hop);
}

void Network::send_ack(std::uint32_t from, std::uint32_t to, ConnId conn, const JoinHop& ack) {
  send_fields<PacketType::JoinAck, false>(from, to, conn, ack);
}

template <PacketType kType, bool kPassOn>
[[gnu::hot]] inline void Network::send_fields(std::uint32_t from, std::uint32_t to, ConnId conn,
                                              const JoinHop& f) {
  static_assert(kType == PacketType::JoinReq || (kType == PacketType::JoinAck && !kPassOn));
  if (to >= nodes_.size()) return;
  // What fits() finds for the packet the fields describe: a payload holds a ref or else the
  // degree and flags, and names a simulated origin.
  const std::uint64_t small = Payload::small_word(f.degree, f.flags, 0);
  if (!observers_.empty() || !is_sim_address(f.origin) || (f.ref != 0 && small != 0)) [[unlikely]] {
    Packet packet = kType == PacketType::JoinReq ? join_request_of(f) : join_ack_of(f);
    return send_packet(from, to, conn, packet, &packet);
  }
  send_event(from, to, conn, kType, f.hops, f.id, [&](Event& e) {
    Payload p;
    p.id = f.id;
    p.origin = index_of(f.origin);
    p.set_word(f.ref, small);
    // A request passed on may take over the handled request's slot; anything else gets one as
    // send_packet would give it.
    e.arg = kPassOn ? pass_on_payload(p) : share_payload(p);
  });
}

template <class Hold>
inline void Network::send_event(std::uint32_t from, std::uint32_t to, ConnId conn, PacketType type,
                                std::uint8_t hops, std::uint64_t id, Hold&& hold) {
  const Time latency = options_.latency.between_keyed(latency_key_, from, to);
  // A loss is drawn from the counter push() would give the packet.
  if (options_.loss > 0 &&
      hashed_uniform(options_.seed ^ 0x1055, from, nodes_[from].send_seq + 1) < options_.loss) {
    ++nodes_[from].send_seq;  // the lost packet still used its turn
    ++counters_.packets_lost;
    return;
  }
  if (partitioned_ && side_a(from) != side_a(to)) {
    ++nodes_[from].send_seq;
    ++counters_.packets_cut;
    return;
  }
  Event e;
  e.kind = Kind::Packet;
  e.dest = to;
  e.set_conn(from, conn);
  e.type = static_cast<std::uint8_t>(type);
  e.hops = hops;
  hold(e);
  if (type == PacketType::JoinReq) ++counters_.join_requests_in_flight;
  if (type == PacketType::Message && !floods_.empty()) {
    if (FloodStats* f = flood_mut(id)) {
      ++f->messages;
      ++flood_in_flight_[f - floods_.data()];
    }
  }
  if (queue_.pending() >= fan_from_ && e.kind == Kind::Packet && type == PacketType::Message) {
    // Held back until the node is done: its copies may form one fan-out entry.
    e.at = now_ + latency;
    e.sender = from;
    e.seq = ++nodes_[from].send_seq;
    fan_.push_back(e);
  } else {
    push(from, now_ + latency, e);
  }
  // While few events are pending (joins), it is handled a few hundred events from now, usually
  // before these lines leave the cache (measured: 34 s instead of 40 s for the default scenario at
  // a million nodes). In a flood's wave millions are pending: the lines would be gone long before
  // and only crowd out the fetches step() makes for the events due next.
  if (queue_.size() <= kPrefetchOnPushUpTo) fetch_soon(to);
}

[[gnu::hot]] void Network::fetch_soon(std::uint32_t to) {
  // Asked for in batches. A node is seldom on a page touched lately, so its first line costs a
  // page-table walk, and the prefetch holds up the instructions after it until the walk ends:
  // walks asked for one at a time wait one after another, a batch's overlap. (Asking for the
  // link blocks of the batch before as well cost 4% at 100,000 nodes and gained nothing.)
  push_fetch_[push_fetch_count_++] = to;
  if (push_fetch_count_ < kPushFetchBatch) return;
  for (std::uint32_t n : push_fetch_) prefetch_node(n);
  push_fetch_count_ = 0;
}

inline bool Network::hop_of_event(const Event& e, JoinHop& hop) const {
  const Payload& p = payloads_[e.arg];
  // A JOIN_REQ's text slot is chat text: a request with text is not a plain one.
  if (p.text() != 0) return false;
  set_address_of(hop.origin, p.origin);
  hop.id = p.id;
  hop.hops = e.hops;
  hop.ref = p.ref();
  hop.degree = p.degree();
  hop.flags = p.flags();
  return true;
}

FloodStats* Network::flood_mut(std::uint64_t id) {
  if (!floods_.empty() && floods_.back().id == id) return &floods_.back();
  auto it = flood_index_.find(id);
  return it == flood_index_.end() ? nullptr : &floods_[it->second];
}

const FloodStats* Network::flood(std::uint64_t id) const {
  auto it = flood_index_.find(id);
  return it == flood_index_.end() ? nullptr : &floods_[it->second];
}

void Network::finish_flood(std::size_t index) {
  // Sharded, a rank sees only its share of the copies: the flood ends in merge_final.
  if (ranks_ > 1 && !merged_) return;
  FloodStats& f = floods_[index];
  FloodLatencies& lat = flood_latencies_[index];
  if (!lat.empty()) {
    lat.sort();
    f.p50 = lat.nearest_rank(0.5);
    f.p90 = lat.nearest_rank(0.9);
    f.p99 = lat.nearest_rank(0.99);
    f.max = lat.sorted_at(lat.size() - 1);
  }
  f.finished = true;
  lat = {};
}

class Network::Acts final : public EffectSink {
 public:
  Acts(Network& net, std::uint32_t from) : net_(net), from_(from) {}

  void send(ConnId conn, const Address& peer, const Packet& packet) override {
    send_over(conn, peer, packet, nullptr);
  }
  void send(ConnId conn, const Address& peer, Packet&& packet) override {
    send_over(conn, peer, packet, &packet);
  }
  void send_once(const Address& to, Packet&& packet) override {
    if (packet.type == PacketType::JoinReq) ++net_.counters_.join_requests_sent;
    net_.send_packet(from_, index_of(to), kOneShotConn, packet, &packet);
  }
  void send_hop_once(const Address& to, const JoinHop& hop) override {
    ++net_.counters_.join_requests_sent;
    net_.send_request(from_, index_of(to), hop);
  }
  void open(ConnId conn, const Address& to, Packet&& packet) override {
    net_.send_packet(from_, index_of(to), opened(conn), packet, &packet);
  }
  void open_with_ack(ConnId conn, const Address& to, const JoinHop& ack) override {
    net_.send_ack(from_, index_of(to), opened(conn), ack);
  }
  void close(ConnId conn, const Address& peer) override {
    if (conn == kOneShotConn) return;
    const auto [to, far_conn] = net_.far_end(from_, conn, peer);
    if (to >= net_.nodes_.size()) return;
    Event ev;
    ev.kind = Kind::Closed;
    ev.dest = to;
    ev.set_conn(from_, far_conn);
    net_.push(from_, net_.now_ + net_.options_.latency.between_keyed(net_.latency_key_, from_, to),
              ev);
  }
  void deliver(Deliver&& d) override {
    if (!net_.observers_.empty()) [[unlikely]]
      for (Observer* o : net_.observers_) o->on_deliver(net_, from_, d);
    if (FloodStats* f = net_.flood_mut(d.id)) {
      ++f->deliveries;
      if (!f->deliveries_by_group.empty()) ++f->deliveries_by_group[net_.nodes_[from_].group];
      net_.flood_latencies_[f - net_.floods_.data()].add(net_.now_ - f->start);
      const Event& cur = net_.current_;
      if (cur.kind == Kind::Packet || cur.kind == Kind::Parked)
        f->max_hops = std::max<std::uint32_t>(f->max_hops, cur.hops + 1u);
    } else if (!net_.nodes_[from_].rule().traits().adversary) {
      ++net_.counters_.injected_deliveries;
    }
  }
  void wake_at(Time at, const Timer& timer) override {
    Event ev;
    ev.kind = Kind::Timer;
    ev.dest = from_;
    ev.type = static_cast<std::uint8_t>(timer.kind);
    if (Timer{timer.kind, timer.key} == timer) {
      Payload key;
      key.id = timer.key;
      ev.arg = net_.hold_payload(key);  // a timer's own: never shared
    } else {
      // A timer with more than a kind and a key: kept whole.
      ev.kind = Kind::ParkedTimer;
      Timer whole = timer;
      ev.arg = store_in(net_.parked_timers_, net_.parked_timers_free_, std::move(whole));
    }
    net_.push(from_, std::max(at, net_.now_), ev);
  }
  // A flood's copies (chat messages): what send() does for each, with the payload they share
  // worked out once, at the first copy that goes, rather than rebuilt and compared for each.
  [[gnu::hot]] void send_to_links(const Node& node, ConnId except, const Packet& packet) override {
    if (packet.type != PacketType::Message || !net_.observers_.empty()) [[unlikely]]
      return EffectSink::send_to_links(node, except, packet);
    Payload p;
    enum class Fit : std::uint8_t { Unknown, Yes, No } fit = Fit::Unknown;
    for (const Link& l : node.links()) {
      const ConnId c = node.conn_of(l);
      if (except != 0 && c == except) continue;
      ++net_.counters_.messages_sent;
      const auto [to, far_conn] = net_.far_end(from_, c, l.peer);
      if (to >= net_.nodes_.size()) continue;  // as send_packet: not a simulated node
      if (fit == Fit::Unknown) fit = net_.fits(packet, p) ? Fit::Yes : Fit::No;
      if (fit == Fit::No) [[unlikely]] {
        net_.send_packet(from_, to, far_conn, packet, nullptr);  // parked, as send() would
        continue;
      }
      net_.send_event(from_, to, far_conn, PacketType::Message, packet.hops, packet.id,
                      [&](Event& e) { e.arg = net_.share_payload(p); });
    }
  }
  void send_hop(ConnId conn, const Address& peer, const JoinHop& hop) override {
    send_hop_to(conn, index_of(peer), hop);
  }
  // Node::on_join_hop_to hands over the neighbour's id, which is its index here.
  void send_hop_to(ConnId conn, PeerId peer, const JoinHop& hop) {
    const auto [to, far_conn] = net_.far_end(from_, conn, peer);
    ++net_.counters_.join_requests_passed;
    net_.send_hop(from_, to, far_conn, hop);
  }
  // Inlined where the node knows its sink is this one (a hop's note, its kind a constant, is then
  // a count): as a call it was about 25 instructions of a hop's 800.
  [[gnu::always_inline]] void note(NoteKind kind, const Address& peer, std::uint64_t id) override {
    if (!net_.observers_.empty()) [[unlikely]]
      net_.tell_note(from_, Note{kind, peer, id});
    ++net_.counters_.notes[static_cast<std::size_t>(kind)];
    if (kind == NoteKind::MessageOriginated) [[unlikely]] {
      originated(id);
    } else if (kind == NoteKind::DuplicateMessage) {
      if (FloodStats* f = net_.flood_mut(id)) ++f->duplicates;
    }
  }

 private:
  // The id the far end knows a connection this node opens as.
  ConnId opened(ConnId conn) const { return kDriverConnBit | (ConnId{from_} << 32) | conn; }
  void send_over(ConnId conn, const Address& peer, const Packet& packet, Packet* movable) {
    const auto [to, far_conn] = net_.far_end(from_, conn, peer);
    if (packet.type == PacketType::Message) {
      ++net_.counters_.messages_sent;
    } else if (packet.type == PacketType::JoinReq) {
      ++net_.counters_.join_requests_passed;
    }
    net_.send_packet(from_, to, far_conn, packet, movable);
  }
  void originated(std::uint64_t id) {
    Network& n = net_;
    if (n.flood_index_.count(id) == 0) {
      FloodStats f;
      f.id = id;
      f.origin = from_;
      f.start = n.now_;
      f.reachable = n.live_.size() - 1;
      if (!n.groups_.empty()) {
        f.deliveries_by_group.assign(n.groups_.size(), 0);
        f.reachable_by_group = n.live_by_group_;
        --f.reachable_by_group[n.nodes_[from_].group];  // the origin, live as it speaks
      }
      n.flood_index_.emplace(id, static_cast<std::uint32_t>(n.floods_.size()));
      n.floods_.push_back(f);
      n.flood_latencies_.emplace_back();
      // Held until the origin has handled its input, so a node without links finishes.
      n.flood_in_flight_.push_back(1);
      n.said_flood_ = n.floods_.size() - 1;
    }
    n.last_said_ = id;
  }

  Network& net_;
  std::uint32_t from_;
};

void Network::flush_fan() {
  for (const Event& e : fan_) queue_.push(e);
  fan_.clear();
}

[[gnu::hot]] void Network::finish_fan(std::uint32_t from) {
  SimNode& node = nodes_[from];
  const std::size_t n = fan_.size();
  if (n < 2 || node.fan_open == 255 ||
      (!frozen_.empty() &&
       frozen_.count(std::uint64_t{from} << 8 | ((node.fan_version + 1) & 255)) != 0))
    return flush_fan();
  // Each copy's place in the links, in the order they were sent (kNoPlace: none within reach).
  constexpr std::uint32_t kNoPlace = ~std::uint32_t{0};
  const auto links = node.links();
  const std::size_t reach = std::min(links.size(), kFanLinks);
  fan_place_.resize(n);
  std::size_t l = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Event& e = fan_[k];
    const ConnId conn = e.conn_id();
    for (; l < reach; ++l)
      if (links[l].peer == e.dest && !links[l].escaped() &&
          copy_over(from, links[l]).second == conn)
        break;
    fan_place_[k] = l < reach ? static_cast<std::uint32_t>(l++) : kNoPlace;
  }
  // Runs of copies become entries: within one, the places rise by at most 15 from the first,
  // and the sequence numbers rise with them except across one skipped link. A link whose copy
  // was lost, or cut by a partition, still used its number, so it is no gap.
  std::size_t first = 0;
  while (first < n) {
    std::size_t last = first + 1;
    std::uint32_t skip = kNoSkip;
    if (fan_place_[first] != kNoPlace) {
      const std::uint32_t base = fan_place_[first];
      for (; last < n && last - first < kFanMax; ++last) {
        const Event& e = fan_[last];
        const Event& before = fan_[last - 1];
        const std::uint32_t p = fan_place_[last];
        if (p == kNoPlace || p - base > 15 || e.arg != before.arg || e.hops != before.hops) break;
        const auto gap = static_cast<std::int64_t>(p - fan_place_[last - 1]) -
                         static_cast<std::int64_t>(e.seq - before.seq);
        if (gap == 1 && skip == kNoSkip)
          skip = fan_place_[last - 1] + 1 - base;
        else if (gap != 0)
          break;
      }
    }
    if (last - first >= 2 && node.fan_open < 255)
      push_fan(from, first, last, skip);
    else
      for (std::size_t k = first; k < last; ++k) queue_.push(fan_[k]);
    first = last;
  }
  fan_.clear();
}

[[gnu::hot]] void Network::push_fan(std::uint32_t from, std::size_t first, std::size_t last,
                                    std::uint32_t skip) {
  SimNode& node = nodes_[from];
  const std::size_t n = last - first;
  // The copies in the order they are due.
  std::uint32_t order[kFanMax] = {};
  for (std::uint32_t k = 0; k < n; ++k) {
    std::uint32_t j = k;
    for (; j > 0 && earlier(fan_[first + k], fan_[first + order[j - 1]]); --j)
      order[j] = order[j - 1];
    order[j] = k;
  }
  const std::uint32_t base = fan_place_[first];
  std::uint64_t word = skip | std::uint64_t{n - 1} << 4 | std::uint64_t{base} << 8;
  for (std::size_t k = 0; k < n; ++k)
    word |= std::uint64_t{fan_place_[first + order[k]] - base} << (16 + 4 * k);
  Event entry = fan_[first + order[0]];
  entry.conn_form = ConnForm::FanOut;
  entry.type = static_cast<std::uint8_t>(node.fan_version);
  entry.dest = static_cast<std::uint32_t>(word);
  entry.conn = static_cast<std::uint32_t>(word >> 32);
  queue_.push(entry);
  queue_.hide(n - 1);
  fanned_copies_ += n;
  ++node.fan_open;
}

[[gnu::hot]] void Network::open_fan() {
  Event& e = current_;
  // The entry's words are read one at a time, not as fan_word's 64 bits: pop() has just written
  // the event as two 16-byte halves, and dest and conn lie on either side of the halves' border.
  // A load that spans two stores still in flight cannot take its bytes from them and waits until
  // both are written (a sixth of this function's samples in a flood of a million nodes).
  const std::uint32_t dest = e.dest, conn_word = e.conn;
  const std::uint32_t from = e.sender;
  SimNode& node = nodes_[from];
  const std::uint64_t key = std::uint64_t{from} << 8 | e.type;
  Frozen* frozen = nullptr;
  const Link* links;
  std::size_t count;
  if (node.fan_version == e.type) {
    links = node.links().data();
    count = node.links().size();
  } else {
    frozen = &frozen_.at(key);
    links = frozen->links.data();
    count = frozen->links.size();
  }
  (void)count;
  const std::uint32_t skip = dest & 15, rest = (dest >> 4) & 15, base = (dest >> 8) & 63;
  const std::uint32_t here = (dest >> 16) & 15;
  assert(base + here < count);
  const auto [to, conn] = copy_over(from, links[base + here]);
  if (rest > 0) {
    const std::uint32_t next = (dest >> 20) & 15;
    assert(base + next < count);
    const auto rank = [skip](std::uint64_t place) { return place - (place > skip ? 1 : 0); };
    const std::uint32_t next_to = copy_over(from, links[base + next]).first;
    Event n = e;
    n.seq = e.seq + rank(next) - rank(here);
    const Time sent = e.at - options_.latency.between_keyed(latency_key_, from, to);
    n.at = sent + options_.latency.between_keyed(latency_key_, from, next_to);
    // The copies' places shift down by one: (word & 0x3F0F) | (rest - 1) << 4 | (word >> 20) << 16
    // of the 64-bit word, in its two halves.
    n.dest = (dest & 0x3F0F) | (rest - 1) << 4 | (dest >> 20) << 16 | conn_word << 28;
    n.conn = conn_word >> 4;
    queue_.unhide(1);
    // Due within the bucket being drained, it will not be seen ahead: fetch its receiver now.
    if (queue_.due_in_current(n.at)) prefetch_node(next_to);
    queue_.push(n);
  } else if (frozen != nullptr) {
    if (--frozen->open == 0) frozen_.erase(key);
  } else {
    --node.fan_open;
  }
  e.dest = to;
  e.set_conn(from, conn);
  e.type = static_cast<std::uint8_t>(PacketType::Message);
}

[[gnu::hot]] std::uint32_t Network::fan_receiver(const Event& e) const {
  const SimNode& node = nodes_[e.sender];
  if (node.fan_version != e.type) return kNoNode;  // its links are kept aside: not worth the look
  const std::uint64_t word = fan_word(e);
  const std::size_t place = ((word >> 8) & 63) + ((word >> 16) & 15);
  const auto links = node.links();
  if (place >= links.size() || links[place].peer >= nodes_.size()) return kNoNode;
  return links[place].peer;
}

void Network::before_handling(std::uint32_t node) {
  const auto links = nodes_[node].links();
  fan_before_n_ = std::min(links.size(), kFanLinks);
  std::copy_n(links.data(), fan_before_n_, fan_before_);
}

bool Network::links_changed(std::uint32_t node) const {
  const auto links = nodes_[node].links();
  return links.size() < fan_before_n_ ||
         std::memcmp(links.data(), fan_before_, fan_before_n_ * sizeof(Link)) != 0;
}

void Network::after_handling(std::uint32_t node, bool watched) {
  if (watched && links_changed(node)) freeze(node, fan_before_, fan_before_n_);
  if (!fan_.empty()) finish_fan(node);
}

void Network::freeze(std::uint32_t node, const Link* links, std::size_t n) {
  SimNode& s = nodes_[node];
  Frozen& f = frozen_[std::uint64_t{node} << 8 | s.fan_version];
  f.links.assign(links, links + n);
  f.open = static_cast<std::uint32_t>(s.fan_open);
  s.fan_open = 0;
  s.fan_version = (s.fan_version + 1) & 255;
}

// The functions that every event's handling runs through, here and in the protocol, are marked
// hot: GCC puts them side by side at the start of the program's code, in an order that other code
// does not change. Left where they fell, their speed moved by 2-7% with edits to unrelated code
// that shifted them (docs/performance.md).
[[gnu::hot]] bool Network::step() {
  if (queue_.empty()) return false;
  queue_.pop(current_);
  if (current_.conn_form == ConnForm::FanOut) [[unlikely]]
    open_fan();
  assert(current_.at >= now_);
  if (options_.service_time > 0 && !current_.served && alive(current_.dest)) [[unlikely]] {
    // It waits for its node to finish what came before, then takes the service time; it keeps
    // its sender and sequence number, so ties still break as without a service time.
    now_ = current_.at;
    Time& busy = busy_until_[current_.dest];
    busy = std::max(busy, now_) + options_.service_time;
    current_.at = busy;
    current_.served = 1;
    queue_.push(current_);
    return true;
  }
  // Nodes are touched in random order: while few events are pending, every node was fetched
  // when its event was pushed, so fetch only what an event kHopAhead places on reads among its
  // node's links (see fetch_links_read); all of a bucket's first ones when it is gathered.
  if (queue_.size() <= kPrefetchOnPushUpTo) {
    const std::size_t gathered = queue_.gathered();
    if (gathered > gathered_) {
      for (std::size_t k = 0; k < kHopAhead; ++k)
        if (const Event* e = queue_.peek(k)) fetch_links_read(*e);
    }
    if (const Event* e = queue_.peek(kHopAhead)) fetch_links_read(*e);
    gathered_ = gathered;
  } else {
    // A flood's wave: the gathered bucket holds many events and nothing was fetched when they
    // were pushed. Fetch the receiving node kFetchAhead events ahead, and the links of the next
    // one, whose node lines were asked for kFetchAhead - 1 events ago.
    // A fan-out entry's receiver is known only once its sender's links are in: the sender is
    // fetched twice as far ahead, and the receiver kFetchAhead ahead as a plain event's. For the
    // next event it is the receiver's links that are fetched, not the sender's (those are in
    // already): fetching the sender's cost the flood of a million nodes about a sixth of its time.
    // Both every kWaveBatch events, for that many events at once: their page walks overlap (see
    // fetch_soon). kFetchAhead is a multiple of the batch, so each receiver's sender was asked
    // for in an earlier batch.
    if (wave_fetch_++ % kWaveBatch == 0) {
      for (std::size_t j = 0; j < kWaveBatch; ++j)
        if (const Event* far = queue_.peek(2 * kFetchAhead + j);
            far != nullptr && far->conn_form == ConnForm::FanOut)
          prefetch_links_part(far->sender);
      for (std::size_t j = 0; j < kWaveBatch; ++j)
        if (const Event* ahead = queue_.peek(kFetchAhead + j)) {
          const std::uint32_t to = receiver(*ahead);
          if (to != kNoNode) prefetch_node(to);
        }
      // A chat message's receiver looks its id up in its seen set, a block of its own (once the
      // node has seen more than one message), on a page of its own: the ids' slots are fetched
      // in a batch too, for the events whose nodes the last batch fetched.
      for (std::size_t j = 0; j < kWaveBatch; ++j)
        if (const Event* soon = queue_.peek(kSeenAhead + j); soon != nullptr && is_message(*soon)) {
          const std::uint32_t to = receiver(*soon);
          if (to != kNoNode) nodes_[to].seen().prefetch_slot(payloads_[soon->arg].id);
        }
    }
    // One event ahead: the receiver's links (for a node of high degree, a block of their own)
    // and, for a chat message, the seen-set entry its slot names.
    if (const Event* next = queue_.peek(0)) {
      const std::uint32_t to = receiver(*next);
      if (to != kNoNode) {
        __builtin_prefetch(nodes_[to].links().data());
        if (is_message(*next)) nodes_[to].seen().prefetch_entry(payloads_[next->arg].id);
      }
    }
  }
  now_ = current_.at;
  const Event& ev = current_;
  // Most events of a join phase are a JOIN_REQ's hops to a live node that no fan-out entry
  // watches: handled here, without the checks the other kinds of event need.
  if (ev.kind == Kind::Packet && ev.type == static_cast<std::uint8_t>(PacketType::JoinReq) &&
      nodes_[ev.dest].live && nodes_[ev.dest].fan_open == 0) [[likely]] {
    if (JoinHop hop; hop_of_event(ev, hop)) {
      step_hop(hop);
      return true;
    }
  }
  const bool is_packet = ev.kind == Kind::Packet || ev.kind == Kind::Parked;
  FloodStats* flood = nullptr;
  std::uint64_t flood_id = 0;
  if (is_packet) {
    if (ev.type == static_cast<std::uint8_t>(PacketType::JoinReq))
      --counters_.join_requests_in_flight;
    if (ev.type == static_cast<std::uint8_t>(PacketType::Message) && !floods_.empty())
      flood = flood_mut(flood_id = packet_id(ev));
  }
  // The copies this event's node sends of its packet share its payload.
  recent_payload_ = ev.kind == Kind::Packet ? ev.arg : kNoPayload;
  const std::uint32_t dest = ev.dest;
  assert(nodes_[dest].live == alive(dest));
  if (!nodes_[dest].live) {
    ++counters_.events_to_departed;
    if (ev.kind == Kind::Parked) parked_free_.push_back(ev.arg);
    if (ev.kind == Kind::ParkedTimer) parked_timers_free_.push_back(ev.arg);
  } else {
    said_flood_ = kNoFlood;
    ++counters_.events;
    SimNode& node = nodes_[dest];
    Acts acts(*this, dest);
    // Copies of a message this node floods may wait as one entry; while entries name its links,
    // the links are kept if the handling changes them. A chat message only reads them (the node
    // floods it over them, or drops it): in a flood's wave most of a node's inputs are copies of
    // the message it has just sent on, and are not watched. Debug builds check that they are not.
    const bool fanned = node.fan_open > 0;
    const bool chat_message =
        ev.kind == Kind::Packet && ev.type == static_cast<std::uint8_t>(PacketType::Message);
    const bool watch = fanned && !chat_message;
#ifndef NDEBUG
    const bool check = fanned && chat_message;
    if (check) before_handling(dest);
#endif
    if (watch) [[unlikely]]
      before_handling(dest);
    switch (ev.kind) {
      case Kind::Packet:
      case Kind::Parked: {
        // Most events of a join phase are a JOIN_REQ's hops: handed over as their fields, and
        // passed on without a Packet by a rule that decides them by join_hop.
        if (ev.kind == Kind::Packet && ev.type == static_cast<std::uint8_t>(PacketType::JoinReq))
          if (JoinHop hop; hop_of_event(ev, hop)) {
            hop_payload_ = ev.arg;
            node.on_join_hop_to(now_, ev.conn_id(), hop, acts);
            hop_payload_ = kNoPayload;
            break;
          }
        // Most of a flood's events are copies of a message the node has seen: noted, not built.
        if (chat_message) {
          const Payload& p = payloads_[ev.arg];
          if (node.on_seen_message(now_, ev.conn_id(), p.id, address_of(p.origin), acts)) break;
        }
        auto& in = std::get<PacketIn>(packet_input_);
        in.conn = ev.conn_id();
        if (ev.kind == Kind::Packet) {
          packet_of(ev, payloads_[ev.arg], in.packet);
        } else {
          in.packet = std::move(parked_[ev.arg]);
          parked_free_.push_back(ev.arg);
        }
        // The node may take the packet's buffers: packet_of fills every field again next time.
        node.handle(now_, std::move(packet_input_), acts);
        break;
      }
      case Kind::Closed:
        node.handle(now_, Closed{ev.conn_id()}, acts);
        break;
      case Kind::Timer:
        node.handle(now_, TimerFired{Timer{static_cast<TimerKind>(ev.type), payloads_[ev.arg].id}},
                    acts);
        break;
      case Kind::ParkedTimer:
        node.handle(now_, TimerFired{parked_timers_[ev.arg]}, acts);
        parked_timers_free_.push_back(ev.arg);
        break;
      case Kind::Join:
        node.handle(now_, Join{address_of(ev.arg)}, acts);
        break;
      case Kind::Say:
        node.handle(now_, Say{std::move(said_[ev.arg])}, acts);
        break;
      case Kind::Leave:
        node.handle(now_, Leave{}, acts);
        ++counters_.departures;
        break;
    }
#ifndef NDEBUG
    assert(!check || !links_changed(dest));
#endif
    if (watch || !fan_.empty()) [[unlikely]]
      after_handling(dest, watch);
    if (ev.kind == Kind::Leave) drop_live(dest);
    if (said_flood_ != kNoFlood && --flood_in_flight_[said_flood_] == 0) finish_flood(said_flood_);
  }
  if (ev.kind == Kind::Say) {
    said_[ev.arg].clear();
    said_free_.push_back(ev.arg);
  }
  done_with_payload(ev);
  if (flood != nullptr) {
    // Re-look it up: the node's effects may have grown floods_.
    flood = flood_mut(flood_id);
    const std::size_t k = static_cast<std::size_t>(flood - floods_.data());
    if (--flood_in_flight_[k] == 0) finish_flood(k);
  }
  return true;
}

inline void Network::step_hop(JoinHop& hop) {
  // As step() does for this event, less what cannot happen: the event is a packet that is not a
  // chat message, so it belongs to no flood and no fan-out entry watches its node's links.
  const Event& ev = current_;
  --counters_.join_requests_in_flight;
  ++counters_.events;
  said_flood_ = kNoFlood;
  recent_payload_ = hop_payload_ = ev.arg;
  Acts acts(*this, ev.dest);
  nodes_[ev.dest].on_join_hop_to(now_, ev.conn_id(), hop, acts);
  hop_payload_ = kNoPayload;
  if (!fan_.empty()) [[unlikely]]
    after_handling(ev.dest, false);
  if (said_flood_ != kNoFlood && --flood_in_flight_[said_flood_] == 0) finish_flood(said_flood_);
  done_with_payload(ev);
}

void Network::tell_send(std::uint32_t from, std::uint32_t to, const Packet& packet) const {
  for (Observer* o : observers_) o->on_send(*this, from, to, packet);
}

void Network::tell_note(std::uint32_t node, const Note& note) const {
  for (Observer* o : observers_) o->on_note(*this, node, note);
}

void Network::remove_observer(const Observer& observer) {
  std::erase(observers_, &observer);
}

void Network::sampled(const TimeSample& sample) {
  for (Observer* o : observers_) o->on_sample(*this, sample);
}

void Network::run_until(Time t) {
  run_due(t, std::numeric_limits<std::uint64_t>::max());
  if (t > now_) now_ = t;
}

[[gnu::hot]] std::uint64_t Network::run_due(Time t, std::uint64_t most) {
  std::uint64_t n = 0;
  for (; n < most && !queue_.empty() && queue_.due_by(t); ++n) step();
  return n;
}

void Network::drain() {
  while (step()) {
  }
}

Network::LinkBuckets Network::link_buckets() const {
  using B = LinkBuckets;
  const std::size_t n = nodes_.size();
  if (n > B::kMaxNodes) throw std::length_error("too many nodes to list their links by lower end");
  // Each node's links to higher live nodes fill its own bucket: counted, placed and sorted, a
  // node at a time in index order, with no write into another node's bucket.
  B b;
  b.start.assign(n + 1, 0);
  for (std::uint32_t i = 0; i < n; ++i)
    if (alive(i))
      for_each_peer(i, [&](std::uint32_t j) {
        if (j > i && alive(j)) ++b.start[std::size_t{i} + 1];
      });
  for (std::size_t k = 1; k <= n; ++k) b.start[k] += b.start[k - 1];
  b.ends.resize(b.start[n]);
  // Each link a node holds to a lower one marks the lower end's entry for it (that bucket is
  // complete by then), or, where the lower end holds none (a link one end has closed while the
  // other's Closed is still on its way), is kept aside. The lower ends' buckets are reached at
  // random: a batch of them is fetched at a time, their places and then their entries, before any
  // is searched.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> lone;  // (lower, higher)
  constexpr std::size_t kBatch = 256;
  std::pair<std::uint32_t, std::uint32_t> batch[kBatch];  // (lower, higher)
  std::size_t batched = 0;
  const auto mark = [&] {
    for (std::size_t k = 0; k < batched; ++k) __builtin_prefetch(&b.start[batch[k].first]);
    for (std::size_t k = 0; k < batched; ++k)
      __builtin_prefetch(b.ends.data() + b.start[batch[k].first]);
    for (std::size_t k = 0; k < batched; ++k) {
      const auto [lo, hi] = batch[k];
      const auto first = b.ends.begin() + static_cast<std::ptrdiff_t>(b.start[lo]);
      const auto last = b.ends.begin() + static_cast<std::ptrdiff_t>(b.start[std::size_t{lo} + 1]);
      const auto it = std::lower_bound(first, last, hi << 2);
      if (it != last && (*it >> 2) == hi)
        *it |= B::kByHigher;
      else
        lone.emplace_back(lo, hi);
    }
    batched = 0;
  };
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!alive(i)) continue;
    std::uint64_t at = b.start[i];
    for_each_peer(i, [&](std::uint32_t j) {
      if (j == i || !alive(j)) return;
      if (j > i) {
        b.ends[at++] = j << 2 | B::kByLower;
      } else {
        batch[batched++] = {j, i};
        if (batched == kBatch) mark();
      }
    });
    std::sort(b.ends.begin() + static_cast<std::ptrdiff_t>(b.start[i]),
              b.ends.begin() + static_cast<std::ptrdiff_t>(at));
  }
  mark();
  if (lone.empty()) return b;
  // Those join their lower ends' buckets, once per pair: from the last bucket back, each moves up
  // by the entries added to it and to the buckets before it, merged in order as it moves.
  std::sort(lone.begin(), lone.end());
  lone.erase(std::unique(lone.begin(), lone.end()), lone.end());
  std::size_t added = lone.size();
  b.ends.reserve(b.ends.size() + added);  // exactly: a list grown by doubling would keep the room
  b.ends.resize(b.ends.size() + added);
  for (std::size_t lo = n; lo-- > 0 && added > 0;) {
    std::uint64_t from = b.start[lo + 1], to = from + added;
    b.start[lo + 1] = to;
    for (; added > 0 && lone[added - 1].first == lo; --added) {
      const std::uint32_t entry = lone[added - 1].second << 2 | B::kByHigher;
      while (from > b.start[lo] && b.ends[from - 1] > entry) b.ends[--to] = b.ends[--from];
      b.ends[--to] = entry;
    }
    while (from > b.start[lo]) b.ends[--to] = b.ends[--from];
  }
  return b;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> Network::links() const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for_each_link_pair([&](std::uint32_t lo, std::uint32_t hi, std::uint32_t by_lower, bool) {
    for (std::uint32_t k = 0; k < by_lower; ++k) out.emplace_back(lo, hi);
  });
  return out;
}

std::uint64_t Network::link_ends() const {
  std::uint64_t ends = 0;
  for (std::uint32_t i : live_)
    for_each_peer(i, [&](std::uint32_t j) {
      if (j < nodes_.size() && alive(j)) ++ends;
    });
  return ends;
}

}  // namespace p2p::sim
