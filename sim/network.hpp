#pragma once
// Simulated nodes joined by simulated links: every effect a node emits becomes a future event
// after a latency the sender draws, and every event becomes one input to one node. Virtual time
// is integer microseconds; one root seed decides everything.
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/effect.hpp"
#include "protocol/huge_pages.hpp"
#include "protocol/node.hpp"
#include "protocol/random.hpp"
#include "sim/address.hpp"
#include "sim/event_queue.hpp"
#include "sim/flood_latencies.hpp"
#include "sim/latency.hpp"
#include "sim/live_nodes.hpp"
#include "sim/observer.hpp"
#include "sim/prefault.hpp"

namespace p2p::sim {

// The scenario is a sender of its own; its events sort after nodes' at the same instant.
inline constexpr std::uint32_t kScenarioSender = 0xFFFFFFFFu;
// A packet that arrived over a throw-away connection (SendOnce) has no link to answer on.
inline constexpr ConnId kOneShotConn = kDriverConnBit | (ConnId{0x7FFFFFFFu} << 32);

// A share of the nodes that runs its own Config (its own rule and parameters): a network may mix
// rules, as during the roll-out of a protocol upgrade.
struct NodeGroup {
  const Config* config = nullptr;  // must outlive the network
  double share = 1.0;              // the chance that a new node joins this group
};
inline constexpr std::size_t kMaxGroups = 255;

struct NetworkOptions {
  std::uint64_t seed = 1;
  LatencyModel latency;  // its seed is set from `seed`
  // Each packet (not a connection's close) is lost with this probability, as on a lossy path
  // with no retransmission; the draw is a hash of (seed, sender, sender's send counter).
  double loss = 0.0;
  // > 0: a node handles one event at a time, each taking this long, and an event that arrives
  // while it is busy waits its turn; what the node sends leaves when it has finished. Models a
  // real peer's processing and scheduling per hop (docs/reality-gap.md). 0: handled at once.
  Time service_time = 0;
  // A node's copies of a message it floods wait as fan-out entries (Network's FanOut), far less
  // memory, once at least `fan_outs_from` events are pending: below that the plain events
  // take little memory and are handled faster. The order of events and every result are the same
  // either way; off, each copy waits as its own event, which the tests compare against.
  bool fan_outs = true;
  std::size_t fan_outs_from = std::size_t{1} << 20;
};

// One chat message said through schedule_say, followed until its last copy has arrived.
struct FloodStats {
  std::uint64_t id = 0;
  std::uint32_t origin = 0;
  Time start = 0;                // when it was said
  std::uint64_t reachable = 0;   // live nodes other than the origin when it was said
  std::uint64_t deliveries = 0;  // nodes that delivered it (the author excluded)
  // With groups: deliveries, and live nodes other than the origin when it was said, per group.
  std::vector<std::uint64_t> deliveries_by_group, reachable_by_group;
  std::uint64_t messages = 0;    // copies sent over links
  std::uint64_t duplicates = 0;  // copies that arrived at a node that had seen it
  std::uint32_t max_hops = 0;    // most links a copy crossed before it was delivered
  // Delivery latency percentiles (microseconds after `start`); set once no copy is in flight.
  Time p50 = 0, p90 = 0, p99 = 0, max = 0;
  bool finished = false;
};

struct Counters {
  std::uint64_t events = 0;                   // events handed to nodes
  std::uint64_t events_to_departed = 0;       // events dropped because their node had left
  std::uint64_t join_requests_sent = 0;       // JOIN_REQs sent by newcomers (first hop)
  std::uint64_t join_requests_passed = 0;     // JOIN_REQs passed on between neighbours
  std::uint64_t join_requests_in_flight = 0;  // JOIN_REQs sent and not yet arrived
  std::uint64_t messages_sent = 0;            // chat copies sent over links
  std::uint64_t packets_lost = 0;             // packets dropped by the loss probability
  std::uint64_t packets_cut = 0;              // packets dropped crossing a partition
  std::uint64_t departures = 0;               // graceful leaves
  std::uint64_t crashes = 0;                  // nodes that stopped without a word
  // Deliveries at honest nodes of messages no scenario said: an attacker's, injected or spoofed.
  std::uint64_t injected_deliveries = 0;
  std::array<std::uint64_t, kNoteKindCount> notes{};

  std::uint64_t note(NoteKind k) const { return notes[static_cast<std::size_t>(k)]; }
};

class Network {
 public:
  Network(const Config& config, NetworkOptions options);

  // Creates node `size()` (alive, with no links); its address is address_of(index). It runs the
  // network's Config, or with groups set, the Config of the group a hash of (seed, index) draws.
  std::uint32_t add_node();
  // Mixes rules: from now on each new node joins one of `groups` with probability its share
  // (shares are normalised; at most kMaxGroups). Empty: every node runs the network's Config.
  void set_groups(std::vector<NodeGroup> groups);
  const std::vector<NodeGroup>& groups() const { return groups_; }
  // The group node `i` joined (0 without groups).
  std::uint8_t group_of(std::uint32_t i) const {
    return static_cast<std::uint8_t>(nodes_[i].group);
  }
  // Room for `n` nodes in all, so a known-size run grows its arrays once.
  void reserve(std::size_t n);
  std::size_t size() const { return nodes_.size(); }
  const Node& node(std::uint32_t i) const { return nodes_[i]; }
  bool alive(std::uint32_t i) const { return ((alive_[i >> 6] >> (i & 63)) & 1) != 0; }
  Time now() const { return now_; }
  // Live nodes, in an order that depends only on the run's history.
  const LiveNodes& live() const { return live_; }
  // Starts fetching node i's links and whether it is alive, for a pass over the graph that reads
  // them soon: such a pass reaches the nodes at the far ends of links in random order.
  void prefetch(std::uint32_t i) const { prefetch_node(i); }

  // Scenario inputs, delivered to `node` at time `at` (>= now()).
  void schedule_join(Time at, std::uint32_t node, std::uint32_t entry);
  void schedule_say(Time at, std::uint32_t node, std::string text);
  void schedule_leave(Time at, std::uint32_t node);
  // The node stops now without a word: its pending events are dropped, and each neighbour gets
  // Closed for its link `detection` later, as a TCP peer learns of a dead host by a timeout.
  void crash(std::uint32_t node, Time detection);

  // From now on until heal(), packets between the two sides are dropped: node n is on side A
  // when a hash of (seed, salt, n) is below `fraction`. Closes still cross, so links stay mutual.
  void partition(double fraction, std::uint64_t salt);
  void heal() { partitioned_ = false; }
  bool side_a(std::uint32_t n) const;
  bool partitioned() const { return partitioned_; }

  // Handles the earliest event; false when none is pending.
  bool step();
  // Handles every event up to and including time `t`, then sets the clock to `t`.
  void run_until(Time t);
  // Handles events due by `t`, at most `most` of them, in one loop (a driver that reports its
  // progress every so many events asks for that many); returns how many. The clock stays at the
  // last one handled.
  std::uint64_t run_due(Time t, std::uint64_t most);
  // Handles events until none is pending.
  void drain();
  std::size_t pending() const { return queue_.pending(); }
  std::size_t peak_pending() const { return queue_.peak(); }
  // Copies of messages that waited inside fan-out entries so far.
  std::uint64_t fanned_copies() const { return fanned_copies_; }
  // Time of the earliest pending event; pending() must be non-zero.
  Time next_event_time() const { return queue_.next_time(); }
  // Whether the earliest pending event is at or before `t` (next_event_time() <= t, cheaper);
  // pending() must be non-zero.
  bool due_by(Time t) const { return queue_.due_by(t); }

  // The links between live nodes as (i, j) with i < j, one entry per link (a doubled link appears
  // twice), sorted.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links() const;
  // Number of link ends held by live nodes towards live nodes (twice the links), without building
  // the list.
  std::uint64_t link_ends() const;

  // Adds a watcher of every send, delivery, note and sample from now on (observer.hpp); it must
  // outlive the network or be removed first. Observers are called in the order they were added.
  void add_observer(Observer& observer) { observers_.push_back(&observer); }
  void remove_observer(const Observer& observer);
  // Hands a sample the scenario took to every observer.
  void sampled(const TimeSample& sample);

  const Counters& counters() const { return counters_; }
  // Messages said through schedule_say, in the order they were said.
  const std::vector<FloodStats>& floods() const { return floods_; }
  const FloodStats* flood(std::uint64_t id) const;
  // The id of the message most recently said through schedule_say (0 if none yet).
  std::uint64_t last_said() const { return last_said_; }

  // One run split over ranks (docs/distributed.md): node i belongs to rank i mod `ranks`, which
  // alone handles its events. Every rank adds every node and runs the same scenario, so the
  // replicated state (size, live_, groups, the scenario's send counter) agrees everywhere; an
  // event for another rank's node waits in an outbox until the window's end, and a scenario
  // event for another rank's node is only counted. Call before the first node is added.
  void shard(std::uint32_t rank, std::uint32_t ranks);
  std::uint32_t rank() const { return rank_; }
  std::uint32_t ranks() const { return ranks_; }
  bool sharded() const { return ranks_ > 1; }
  std::uint32_t owner(std::uint32_t node) const { return node % ranks_; }
  // The least delay from a rank's event to its effect on another rank: no event made in a window
  // [W, W + lookahead) falls in it.
  Time lookahead() const { return options_.latency.min; }
  static constexpr Time kNoEvent = std::numeric_limits<Time>::max();
  // A lower bound of the earliest pending event over every rank (kNoEvent: none): exact after an
  // exchange, lowered by scenario events pushed since.
  Time next_window() const { return next_window_; }
  // Handles this rank's events with time < `end`; returns how many.
  std::uint64_t run_window(Time end);
  // A window's end: begin_exchange(), then batch_for(r) for every other rank r (its outbox, the
  // floods this rank started and the header the next window starts from), then take_batch() for
  // every batch received, in any order.
  void begin_exchange();
  std::string batch_for(std::uint32_t to);
  void take_batch(std::string_view batch);
  // The run's end: every rank but 0 gives its part (counters, its share of every flood, the links
  // of its live nodes) and rank 0 merges them, after which its counters(), floods(), last_said(),
  // links() and peers_of() are the whole network's, as a serial run's are.
  std::string final_part() const;
  // Events this rank's nodes sent to other ranks' nodes so far.
  std::uint64_t crossed() const { return crossed_; }
  void merge_final(const std::vector<std::string>& parts);

  // The far ends of node i's links (node indices, a doubled link twice), whichever rank holds the
  // node once merge_final has run.
  template <typename F>
  void for_each_peer(std::uint32_t i, F&& f) const {
    if (!gathered_start_.empty() && owner(i) != rank_) {
      for (std::uint64_t k = gathered_start_[i]; k < gathered_start_[i + 1]; ++k)
        if (gathered_peers_[k] < nodes_.size()) f(gathered_peers_[k]);
      return;
    }
    for (const Link& l : nodes_[i].links())
      if (l.peer < nodes_.size()) f(l.peer);  // a link to a forged address leads nowhere
  }
  // Each pair of distinct live nodes of which one holds a link to the other, once, in increasing
  // (lower, higher) order: f(lower, higher, held_by_lower, held_by_higher), where held_by_lower
  // counts the lower end's links to the higher one (a doubled link twice) and held_by_higher says
  // whether the higher end holds one. Found by passes over the nodes in index order into a
  // bucket per lower end.
  template <typename F>
  void for_each_link_pair(F&& f) const {
    for_each_link_pair(link_buckets(), f);
  }
  // The live links by lower end: ends[start[lo] .. start[lo + 1]) holds, sorted, an entry
  // higher << 2 | kByLower for each of the lower end's links to a higher node (a doubled link
  // twice), kByHigher added to one of them when the higher end holds the link too; a link the
  // higher end alone holds has an entry higher << 2 | kByHigher. One entry per link, not per
  // link end: built at the end of a run, beside every node, they were as large as the flood's
  // waiting events. Built once, they can be walked more than once (to count before filling).
  struct LinkBuckets {
    static constexpr std::uint32_t kByLower = 1, kByHigher = 2;
    // The most nodes the entries can name: two of an entry's 32 bits are flags.
    static constexpr std::size_t kMaxNodes = std::size_t{1} << 30;
    std::vector<std::uint64_t> start;
    std::vector<std::uint32_t> ends;
  };
  LinkBuckets link_buckets() const;
  // Calls f(higher, held_by_lower, held_by_higher) for each higher end of `ends` [first, last)
  // (one lower end's bucket), in order.
  template <typename F>
  static void for_each_higher_end(const std::uint32_t* first, const std::uint32_t* last, F&& f) {
    while (first != last) {
      const std::uint32_t hi = *first >> 2;
      std::uint32_t by_lower = 0;
      bool by_higher = false;
      for (; first != last && (*first >> 2) == hi; ++first) {
        by_lower += *first & LinkBuckets::kByLower;
        by_higher = by_higher || (*first & LinkBuckets::kByHigher) != 0;
      }
      f(hi, by_lower, by_higher);
    }
  }
  template <typename F>
  static void for_each_link_pair(const LinkBuckets& b, F&& f) {
    for (std::size_t lo = 0; lo + 1 < b.start.size(); ++lo)
      for_each_higher_end(b.ends.data() + b.start[lo], b.ends.data() + b.start[lo + 1],
                          [&](std::uint32_t hi, std::uint32_t by_lower, bool by_higher) {
                            f(static_cast<std::uint32_t>(lo), hi, by_lower, by_higher);
                          });
  }
  std::size_t link_count(std::uint32_t i) const {
    if (!gathered_start_.empty() && owner(i) != rank_)
      return static_cast<std::size_t>(gathered_start_[i + 1] - gathered_start_[i]);
    return nodes_[i].links().size();
  }

 private:
  enum class Kind : std::uint8_t { Packet, Parked, Closed, Timer, ParkedTimer, Join, Say, Leave };
  // How an event's connection id is held in 32 bits: a flood keeps millions of events pending, so
  // each byte of an event is megabytes. The ids the simulator hands out name their opener, which
  // is always the event's sender (far_end), so only the opener's own 32-bit id travels.
  // FanOut marks a fan-out entry instead (see FanOut below).
  enum class ConnForm : std::uint8_t { Own, Opened, OneShot, FanOut };
  // One pending event in 32 bytes, 26 while it waits in a bucket: a flood keeps millions pending,
  // so each byte of an event is megabytes. In the simulator every address is a simulated one, so a
  // packet travels as node indices and a handle to its payload (id, origin, degree or ref, flags,
  // interned text), which the copies of one flood, or the hops of one JOIN_REQ, share; a packet
  // that does not fit (a field this form lacks, such as an address list, or a ref beside a degree,
  // flags or text) is parked whole in a side table and the event names its slot. A bucket of the
  // queue keeps an event's body and its time within the bucket (24 + 2 bytes); the gathered bucket
  // and the far heap keep whole events.
  struct EventBody {
    std::uint64_t seq : 40 = 0;  // a sender's counter: 10^12 sends, days of simulation
    Kind kind : 3 = Kind::Packet;
    std::uint8_t served : 1 = 0;  // with a service time: waited for its node and is handled now
    ConnForm conn_form : 2 = ConnForm::Own;
    std::uint8_t type = 0;  // packet type; timer kind
    std::uint8_t hops = 0;
    std::uint32_t sender = 0;
    std::uint32_t dest = 0;
    std::uint32_t conn = 0;  // the connection, as conn_form says
    // Packet, Timer: payload slot; Parked, ParkedTimer: parked slot; Join: entry; Say: text slot.
    std::uint32_t arg = 0;
  };
  struct Event : EventBody {
    using Body = EventBody;
    Time at = 0;

    void set_conn(std::uint32_t from, ConnId c);
    ConnId conn_id() const;
  };
  static_assert(sizeof(EventBody) == 24 && sizeof(Event) == 32, "an event is half a cache line");
  // What a compact packet carries besides its type and hops (a timer: its key in `id`), held once
  // for every pending event that names it.
  struct Payload {
    std::uint64_t id = 0;   // packet id; timer key
    std::uint64_t aux = 0;  // packet ref, or degree | flags << 32 | text << 40 (aux_small)
    std::uint32_t origin = 0;
    std::uint32_t refs = 0;  // pending events naming it; a free slot: the next free slot
    std::uint8_t aux_small = 0;

    // The word for a request or message that is not an answer.
    static std::uint64_t small_word(std::uint32_t degree, std::uint8_t flags, std::uint16_t text) {
      return std::uint64_t{degree} | (std::uint64_t{flags} << 32) | (std::uint64_t{text} << 40);
    }
    // Holds `ref` if it is not 0, else `small`.
    void set_word(std::uint64_t ref, std::uint64_t small) {
      aux_small = ref == 0 ? 1 : 0;
      aux = ref == 0 ? small : ref;
    }
    // Read through a mask, not a jump: a join phase's requests carry a ref or not at random.
    std::uint64_t small_mask() const { return std::uint64_t{0} - aux_small; }
    std::uint64_t ref() const { return aux & ~small_mask(); }
    std::uint32_t degree() const { return static_cast<std::uint32_t>(aux & small_mask()); }
    std::uint8_t flags() const { return static_cast<std::uint8_t>((aux & small_mask()) >> 32); }
    std::uint16_t text() const { return static_cast<std::uint16_t>((aux & small_mask()) >> 40); }

    bool same(const Payload& o) const {
      return id == o.id && aux == o.aux && origin == o.origin && aux_small == o.aux_small;
    }
  };
  static constexpr std::uint32_t kNoPayload = ~std::uint32_t{0};
  // A slot holding `p` for one more event: the payload of the event being handled, or the one
  // last made while handling it, if `p` equals it (a message forwarded, a request passed on).
  [[gnu::always_inline]] std::uint32_t share_payload(const Payload& p) {
    if (recent_payload_ != kNoPayload && payloads_[recent_payload_].same(p)) {
      ++payloads_[recent_payload_].refs;
      return recent_payload_;
    }
    return recent_payload_ = hold_payload(p);
  }
  // The slot for a JOIN_REQ passed on: the handled request's own, rewritten, while no other
  // event names it (a rule may have sent the request on whole first, sharing the slot) and no
  // earlier hop has taken it (its fields were read into the hop before the node saw it); else as
  // share_payload. A hop then frees no slot and takes none.
  [[gnu::always_inline]] std::uint32_t pass_on_payload(const Payload& p) {
    if (hop_payload_ == kNoPayload || payloads_[hop_payload_].refs != 1) return share_payload(p);
    const std::uint32_t slot = hop_payload_;
    hop_payload_ = kNoPayload;
    hop_payload_taken_ = true;
    payloads_[slot] = p;
    payloads_[slot].refs = 1;
    return recent_payload_ = slot;
  }
  // A new slot holding `p` for one event.
  std::uint32_t hold_payload(const Payload& p) {
    std::uint32_t slot = payloads_free_;
    if (slot == kNoPayload) {
      slot = static_cast<std::uint32_t>(payloads_.size());
      payloads_.emplace_back();
    } else {
      payloads_free_ = payloads_[slot].refs;
    }
    payloads_[slot] = p;
    payloads_[slot].refs = 1;
    return slot;
  }
  // One event naming payload `slot` is gone.
  void release_payload(std::uint32_t slot) {
    if (--payloads_[slot].refs == 0) {
      payloads_[slot].refs = payloads_free_;
      payloads_free_ = slot;
    }
  }
  // The handled event `e` no longer names its payload, unless its hop took the slot over.
  [[gnu::always_inline]] void done_with_payload(const Event& e) {
    if (hop_payload_taken_)
      hop_payload_taken_ = false;  // passed on with the hop
    else if (e.kind == Kind::Packet || e.kind == Kind::Timer)
      release_payload(e.arg);
    recent_payload_ = kNoPayload;
  }
  // The id of a packet event's packet (Packet or Parked).
  std::uint64_t packet_id(const Event& e) const {
    return e.kind == Kind::Packet ? payloads_[e.arg].id : parked_[e.arg].id;
  }

  void push(std::uint32_t sender, Time at, Event& e);
  // step() for a plain JOIN_REQ's hop `hop`, read from the current event.
  [[gnu::always_inline]] void step_hop(JoinHop& hop);

  // Fan-outs. A node that floods a message sends one copy over each of its links but one, in
  // link order, and the copies differ only in their link: so up to kFanMax of them can wait as
  // one entry, which stands for the copy due first and names the others by their places in the
  // sender's link list. When its copy is due, the entry becomes that copy's plain event and is
  // pushed again for the next. The sender's links are read when each copy is due: while it has
  // entries waiting, the links they name are kept (frozen_) before anything changes them. A
  // copy's time is the send time plus the pair's latency, and its sequence number follows from
  // its link's place, so the entry's event comes out exactly as the plain one would have: the
  // order of events, and every output, is unchanged.
  //
  // Packed into an entry's dest (low) and conn (high) words: bits 0-3 the place of the skipped
  // link (the one the message came over) after the base (kNoSkip: none inside the entry), 4-7
  // how many copies follow the entry's own, 8-13 the base place, then from bit 16 4 bits per copy,
  // its place after the base, in the order they are due, the entry's own first. `type` holds the
  // version of the sender's links.
  static constexpr std::uint32_t kFanMax = 12;  // copies one entry holds
  static constexpr std::uint32_t kNoSkip = 15;
  static constexpr std::uint32_t kNoNode = ~std::uint32_t{0};
  static constexpr std::size_t kFanLinks = 64;  // places a fan-out can name
  struct Frozen {
    std::vector<Link> links;
    std::uint32_t open = 0;  // entries still naming these links
  };
  static std::uint64_t fan_word(const EventBody& e) {
    return std::uint64_t{e.dest} | std::uint64_t{e.conn} << 32;
  }
  // Where the copy over `link` of `from` goes, and its connection there.
  std::pair<std::uint32_t, ConnId> copy_over(std::uint32_t from, const Link& link) const {
    return far_end(from, link.unescaped_conn(), link.peer);
  }
  // The node an event's handling reads first: a fan-out entry's sender, whose links name its
  // copy's destination.
  static std::uint32_t target(const EventBody& e) {
    return e.conn_form == ConnForm::FanOut ? e.sender : e.dest;
  }
  // Whether an event is a copy of a chat message (a fan-out entry's copies all are).
  static bool is_message(const EventBody& e) {
    return e.conn_form == ConnForm::FanOut ||
           (e.kind == Kind::Packet && e.type == static_cast<std::uint8_t>(PacketType::Message));
  }
  // Sends the copies held back so far as plain events.
  void flush_fan();
  // At the end of a node's handling: the copies held back that form a fan-out over the node's
  // links become entries, the others plain events.
  void finish_fan(std::uint32_t from);
  // Pushes fan_[first, last), copies over links fan_place_[first, last) of `from` whose skipped
  // link is `skip` places after the first's, as one entry.
  void push_fan(std::uint32_t from, std::size_t first, std::size_t last, std::uint32_t skip);
  // Turns the fan-out entry in current_ into its copy's plain event, pushing the entry again for
  // the next copy.
  [[gnu::noinline]] void open_fan();
  // Around a node's handling, while it has entries waiting (unless the input is a chat message,
  // which only reads links) or sent copies: its links are copied before, and kept (freeze) if the
  // handling changed them; the copies it sent become entries.
  [[gnu::noinline]] void before_handling(std::uint32_t node);
  [[gnu::noinline]] void after_handling(std::uint32_t node, bool watched);
  // Whether `node`'s links differ from those before_handling copied.
  bool links_changed(std::uint32_t node) const;
  // The node that fan-out entry `e`'s copy goes to, read from its sender's links; kNoNode when
  // those links are kept aside (frozen_), where a look for a fetch is not worth it.
  std::uint32_t fan_receiver(const Event& e) const;
  // The node an event is delivered to: its destination, or a fan-out entry's next receiver
  // (kNoNode when not worth the look).
  std::uint32_t receiver(const Event& e) const {
    return e.conn_form == ConnForm::FanOut ? fan_receiver(e) : e.dest;
  }
  // Keeps `links` (a node's, as its waiting entries name them) under the node's current version,
  // and starts a new version.
  void freeze(std::uint32_t node, const Link* links, std::size_t n);
  // Sends `packet` from `from` to `to` over `conn`; a packet that must be parked is moved from
  // `movable` when the node handed it over (null: copied).
  void send_packet(std::uint32_t from, std::uint32_t to, ConnId conn, const Packet& packet,
                   Packet* movable);
  // The same for the plain JOIN_REQ `hop`, held as a payload without a Packet when it fits one.
  void send_hop(std::uint32_t from, std::uint32_t to, ConnId conn, const JoinHop& hop);
  // The same for a newcomer's own JOIN_REQ `hop`, sent once.
  void send_request(std::uint32_t from, std::uint32_t to, const JoinHop& hop);
  // The same for the JOIN_ACK with `ack`'s fields (join_ack_of), opening connection `conn`.
  void send_ack(std::uint32_t from, std::uint32_t to, ConnId conn, const JoinHop& ack);
  // The three: a packet of type kType with fields `f`, as send_packet would send it; a request
  // passed on (kPassOn) may take over the slot of the request being handled.
  template <PacketType kType, bool kPassOn>
  [[gnu::hot]] void send_fields(std::uint32_t from, std::uint32_t to, ConnId conn,
                                const JoinHop& f);
  // What both do once the packet is known to go: its latency, loss or cut, then an event whose
  // payload `hold(e)` sets (or parks), queued or held back for a fan-out.
  template <class Hold>
  [[gnu::always_inline]] void send_event(std::uint32_t from, std::uint32_t to, ConnId conn,
                                         PacketType type, std::uint8_t hops, std::uint64_t id,
                                         Hold&& hold);
  // The payload of the JOIN_REQ event `e` as the hop it describes, if it is a plain one.
  [[gnu::always_inline]] bool hop_of_event(const Event& e, JoinHop& hop) const;
  // Carries out a node's effects as the node decides them: the sink Node::handle is given.
  class Acts;
  // Hands a send or a note to every observer: out of line, so the paths that check for observers
  // stay small when there are none.
  [[gnu::cold, gnu::noinline]] void tell_send(std::uint32_t from, std::uint32_t to,
                                              const Packet& packet) const;
  [[gnu::cold, gnu::noinline]] void tell_note(std::uint32_t node, const Note& note) const;
  void drop_live(std::uint32_t node);
  void packet_of(const Event& e, const Payload& payload, Packet& out) const;
  // Fills `p` from `packet`; false when the packet has a field the compact event cannot carry
  // (an address list, a body, a foreign origin, a ref beside a degree, flags or text), and must
  // be parked.
  bool fits(const Packet& packet, Payload& p);
  // Starts fetching node `i`'s memory, for an event it will handle soon.
  void prefetch_node(std::uint32_t i) const;
  // Fetches node `to`'s memory soon, for a packet just pushed to it.
  void fetch_soon(std::uint32_t to);
  // Fetches the part of node `i` that holds its links and the simulator's counters.
  void prefetch_links_part(std::uint32_t i) const;
  // Fetches what handling event `e` reads among its node's links (the node is in by now). Links
  // inside the node came with it: most nodes are asked about here, and the call for them alone
  // was 1% of a join phase's instructions.
  void fetch_links_read(const Event& e) const {
    if (nodes_[target(e)].degree() > LinkList::kInline) fetch_block_read(e);
  }
  // The same for a node whose links are in a block of their own.
  void fetch_block_read(const Event& e) const;
  std::uint16_t intern(const std::string& text);
  FloodStats* flood_mut(std::uint64_t id);
  void finish_flood(std::size_t index);
  // The node and connection id at the far end of `from`'s connection `conn` to `peer`.
  std::pair<std::uint32_t, ConnId> far_end(std::uint32_t from, ConnId conn,
                                           const Address& peer) const {
    return far_end(from, conn, index_of(peer));
  }
  // The same for a link's peer id (the node index).
  std::pair<std::uint32_t, ConnId> far_end(std::uint32_t from, ConnId conn, PeerId peer) const;
  // The network's copy of `config`, whose nodes use the simulator's PeerBook.
  const Config* own(const Config* config);

  std::vector<std::unique_ptr<Config>> configs_;  // the copies own() made
  const Config* config_;
  NetworkOptions options_;
  std::uint64_t latency_key_ = 0;  // seed_key of the latency model's seed
  // A node with the simulator's own state of it that every event reads or writes, held in the
  // node's tail padding: nodes are reached in random order, and in a virtual machine every
  // separate place in memory costs a two-level address translation besides its cache miss.
  struct SimNode : Node {
    SimNode(const Address& self, const Config& config, std::uint64_t seed)
        : Node(self, config, seed) {}
    std::uint64_t send_seq : 39 = 0;    // tie-break counter (2^39 sends: days of simulation)
    std::uint64_t live : 1 = 0;         // alive()'s bit, for step() (see alive_)
    std::uint64_t group : 8 = 0;        // its NodeGroup
    std::uint64_t fan_version : 8 = 0;  // of its links, as fan-out entries name them
    std::uint64_t fan_open : 8 = 0;     // entries waiting that name its current links
  };
  static_assert(sizeof(SimNode) == sizeof(Node), "the simulator's part fits the node's padding");
  HugePageVector<SimNode> nodes_;
  // A bit per node, for passes over the nodes in order. An event's step reads the copy in the
  // node (SimNode::live), whose lines it has fetched anyway: at ten million nodes the bitmap
  // is 1.25 MB, and a bit read at random from it waited on memory.
  std::vector<std::uint64_t> alive_;
  std::vector<std::uint64_t> live_by_group_;  // with groups: live nodes in each
  LiveNodes live_;
  std::vector<Time> busy_until_;  // with a service time: when each node is free again
  std::uint64_t scenario_seq_ = 0;
  std::vector<NodeGroup> groups_;
  std::vector<double> group_bounds_;  // cumulative normalised shares
  EventQueue<Event> queue_;
  Time now_ = 0;
  Event current_;
  // Inputs kept between events so their packets' buffers are reused.
  Input packet_input_{PacketIn{}};
  // Puts `value` in a free place of `store` (one `free` lists, or a new one at the end) and
  // returns that place: parked packets and scenario texts live there while their event waits.
  template <class T>
  static std::uint32_t store_in(std::vector<T>& store, std::vector<std::uint32_t>& free,
                                T&& value) {
    if (free.empty()) {
      store.push_back(std::move(value));
      return static_cast<std::uint32_t>(store.size() - 1);
    }
    const std::uint32_t slot = free.back();
    free.pop_back();
    store[slot] = std::move(value);
    return slot;
  }
  std::vector<Payload> payloads_;
  std::uint32_t payloads_free_ = kNoPayload;   // a list through the free slots' `refs`
  std::uint32_t recent_payload_ = kNoPayload;  // see share_payload
  // The handled JOIN_REQ's payload while a hop it passes on may take it over, and whether one has
  // (see pass_on_payload).
  std::uint32_t hop_payload_ = kNoPayload;
  bool hop_payload_taken_ = false;
  std::vector<Packet> parked_;
  std::vector<std::uint32_t> parked_free_;
  std::vector<Timer> parked_timers_;
  std::vector<std::uint32_t> parked_timers_free_;
  std::vector<std::string> texts_{std::string()};  // interned packet texts; 0 is empty
  std::vector<std::string> said_;                  // texts waiting in Say events
  std::vector<std::uint32_t> said_free_;
  std::unordered_map<std::string, std::uint16_t> text_index_;
  std::uint16_t last_text_ = 0;
  static constexpr std::uint16_t kTextsFull = 0xFFFF;
  // Up to this many pending events, a packet's node is fetched soon after it is pushed and its
  // links' block one event before it is handled; above, kFetchAhead events before (see step()).
  static constexpr std::size_t kPrefetchOnPushUpTo = std::size_t{1} << 15;
  static constexpr std::size_t kFetchAhead = 8;
  static constexpr std::size_t kWaveBatch = 8;
  // In a flood's wave, from how many events ahead the receivers' seen-set slots are fetched, a
  // batch at a time: those whose nodes the batch before fetched (the slot's entry is fetched one
  // event ahead).
  static constexpr std::size_t kSeenAhead = kFetchAhead - kWaveBatch;
  // Nodes fetched at push time go in batches of kPushFetchBatch (see fetch_soon); in a wave,
  // step() fetches for kWaveBatch events at once.
  static constexpr std::size_t kPushFetchBatch = 32;
  std::array<std::uint32_t, kPushFetchBatch> push_fetch_{};
  std::size_t push_fetch_count_ = 0;
  static_assert(kFetchAhead % kWaveBatch == 0);
  std::uint64_t wave_fetch_ = 0;
  // In a join phase, how many events ahead step() fetches what an event reads among its links.
  static constexpr std::size_t kHopAhead = 2;
  std::size_t gathered_ = 0;  // queue_.gathered() after the last step
  // Fan-outs (see FanOut): from how many pending events copies are held back (kNoFan: never,
  // as when sharded or with a service time); the copies the node being handled sent so far, held
  // back while they may form one; the links of
  // older versions still named by waiting entries, by node << 8 | version; the node's links before
  // its handling, while it has entries waiting.
  std::vector<Event> fan_;
  std::vector<std::uint32_t> fan_place_;  // finish_fan: each copy's link place
  std::uint64_t fanned_copies_ = 0;
  static constexpr std::size_t kNoFan = ~std::size_t{0};
  std::size_t fan_from_ = kNoFan;  // pending events from which copies are held back
  std::unordered_map<std::uint64_t, Frozen> frozen_;
  Link fan_before_[kFanLinks];
  std::size_t fan_before_n_ = 0;
  bool partitioned_ = false;
  double partition_fraction_ = 0;
  std::uint64_t partition_salt_ = 0;
  Counters counters_;
  std::vector<Observer*> observers_;
  std::vector<FloodStats> floods_;
  std::vector<FloodLatencies> flood_latencies_;  // per flood until finished
  std::vector<std::uint64_t> flood_in_flight_;
  std::unordered_map<std::uint64_t, std::uint32_t> flood_index_;  // lookups only, never iterated
  std::uint64_t last_said_ = 0;
  static constexpr std::size_t kNoFlood = ~std::size_t{0};
  std::size_t said_flood_ = kNoFlood;  // flood the event being handled originated

  // Sharding (shard()): outboxes per rank, floods to announce at the next exchange, and on rank 0
  // after merge_final the links of other ranks' nodes (CSR by node index).
  [[gnu::noinline, gnu::cold]] void send_away(std::uint32_t sender, Event& e);
  std::uint32_t rank_ = 0;
  std::uint32_t ranks_ = 1;
  std::vector<std::vector<Event>> outbox_;
  Time next_window_ = kNoEvent;
  Time exchange_least_ = kNoEvent;
  std::size_t floods_seen_ = 0;  // floods_ before this index were announced or received
  std::size_t announce_begin_ = 0, announce_end_ = 0;
  bool merged_ = false;
  std::uint64_t crossed_ = 0;
  std::vector<std::uint64_t> gathered_start_;
  std::vector<std::uint32_t> gathered_peers_;
  // Faults in the room reserve() made for nodes on another core. Declared after nodes_, so it
  // stops before their memory goes, and last, so that it moves none of the fields every event
  // reads to another cache line.
  Prefault prefault_;
};

}  // namespace p2p::sim
