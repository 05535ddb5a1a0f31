#include "sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "sim/address.hpp"
#include "sim/rule_mix.hpp"

namespace p2p::sim {

GrowthResult run_growth(Network& net, const GrowthScenario& scenario, std::uint64_t seed) {
  if (net.size() != 0) throw std::logic_error("run_growth needs an empty network");
  GrowthResult result;
  if (scenario.nodes == 0) return result;
  Scenario sc = Scenario::growth(scenario.nodes, scenario.arrival_interval);
  sc.final_flood = false;
  const ScenarioResult r = run_scenario(net, sc, seed);
  result.growth_end = net.now();
  if (scenario.flood) {
    Rng rng(derive_seed(seed, kScenarioSender, 0));
    result.flood_origin = static_cast<std::uint32_t>(rng.below(net.size()));
    net.schedule_say(net.now(), result.flood_origin, scenario.message);
    net.drain();
    result.flood_id = net.last_said();
    if (const FloodStats* f = net.flood(result.flood_id)) result.flood = *f;
  }
  result.end = net.now();
  (void)r;
  return result;
}

double Distribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::Fixed:
      return a;
    case Kind::Exponential:
      return rng.exponential(a);
    case Kind::Pareto:
      return rng.pareto(a, b);
    case Kind::LogNormal:
      return rng.lognormal(a, b);
    case Kind::Weibull:
      return rng.weibull(a, b);
  }
  return a;
}

double Distribution::mean() const {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (kind) {
    case Kind::Fixed:
      return a;
    case Kind::Exponential:
      return a;
    case Kind::Pareto:
      return b > 1 ? a * b / (b - 1) : inf;
    case Kind::LogNormal:
      return std::exp(a + b * b / 2);
    case Kind::Weibull:
      return a * std::tgamma(1 + 1 / b);
  }
  return a;
}

double Distribution::variance() const {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (kind) {
    case Kind::Fixed:
      return 0;
    case Kind::Exponential:
      return a * a;
    case Kind::Pareto:
      return b > 2 ? a * a * b / ((b - 1) * (b - 1) * (b - 2)) : inf;
    case Kind::LogNormal:
      return (std::exp(b * b) - 1) * std::exp(2 * a + b * b);
    case Kind::Weibull: {
      const double g1 = std::tgamma(1 + 1 / b), g2 = std::tgamma(1 + 2 / b);
      return a * a * (g2 - g1 * g1);
    }
  }
  return 0;
}

Scenario Scenario::growth(std::uint32_t nodes, Time interval) {
  Scenario s;
  if (nodes > 1) {
    ArrivalPhase a;
    a.at = interval;
    a.count = nodes - 1;
    a.interval = interval;
    s.arrivals.push_back(a);
  }
  s.entry_node = nodes > 0;
  return s;
}

std::uint64_t Scenario::planned_nodes() const {
  std::uint64_t n = entry_node ? 1 : 0;
  for (const ArrivalPhase& a : arrivals) n += a.count;
  return n;
}

Time Scenario::planned_end() const {
  Time t = end;
  if (t > 0) return t;
  for (const ArrivalPhase& a : arrivals) {
    const double gap = a.rate > 0 ? kSecond / a.rate : static_cast<double>(a.interval);
    t = std::max(t, a.at + static_cast<Time>(gap * static_cast<double>(a.count)));
  }
  for (const ChurnPhase& c : churn) t = std::max(t, c.until);
  for (const MassFailure& f : failures) t = std::max(t, f.at);
  for (const PartitionPhase& p : partitions) t = std::max(t, p.until);
  for (const BroadcastPhase& b : broadcasts) t = std::max(t, b.until);
  for (Time s : snapshots) t = std::max(t, s);
  return t;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> links_held_by_higher_end_only(
    const Network& net) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  net.for_each_link_pair([&](std::uint32_t lo, std::uint32_t hi, std::uint32_t by_lower, bool) {
    if (by_lower == 0) out.emplace_back(lo, hi);
  });
  return out;
}

TimeSample sample_topology(const Network& net) {
  return sample_topology(net, net.link_buckets());
}

TimeSample sample_topology(const Network& net, const Network::LinkBuckets& links) {
  TimeSample s;
  s.time = net.now();
  s.live_nodes = net.live().size();
  s.join_requests_in_flight = net.counters().join_requests_in_flight;
  s.messages_sent = net.counters().messages_sent;
  s.pending_events = net.pending();
  // Union-find with path halving over the live nodes' links.
  std::vector<std::uint32_t> parent(net.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  Network::for_each_link_pair(links, [&](std::uint32_t i, std::uint32_t j, std::uint32_t, bool) {
    ++s.edges;
    const std::uint32_t a = find(i), b = find(j);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  });
  s.mean_degree =
      s.live_nodes ? 2.0 * static_cast<double>(s.edges) / static_cast<double>(s.live_nodes) : 0;
  // A root is the least index of its part, so one pass in index order leaves every node's root
  // as its parent. A counter per part, not per node: the caller may be holding the buckets, and a
  // second array of the network's size beside them was the run's peak. Each part's counter is
  // named in its root's place, marked by the top bit (an index never has it).
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = parent[parent[i]];
  constexpr std::uint32_t kCounter = 0x80000000u;
  std::vector<std::uint32_t> size;
  std::uint32_t largest = 0;
  for (std::uint32_t i : net.live()) {
    std::uint32_t& named =
        parent[i] == i || (parent[i] & kCounter) != 0 ? parent[i] : parent[parent[i]];
    if ((named & kCounter) == 0) {
      named = kCounter | static_cast<std::uint32_t>(size.size());
      size.push_back(0);
      ++s.components;
    }
    largest = std::max(largest, ++size[named & ~kCounter]);
  }
  s.largest_component_fraction =
      s.live_nodes ? static_cast<double>(largest) / static_cast<double>(s.live_nodes) : 0;
  if (has_adversaries(net)) {
    s.adversary_link_share = adversary_link_share(net);
    s.honest_delivery_ratio = honest_delivery_ratio(net);
  }
  return s;
}

namespace {

// One thing the scenario does at one instant. Actions at the same instant run in the order they
// were planned.
struct Action {
  enum class Kind : std::uint8_t {
    Arrive,
    Depart,
    ChurnStart,
    ChurnEnd,
    Failure,
    PartitionStart,
    PartitionEnd,
    Broadcast,
    Snapshot,
    Sample
  };
  Time at = 0;
  std::uint64_t seq = 0;
  Kind kind = Kind::Arrive;
  std::uint32_t index = 0;  // phase, node or snapshot
  std::uint64_t count = 0;  // arrivals left; Depart: 1 for a crash
  Time detection = 0;       // Depart by crash

  friend bool operator>(const Action& x, const Action& y) {
    return x.at != y.at ? x.at > y.at : x.seq > y.seq;
  }
};

class Driver {
 public:
  Driver(Network& net, const Scenario& sc, std::uint64_t seed, const ScenarioObserver& obs,
         ShardExchange* shard)
      : net_(net), sc_(sc), obs_(obs), shard_(shard), rng_(derive_seed(seed, kScenarioSender, 1)) {}

  ScenarioResult run(std::uint64_t seed) {
    if (net_.size() != 0) throw std::logic_error("run_scenario needs an empty network");
    if (shard_ != nullptr) {
      if (const std::string why = sharding_refusal(sc_); !why.empty())
        throw std::invalid_argument(why);
      net_.shard(shard_->rank(), shard_->ranks());
    }
    net_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(sc_.planned_nodes(), 1u << 30)));
    if (sc_.entry_node) net_.add_node();
    for (std::uint32_t i = 0; i < sc_.arrivals.size(); ++i)
      if (sc_.arrivals[i].count > 0)
        plan(sc_.arrivals[i].at, Action::Kind::Arrive, i, sc_.arrivals[i].count);
    for (std::uint32_t i = 0; i < sc_.churn.size(); ++i) {
      plan(sc_.churn[i].at, Action::Kind::ChurnStart, i);
      plan(sc_.churn[i].until, Action::Kind::ChurnEnd, i);
    }
    for (std::uint32_t i = 0; i < sc_.failures.size(); ++i)
      plan(sc_.failures[i].at, Action::Kind::Failure, i);
    for (std::uint32_t i = 0; i < sc_.partitions.size(); ++i) {
      plan(sc_.partitions[i].at, Action::Kind::PartitionStart, i);
      plan(sc_.partitions[i].until, Action::Kind::PartitionEnd, i);
    }
    for (std::uint32_t i = 0; i < sc_.broadcasts.size(); ++i)
      plan(sc_.broadcasts[i].at, Action::Kind::Broadcast, i);
    for (std::uint32_t i = 0; i < sc_.snapshots.size(); ++i)
      plan(sc_.snapshots[i], Action::Kind::Snapshot, i);
    if (sc_.sample_every > 0) plan(0, Action::Kind::Sample, 0);

    while (!agenda_.empty()) {
      const Action a = agenda_.top();
      if (sc_.end > 0 && a.at > sc_.end) break;
      advance_to(a.at);
      agenda_.pop();
      if (a.kind != Action::Kind::Sample) --work_left_;
      execute(a);
    }
    ScenarioResult result;
    if (sc_.end > 0) {
      advance_to(sc_.end);
      // The summary describes the network at the end the user set; the final flood runs after.
      if (samples_.empty() || samples_.back().time != net_.now()) take_sample();
      if (obs_.at_end) obs_.at_end(net_);
    } else {
      advance_to(std::numeric_limits<Time>::max());
    }
    result.end = net_.now();
    if (sc_.final_flood && !net_.live().empty()) {
      Rng flood_rng(derive_seed(seed, kScenarioSender, 0));
      result.flood_origin =
          net_.live()[static_cast<std::size_t>(flood_rng.below(net_.live().size()))];
      net_.schedule_say(net_.now(), result.flood_origin, sc_.message);
      advance_to(std::numeric_limits<Time>::max());
      result.flooded = true;
    }
    // Split over ranks, rank 0 now takes in the others' counters, floods and links.
    if (shard_ != nullptr) shard_->finish(net_);
    if (result.flooded) result.flood_id = net_.last_said();
    result.flood_end = net_.now();
    const bool reports = shard_ == nullptr || shard_->rank() == 0;
    if (sc_.end == 0 && reports) {
      if (samples_.empty() || samples_.back().time != net_.now()) {
        // Nothing happens after this sample: its links are the run's final ones.
        if (obs_.keep_final_links) result.final_links = net_.link_buckets();
        take_sample(result.final_links ? &*result.final_links : nullptr);
      }
      result.end = net_.now();
    }
    result.samples = std::move(samples_);
    return result;
  }

 private:
  void plan(Time at, Action::Kind kind, std::uint32_t index, std::uint64_t count = 0,
            Time detection = 0) {
    Action a;
    a.at = at;
    a.seq = ++seq_;
    a.kind = kind;
    a.index = index;
    a.count = count;
    a.detection = detection;
    if (kind != Action::Kind::Sample) ++work_left_;
    agenda_.push(a);
  }

  // Runs the network's events up to `t` (all of them for the largest time), reporting progress.
  void advance_to(Time t) {
    if (shard_ != nullptr) return advance_sharded(t);
    constexpr std::uint64_t kReportEvery = 0x10000;  // events between progress reports
    for (;;) {
      const std::uint64_t most = kReportEvery - (steps_ & (kReportEvery - 1));
      const std::uint64_t n = net_.run_due(t, most);
      steps_ += n;
      if (n < most) break;
      if (obs_.progress) obs_.progress(net_);
    }
    if (t != std::numeric_limits<Time>::max()) net_.run_until(t);
  }

  // The same split over ranks: windows as long as the smallest latency L, each ending in an
  // exchange, until no event at or before `t` is left on any rank. An event made in a window
  // [W, W + L) falls at W + L or later, so each rank handles its own events in the serial order.
  // A scenario action inside a window needs no exchange: it reads only what every rank holds, and
  // the events it makes go straight to their node's rank, which every rank knows.
  void advance_sharded(Time t) {
    constexpr Time kMax = std::numeric_limits<Time>::max();
    for (;;) {
      if (!window_open_) {
        const Time w = net_.next_window();
        if (w == Network::kNoEvent || w > t) break;
        window_end_ = w > kMax - net_.lookahead() ? kMax : w + net_.lookahead();
        window_open_ = true;
      }
      const bool inside = t != kMax && t < window_end_;
      const std::uint64_t before = steps_;
      steps_ += net_.run_window(inside ? t + 1 : window_end_);
      if ((before >> 16) != (steps_ >> 16) && obs_.progress) obs_.progress(net_);
      if (inside) break;
      shard_->exchange(net_);
      window_open_ = false;
    }
    if (t != kMax) net_.run_until(t);
  }

  std::uint32_t random_live() {
    return net_.live()[static_cast<std::size_t>(rng_.below(net_.live().size()))];
  }

  // A newcomer joins through node 0 or a random live node, and may be given a session.
  void arrive(bool random_entry, const Sessions* sessions) {
    std::uint32_t entry = 0;
    bool has_entry = false;
    if (random_entry) {
      if (!net_.live().empty()) {
        entry = random_live();
        has_entry = true;
      }
    } else {
      has_entry = net_.size() > 0;
    }
    const std::uint32_t id = net_.add_node();
    if (has_entry) net_.schedule_join(net_.now(), id, entry);
    if (sessions != nullptr)
      give_session(id, *sessions, -1);
    else if (active_churn_ >= 0)
      give_session(id, sc_.churn[active_churn_].sessions, active_churn_);
  }

  void give_session(std::uint32_t node, const Sessions& s, int churn) {
    const double seconds = std::max(0.0, s.length.sample(rng_));
    const double at = static_cast<double>(net_.now()) + seconds * kSecond;
    const bool crash = s.crash_fraction > 0 && rng_.chance(s.crash_fraction);
    if (!(at < 9.0e18)) return;  // never leaves within representable time
    const Time t = static_cast<Time>(at);
    if (churn >= 0 && t > sc_.churn[churn].until) return;
    plan(t, Action::Kind::Depart, node, crash ? 1 : 0, s.detection);
  }

  void depart(std::uint32_t node, bool crash, Time detection) {
    if (!net_.alive(node)) return;
    if (crash)
      net_.crash(node, detection);
    else
      net_.schedule_leave(net_.now(), node);
  }

  void execute(const Action& a) {
    switch (a.kind) {
      case Action::Kind::Arrive: {
        const ArrivalPhase& p = sc_.arrivals[a.index];
        arrive(p.random_entry, p.has_sessions ? &p.sessions : nullptr);
        if (a.count > 1) {
          const Time gap = p.rate > 0
                               ? static_cast<Time>(std::llround(rng_.exponential(kSecond / p.rate)))
                               : p.interval;
          plan(net_.now() + gap, Action::Kind::Arrive, a.index, a.count - 1);
        }
        break;
      }
      case Action::Kind::Depart: {
        const bool was_alive = net_.alive(a.index);
        depart(a.index, a.count == 1, a.detection);
        if (was_alive && active_churn_ >= 0 && sc_.churn[active_churn_].replace)
          arrive(true, nullptr);
        break;
      }
      case Action::Kind::ChurnStart: {
        active_churn_ = static_cast<int>(a.index);
        const std::vector<std::uint32_t> nodes = net_.live().to_vector();
        for (std::uint32_t n : nodes) give_session(n, sc_.churn[a.index].sessions, active_churn_);
        break;
      }
      case Action::Kind::ChurnEnd:
        if (active_churn_ == static_cast<int>(a.index)) active_churn_ = -1;
        break;
      case Action::Kind::Failure: {
        const MassFailure& f = sc_.failures[a.index];
        std::vector<std::uint32_t> nodes = net_.live().to_vector();
        const auto k =
            static_cast<std::size_t>(std::llround(f.fraction * static_cast<double>(nodes.size())));
        if (f.by_degree) {
          std::sort(nodes.begin(), nodes.end(), [&](std::uint32_t x, std::uint32_t y) {
            const auto dx = net_.node(x).degree(), dy = net_.node(y).degree();
            return dx != dy ? dx > dy : x < y;
          });
        } else {
          for (std::size_t i = 0; i < k && i + 1 < nodes.size(); ++i)
            std::swap(nodes[i], nodes[i + rng_.below(nodes.size() - i)]);
        }
        for (std::size_t i = 0; i < k && i < nodes.size(); ++i)
          depart(nodes[i], f.crash, f.detection);
        break;
      }
      case Action::Kind::PartitionStart:
        net_.partition(sc_.partitions[a.index].fraction, a.index);
        break;
      case Action::Kind::PartitionEnd:
        net_.heal();
        break;
      case Action::Kind::Broadcast: {
        const BroadcastPhase& b = sc_.broadcasts[a.index];
        if (!net_.live().empty()) net_.schedule_say(net_.now(), random_live(), b.text);
        const double gap = b.poisson ? rng_.exponential(kSecond / b.rate) : kSecond / b.rate;
        const Time next = net_.now() + std::max<Time>(1, static_cast<Time>(std::llround(gap)));
        if (next <= b.until) plan(next, Action::Kind::Broadcast, a.index);
        break;
      }
      case Action::Kind::Snapshot:
        if (obs_.snapshot) obs_.snapshot(net_.now(), net_);
        break;
      case Action::Kind::Sample: {
        take_sample();
        const Time next = net_.now() + sc_.sample_every;
        const bool more = sc_.end > 0 ? next <= sc_.end : (work_left_ > 0 || net_.pending() > 0);
        if (more) plan(next, Action::Kind::Sample, 0);
        break;
      }
    }
  }

  Network& net_;
  const Scenario& sc_;
  const ScenarioObserver& obs_;
  ShardExchange* shard_;
  bool window_open_ = false;  // split over ranks: a window [W, window_end_) is being run
  Time window_end_ = 0;
  Rng rng_;
  std::priority_queue<Action, std::vector<Action>, std::greater<>> agenda_;
  std::uint64_t seq_ = 0;
  std::uint64_t work_left_ = 0;  // planned actions other than samples
  std::uint64_t steps_ = 0;
  int active_churn_ = -1;
  std::vector<TimeSample> samples_;

  // `links`: the network's link_buckets() now, if the caller has them.
  void take_sample(const Network::LinkBuckets* links = nullptr) {
    samples_.push_back(links != nullptr ? sample_topology(net_, *links) : sample_topology(net_));
    net_.sampled(samples_.back());
  }
};

}  // namespace

std::string sharding_refusal(const Scenario& sc) {
  auto no = [](const char* what) {
    return std::string("a run split over ranks does not cover ") + what + " yet";
  };
  if (!sc.churn.empty()) return no("churn");
  if (!sc.failures.empty()) return no("mass failures");
  if (!sc.partitions.empty()) return no("partitions");
  if (!sc.broadcasts.empty()) return no("broadcasts");
  if (!sc.snapshots.empty()) return no("snapshots");
  if (sc.sample_every > 0) return no("samples during the run");
  if (sc.end > 0) return no("an end time");
  for (const ArrivalPhase& a : sc.arrivals)
    if (a.has_sessions) return no("sessions (newcomers that leave)");
  return {};
}

ScenarioResult run_scenario(Network& net, const Scenario& scenario, std::uint64_t seed,
                            const ScenarioObserver& observer, ShardExchange* shard) {
  Driver d(net, scenario, seed, observer, shard);
  return d.run(seed);
}

}  // namespace p2p::sim
