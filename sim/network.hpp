#pragma once
// Simulated nodes joined by simulated links: every effect a node emits becomes a future event
// after a latency the sender draws, and every event becomes one input to one node. Virtual time
// is integer microseconds; one root seed decides everything.
#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/effect.hpp"
#include "protocol/node.hpp"
#include "protocol/random.hpp"
#include "sim/event_queue.hpp"
#include "sim/latency.hpp"

namespace p2p::sim {

// The scenario is a sender of its own; its events sort after nodes' at the same instant.
inline constexpr std::uint32_t kScenarioSender = 0xFFFFFFFFu;
// A packet that arrived over a throw-away connection (SendOnce) has no link to answer on.
inline constexpr ConnId kOneShotConn = kDriverConnBit | (ConnId{0x7FFFFFFFu} << 32);

struct NetworkOptions {
  std::uint64_t seed = 1;
  LatencyModel latency;  // its seed is set from `seed`
};

// Per-message flood accounting, keyed by message id.
struct FloodStats {
  std::uint64_t deliveries = 0;  // nodes that delivered it (the author excluded)
  std::uint64_t messages = 0;    // copies sent over links
  std::uint64_t duplicates = 0;  // copies that arrived at a node that had seen it
};

struct Counters {
  std::uint64_t events = 0;                // events handed to nodes
  std::uint64_t events_to_departed = 0;    // events dropped because their node had left
  std::uint64_t join_requests_sent = 0;    // JOIN_REQs sent by newcomers (first hop)
  std::uint64_t join_requests_passed = 0;  // JOIN_REQs passed on between neighbours
  std::uint64_t messages_sent = 0;         // chat copies sent over links
  std::array<std::uint64_t, kNoteKindCount> notes{};

  std::uint64_t note(NoteKind k) const { return notes[static_cast<std::size_t>(k)]; }
};

class Network {
 public:
  Network(const Config& config, NetworkOptions options);

  // Creates node `size()` (alive, with no links); its address is address_of(index).
  std::uint32_t add_node();
  std::size_t size() const { return nodes_.size(); }
  const Node& node(std::uint32_t i) const { return nodes_[i]; }
  bool alive(std::uint32_t i) const { return alive_[i] != 0; }
  Time now() const { return now_; }

  // Scenario inputs, delivered to `node` at time `at` (>= now()).
  void schedule_join(Time at, std::uint32_t node, std::uint32_t entry);
  void schedule_say(Time at, std::uint32_t node, std::string text);
  void schedule_leave(Time at, std::uint32_t node);

  // Handles the earliest event; false when none is pending.
  bool step();
  // Handles every event up to and including time `t`, then sets the clock to `t`.
  void run_until(Time t);
  // Handles events until none is pending.
  void drain();
  std::size_t pending() const { return queue_.size(); }

  // The links between live nodes as (i, j) with i < j, one entry per link (a doubled link appears
  // twice), sorted.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links() const;

  const Counters& counters() const { return counters_; }
  // Flood accounting for messages said through schedule_say, by id.
  const std::map<std::uint64_t, FloodStats>& floods() const { return floods_; }
  // The id of the message most recently said through schedule_say (0 if none yet).
  std::uint64_t last_said() const { return last_said_; }

 private:
  enum class Kind : std::uint8_t { Packet, Closed, Timer, Join, Say, Leave };
  struct Payload {
    Kind kind = Kind::Packet;
    std::uint32_t dest = 0;
    ConnId conn = 0;
    Packet packet;  // Packet: the packet; Join: origin = entry; Say: text
    Timer timer;
  };

  void push(std::uint32_t sender, Time at, Payload&& p);
  void apply(std::uint32_t from, Effects& effects);
  // The node and connection id at the far end of `from`'s connection `conn` to `peer`.
  std::pair<std::uint32_t, ConnId> far_end(std::uint32_t from, ConnId conn,
                                           const Address& peer) const;

  const Config* config_;
  NetworkOptions options_;
  std::vector<Node> nodes_;
  std::vector<std::uint64_t> send_seq_;  // per node: tie-break counter
  std::vector<std::uint8_t> alive_;
  std::uint64_t scenario_seq_ = 0;
  EventQueue<Payload> queue_;
  Time now_ = 0;
  Effects effects_;  // reused for every event
  Payload current_;
  Counters counters_;
  std::map<std::uint64_t, FloodStats> floods_;
  std::uint64_t last_said_ = 0;
};

}  // namespace p2p::sim
