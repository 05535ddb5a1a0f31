#pragma once
// Scenarios: what happens to a simulated network over virtual time. The default, the one PeerSim
// users compare against: node 0 is the entry; one newcomer arrives every `arrival_interval` and
// sends its JOIN_REQs to node 0; after the last arrival the network drains; then one chat message
// is flooded from a random node and the network drains again. A Scenario adds phases to that:
// arrivals, churn, mass failures, partitions, broadcasts, snapshots and samples.
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/network.hpp"

namespace p2p::sim {

struct GrowthScenario {
  std::uint32_t nodes = 1000;
  Time arrival_interval = 10 * kMillisecond;
  bool flood = true;
  std::string message = "hello";
};

struct GrowthResult {
  Time growth_end = 0;  // virtual time when the network had drained after the last arrival
  Time end = 0;         // virtual time at the end of the run
  std::uint32_t flood_origin = 0;
  std::uint64_t flood_id = 0;
  FloodStats flood;  // zeros when no flood was run
};

// Runs the default scenario on an empty network; the scenario's own draws (the flood's origin)
// come from a generator derived from `seed`, apart from every node's.
GrowthResult run_growth(Network& net, const GrowthScenario& scenario, std::uint64_t seed);

// A probability distribution of durations in seconds, sampled with our own samplers.
struct Distribution {
  enum class Kind : std::uint8_t { Fixed, Exponential, Pareto, LogNormal, Weibull };
  Kind kind = Kind::Fixed;
  // Fixed: value; Exponential: mean; Pareto: scale xm, shape alpha; LogNormal: mu, sigma of the
  // underlying normal (of ln seconds); Weibull: scale lambda, shape k.
  double a = 1.0;
  double b = 1.0;

  double sample(Rng& rng) const;
  double mean() const;      // infinite for a Pareto with alpha <= 1
  double variance() const;  // infinite where the distribution has none
};

// How long nodes stay and how they go.
struct Sessions {
  Distribution length;           // seconds
  double crash_fraction = 0;     // share of departures that are crashes rather than leaves
  Time detection = 5 * kSecond;  // a crash is noticed by neighbours this long after
};

struct ArrivalPhase {
  Time at = 0;  // the first arrival
  std::uint64_t count = 0;
  Time interval = 10 * kMillisecond;  // between arrivals when rate == 0
  double rate = 0;                    // > 0: a Poisson process of this many per second
  bool random_entry = false;          // join a random live node rather than node 0
  bool has_sessions = false;          // newcomers leave after a drawn session
  Sessions sessions;
};

// From `at` to `until` every live node, and every node arriving meanwhile, lives a drawn session;
// with `replace` each departure brings a newcomer at once, so the size stays steady.
struct ChurnPhase {
  Time at = 0;
  Time until = 0;
  Sessions sessions;
  bool replace = true;
};

struct MassFailure {
  Time at = 0;
  double fraction = 0.1;
  bool by_degree = false;  // highest degree first (ties: lowest index), else uniformly at random
  bool crash = true;       // else graceful leaves
  Time detection = 5 * kSecond;
};

struct PartitionPhase {
  Time at = 0;
  Time until = 0;
  double fraction = 0.5;  // share of nodes on one side
};

struct BroadcastPhase {
  Time at = 0;
  Time until = 0;
  double rate = 1;  // per second
  bool poisson = true;
  std::string text = "hello";
};

struct Scenario {
  bool entry_node = true;  // node 0 exists from time 0 and joins nobody
  std::vector<ArrivalPhase> arrivals;
  std::vector<ChurnPhase> churn;
  std::vector<MassFailure> failures;
  std::vector<PartitionPhase> partitions;
  std::vector<BroadcastPhase> broadcasts;
  std::vector<Time> snapshots;
  Time sample_every = 0;  // 0: one sample at the end only
  Time end = 0;           // 0: run until no event and no phase is left
  bool final_flood = true;
  std::string message = "hello";

  // The default scenario for `nodes` nodes (node 0 and nodes - 1 arrivals).
  static Scenario growth(std::uint32_t nodes, Time interval);
  // Nodes the scenario adds at most (for reserving memory), if known.
  std::uint64_t planned_nodes() const;
  // Virtual time by which every phase has started (for progress estimates).
  Time planned_end() const;
};

// One row of timeseries.csv.
struct TimeSample {
  Time time = 0;
  std::uint64_t live_nodes = 0;
  std::uint64_t edges = 0;
  double mean_degree = 0;
  double largest_component_fraction = 0;
  std::uint64_t components = 0;
  std::uint64_t join_requests_in_flight = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t pending_events = 0;
  // With attackers in the network (sim/rule_mix.hpp); NaN otherwise.
  double adversary_link_share = std::nan("");
  double honest_delivery_ratio = std::nan("");
};

// One definition of an edge everywhere (summary.csv, edges.csv, timeseries.csv, snapshots): a
// pair of distinct live nodes at least one of which holds a link to the other. A doubled link is
// one edge; a half-open link (one end has not yet opened, or has already closed, its side) is one.

// The graph among live nodes right now: size, edges, components (union-find over the links).
TimeSample sample_topology(const Network& net);
// The same from `links`, the network's Network::link_buckets() of this moment.
TimeSample sample_topology(const Network& net, const Network::LinkBuckets& links);

// Links held only by the higher-indexed end, as (i, j) with i < j, sorted: with
// Network::links() (held by the lower end) they make every edge.
std::vector<std::pair<std::uint32_t, std::uint32_t>> links_held_by_higher_end_only(
    const Network& net);

struct ScenarioResult {
  Time end = 0;        // the scenario's end: its end_s when set, else when no event was left
  Time flood_end = 0;  // when the final flood's last copy arrived (may be after `end`)
  std::vector<TimeSample> samples;
  bool flooded = false;  // the final flood was run
  std::uint32_t flood_origin = 0;
  std::uint64_t flood_id = 0;
  // With ScenarioObserver::keep_final_links, the network's Network::link_buckets() as the run
  // left it, when its last sample was taken after the last event (a scenario without an end
  // time): a caller that wants the final links takes these rather than building them a second
  // time (at ten million nodes, seconds).
  std::optional<Network::LinkBuckets> final_links;
};

// What the driver wants to hear during a run; every hook is optional.
struct ScenarioObserver {
  std::function<void(Time, const Network&)> snapshot;
  // Called every few tens of thousands of events with the virtual time reached.
  std::function<void(const Network&)> progress;
  // Called once at the end the scenario sets (end > 0), before the final flood, which may run on
  // past it: what the network is at the end the user asked for.
  std::function<void(const Network&)> at_end;
  // Hand the last sample's links back in ScenarioResult::final_links when they are the run's
  // final ones (8 bytes a node and 4 a link end, held until the result goes).
  bool keep_final_links = false;
};

// How the ranks of one run split over ranks meet (docs/distributed.md): at each window's end every
// rank sends every other its batch (Network::begin_exchange, batch_for) and takes in theirs
// (take_batch); at the run's end rank 0 merges every other rank's final_part (merge_final). The
// MPI one is experiment/mpi_shard.hpp.
class ShardExchange {
 public:
  virtual ~ShardExchange() = default;
  virtual std::uint32_t rank() const = 0;
  virtual std::uint32_t ranks() const = 0;
  virtual void exchange(Network& net) = 0;
  virtual void finish(Network& net) = 0;
};

// Why `scenario` cannot be run split over ranks yet (one line), or empty when it can: arrivals
// (from node 0 or a random live node, at an interval or at a rate, without sessions) and the
// final flood are covered; churn, failures, partitions, broadcasts, snapshots, samples and an
// end time are not.
std::string sharding_refusal(const Scenario& scenario);

// Runs `scenario` on an empty network. The scenario's draws come from generators derived from
// `seed` and kept apart from every node's. With `shard`, this process is one of its ranks: the
// network is sharded over them, every rank runs the same scenario and they meet at every window's
// end; rank 0 ends with the whole network's counters, floods, links and samples, the serial
// run's to the byte.
ScenarioResult run_scenario(Network& net, const Scenario& scenario, std::uint64_t seed,
                            const ScenarioObserver& observer = {}, ShardExchange* shard = nullptr);

}  // namespace p2p::sim
