// `p2p testbed`: the scenario of `p2p sim` (or of a study file) played by real `p2p peer`
// processes on this machine, one loopback address each, driven through their control channel
// (runner/peer_control.hpp). It writes the same output folder as `p2p sim`, so `p2p gap` can put
// the two side by side. What is emulated and what is real: docs/reality-gap.md.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/graph_summary.hpp"
#include "experiment/csv.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/seeds.hpp"
#include "experiment/stop.hpp"
#include "experiment/study.hpp"
#include "peer_control.hpp"
#include "protocol/random.hpp"
#include "run_flags.hpp"
#include "sim/rule_mix.hpp"
#include "testbed_processes.hpp"

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct TestbedFlags {
  std::string study;
  ex::RunSettings settings;
  std::uint32_t peers = 0;
  std::uint64_t seed = 1;
  std::string seeds;
  int port = 40000;
  double settle_s = 3;
  double flood_wait_s = 5;
  double ready_timeout_s = 60;
  double time_scale = 1;  // wall-clock seconds per scenario second
  OutputFlags output;
};

// One broadcast as the testbed saw it.
struct Broadcast {
  std::uint32_t origin = 0;
  Time at = 0;                  // scenario time it was asked for
  std::int64_t said_us = -1;    // the origin's clock when it said it
  std::uint64_t id = 0;         // 0 until the origin reports it
  std::uint64_t reachable = 0;  // live peers other than the origin then
};

// Everything one run collected, and the topology samples.
struct Collected {
  std::vector<sim::TimeSample> samples;
  std::vector<Broadcast> broadcasts;
  // id -> (delivery clock, node) for each first delivery
  std::map<std::uint64_t, std::vector<std::pair<std::int64_t, std::uint32_t>>> delivered;
  std::map<std::uint64_t, std::uint64_t> duplicates;   // id -> copies again
  std::vector<std::array<std::uint64_t, 7>> counters;  // last "counters" per peer
  std::vector<std::vector<std::uint32_t>> links;       // last "links" per peer
  std::vector<bool> alive;                             // at the end
  // The scenario's snapshots: each peer's neighbours then, and who was alive.
  struct Snapshot {
    Time at = 0;
    std::vector<std::vector<std::uint32_t>> links;
    std::vector<bool> alive;
  };
  std::vector<Snapshot> snapshots;
  std::vector<std::uint8_t> groups;  // with mixed rules: each peer's group
  std::uint64_t joins = 0, departures = 0, crashes = 0;
  Time end = 0;
  bool flood = false;
  bool flood_quiet = false;
  std::uint32_t flood_origin = 0;
};

// What real peers cannot play is refused up front with the reason, not approximated silently.
void refuse_unsupported(const ex::RunDescription& d) {
  auto no = [](const std::string& why) {
    throw std::invalid_argument("the testbed cannot play " + why + " (docs/reality-gap.md)");
  };
  if (d.network.latency.kind == sim::LatencyKind::Matrix)
    no("the matrix latency model: peers emulate uniform and log-normal link latencies only");
  const std::vector<Config> one{d.config};
  for (const Config& c : d.mix ? d.mix->configs : one)
    if (c.rule->traits().adversary)
      no("attackers (" + c.rule->name() +
         "): it does not measure what they do (adversary_link_share, honest_delivery_ratio)");
}

// Peers started ahead of need when churn replaces departures, so a newcomer is already up.
constexpr std::uint32_t kSpares = 8;

// Peers a run may start: the scenario's nodes, and with churn that replaces departures an
// estimate of the newcomers (one and a half times the expected departures, and some spares).
std::uint64_t testbed_capacity(const sim::Scenario& sc) {
  const std::uint64_t planned = sc.planned_nodes();
  double extra = 0;
  for (const sim::ChurnPhase& c : sc.churn) {
    if (!c.replace) continue;
    const double mean = c.sessions.length.mean();
    const double span = static_cast<double>(c.until - c.at) / kSecond;
    extra += mean > 0 && std::isfinite(mean) ? 1.5 * static_cast<double>(planned) * span / mean + 32
                                             : 4.0 * static_cast<double>(planned);
  }
  const double total = static_cast<double>(planned) + std::ceil(extra);
  return static_cast<std::uint64_t>(std::min(total, static_cast<double>(kTestbedMaxPeers)));
}

// Checks that every peer's address and port can be listened on, before anything starts.
void check_ports(std::uint32_t peers, int port) {
  for (std::uint32_t i = 0; i < peers; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      throw std::invalid_argument(std::string("cannot open a socket: ") + strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(kTestbedBase + i);
    const int r = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
    const int err = errno;
    ::close(fd);
    if (r != 0)
      throw std::invalid_argument("cannot listen on " + testbed_ip(i) + ":" + std::to_string(port) +
                                  ": " + strerror(err) + "; choose another --port");
  }
}

std::vector<std::string> peer_argv(const ex::RunDescription& d, std::uint64_t seed, std::uint32_t i,
                                   const TestbedFlags& f, const Config& config) {
  const int port = f.port;
  const std::string ip = testbed_ip(i);
  std::vector<std::string> a = {"/proc/self/exe",
                                "peer",
                                "--control",
                                "--quiet",
                                "--bind",
                                ip,
                                "--port",
                                std::to_string(port),
                                "--advertise",
                                ip + ":" + std::to_string(port),
                                "--seed",
                                std::to_string(derive_seed(seed, i, 0)),
                                "--rule",
                                config.rule->spec(),  // every parameter, as the simulator runs it
                                "--join-requests",
                                std::to_string(config.join_requests),
                                "--max-hops",
                                std::to_string(config.max_hops),
                                "--min-connections",
                                std::to_string(config.min_connections),
                                "--max-connections",
                                std::to_string(config.max_connections)};
  const sim::LatencyModel& m = d.network.latency;
  auto ms = [](Time t) { return analysis::format_number(static_cast<double>(t) / kMillisecond); };
  const std::vector<std::string> latency = {
      "--emulate-latency",       m.kind == sim::LatencyKind::LogNormal ? "lognormal" : "uniform",
      "--emulate-latency-min",   ms(m.min),
      "--emulate-latency-max",   ms(m.max),
      "--emulate-latency-mu",    analysis::format_number(m.mu),
      "--emulate-latency-sigma", analysis::format_number(m.sigma),
      "--emulate-latency-seed",  std::to_string(seed)};
  a.insert(a.end(), latency.begin(), latency.end());
  if (f.time_scale != 1) {
    a.emplace_back("--time-scale");
    a.push_back(analysis::format_number(f.time_scale));
  }
  if (d.network.loss > 0) {
    a.emplace_back("--emulate-loss");
    a.push_back(analysis::format_number(d.network.loss));
  }
  return a;
}

// The edges among live peers from their last neighbour lists: a pair of which at least one holds
// a link to the other (the simulator's definition of an edge).
std::set<std::pair<std::uint32_t, std::uint32_t>> edges_of(
    const std::vector<std::vector<std::uint32_t>>& links, const std::vector<bool>& alive) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> e;
  for (std::uint32_t i = 0; i < alive.size() && i < links.size(); ++i) {
    if (!alive[i]) continue;
    for (std::uint32_t j : links[i])
      if (j != i && j < alive.size() && alive[j]) e.emplace(std::min(i, j), std::max(i, j));
  }
  return e;
}

sim::TimeSample sample_of(Time t, const Collected& c, const std::vector<bool>& alive) {
  sim::TimeSample s;
  s.time = t;
  const auto e = edges_of(c.links, alive);
  std::vector<std::uint32_t> parent(alive.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (auto [a, b] : e) {
    const std::uint32_t ra = find(a), rb = find(b);
    if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
  }
  std::vector<std::uint32_t> size(alive.size(), 0);
  std::uint32_t largest = 0;
  for (std::uint32_t i = 0; i < alive.size(); ++i) {
    if (!alive[i]) continue;
    ++s.live_nodes;
    const std::uint32_t r = find(i);
    if (size[r]++ == 0) ++s.components;
    largest = std::max(largest, size[r]);
  }
  s.edges = e.size();
  s.mean_degree =
      s.live_nodes ? 2.0 * static_cast<double>(s.edges) / static_cast<double>(s.live_nodes) : 0;
  s.largest_component_fraction =
      s.live_nodes ? static_cast<double>(largest) / static_cast<double>(s.live_nodes) : 0;
  return s;
}

// The options of the simulator's network for `seed`, for drawing what it draws per node.
sim::NetworkOptions mirror_options(const ex::RunDescription& d, std::uint64_t seed) {
  sim::NetworkOptions o = d.network;
  o.seed = seed;
  return o;
}

class Testbed {
 public:
  Testbed(const ex::RunDescription& d, std::uint64_t seed, const TestbedFlags& f, bool verbose)
      : d_(d),
        sc_(d.scenario),
        seed_(seed),
        f_(f),
        verbose_(verbose),
        rng_(derive_seed(seed, sim::kScenarioSender, 1)),
        mirror_(d.config, mirror_options(d, seed)),
        capacity_(testbed_capacity(d.scenario)),
        spares_(capacity_ > d.scenario.planned_nodes() ? kSpares : 0) {
    if (d.mix) mirror_.set_groups(d.mix->groups());
  }

  Collected run() {
    const auto n = static_cast<std::uint32_t>(sc_.planned_nodes());
    say("starting " + std::to_string(n + spares_) + " peers");
    while (procs_.size() < n + spares_) {
      spawn_next();
      ex::throw_if_stopped();
    }
    wait_ready();
    say("playing the scenario");
    t0_ = Clock::now();
    if (sc_.entry_node) add_node();  // the entry exists from time 0
    plan_all();
    while (!agenda_.empty()) {
      const Action a = agenda_.top();
      if (sc_.end > 0 && a.at > sc_.end) break;
      wait_until(a.at);
      agenda_.pop();
      if (a.kind != Kind::Sample) --work_left_;
      drop_left();
      execute(a);
    }
    if (sc_.end > 0)
      wait_until(sc_.end);
    else
      wait_until(now() + static_cast<Time>(f_.settle_s * kSecond));
    drop_left();
    // The topology is read just after the end the scenario sets; it is reported at that end.
    c_.end = sc_.end > 0 ? sc_.end : now();
    query("links");
    query("counters");
    if (c_.samples.empty() || c_.samples.back().time != c_.end)
      c_.samples.push_back(sample_of(c_.end, c_, added()));
    if (sc_.final_flood && !live_.empty()) final_flood();
    query("counters");
    procs_.stop_all();
    c_.alive = added();
    return std::move(c_);
  }

 private:
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
  struct Action {
    Time at = 0;
    std::uint64_t seq = 0;
    Kind kind = Kind::Arrive;
    std::uint32_t index = 0;  // phase, node or snapshot
    std::uint64_t count = 0;  // arrivals left; Depart: 1 for a crash
    friend bool operator>(const Action& x, const Action& y) {
      return x.at != y.at ? x.at > y.at : x.seq > y.seq;
    }
  };

  void say(const std::string& line) const {
    if (verbose_) std::cerr << "p2p testbed: seed " << seed_ << ": " << line << "\n";
  }

  // Scenario time: the wall clock since the start, slowed down by --time-scale.
  Time now() const {
    const auto wall =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
    return static_cast<Time>(static_cast<double>(wall) / f_.time_scale);
  }
  // A peer's monotonic clock reading (microseconds) slowed down by --time-scale, so differences
  // between readings are spans of scenario time.
  std::int64_t scenario_clock(std::int64_t t) const {
    return f_.time_scale == 1 ? t
                              : static_cast<std::int64_t>(static_cast<double>(t) / f_.time_scale);
  }
  // A span of scenario time on the wall clock.
  std::chrono::microseconds wall(Time span) const {
    return std::chrono::microseconds(
        static_cast<Time>(std::ceil(static_cast<double>(span) * f_.time_scale)));
  }

  void plan(Time at, Kind kind, std::uint32_t index, std::uint64_t count = 0) {
    agenda_.push(Action{at, ++seq_, kind, index, count});
    if (kind != Kind::Sample) ++work_left_;
  }

  // The same agenda as the simulator's scenario driver (sim/scenario.cpp), in the same order.
  void plan_all() {
    for (std::uint32_t i = 0; i < sc_.arrivals.size(); ++i)
      if (sc_.arrivals[i].count > 0)
        plan(sc_.arrivals[i].at, Kind::Arrive, i, sc_.arrivals[i].count);
    for (std::uint32_t i = 0; i < sc_.churn.size(); ++i) {
      plan(sc_.churn[i].at, Kind::ChurnStart, i);
      plan(sc_.churn[i].until, Kind::ChurnEnd, i);
    }
    for (std::uint32_t i = 0; i < sc_.failures.size(); ++i)
      plan(sc_.failures[i].at, Kind::Failure, i);
    for (std::uint32_t i = 0; i < sc_.partitions.size(); ++i) {
      plan(sc_.partitions[i].at, Kind::PartitionStart, i);
      plan(sc_.partitions[i].until, Kind::PartitionEnd, i);
    }
    for (std::uint32_t i = 0; i < sc_.broadcasts.size(); ++i)
      plan(sc_.broadcasts[i].at, Kind::Broadcast, i);
    for (std::uint32_t i = 0; i < sc_.snapshots.size(); ++i)
      plan(sc_.snapshots[i], Kind::Snapshot, i);
    if (sc_.sample_every > 0) plan(0, Kind::Sample, 0);
  }

  // The Config peer i runs: with mixed rules, that of the group the simulator draws for node i.
  const Config& config_of(std::uint32_t i) {
    if (!d_.mix) return d_.config;
    while (mirror_.size() <= i) mirror_.add_node();
    return d_.mix->configs[mirror_.group_of(i)];
  }

  void spawn_next() {
    const auto i = static_cast<std::uint32_t>(procs_.size());
    procs_.spawn(peer_argv(d_, seed_, i, f_, config_of(i)));
    if (d_.mix) c_.groups.push_back(mirror_.group_of(i));
    alive_.push_back(false);
    started_.push_back(false);
    live_pos_.push_back(0);
    c_.links.emplace_back();
    c_.counters.emplace_back();
    if (!partition_line_.empty()) procs_.send(i, partition_line_);
  }

  // Which nodes the scenario has added, and which of them are alive.
  std::vector<bool> added() const { return {alive_.begin(), alive_.begin() + next_node_}; }
  std::vector<std::uint32_t> alive_nodes() const {
    std::vector<std::uint32_t> v;
    for (std::uint32_t i = 0; i < next_node_; ++i)
      if (alive_[i]) v.push_back(i);
    return v;
  }
  std::size_t live_count() const {
    return static_cast<std::size_t>(std::count(alive_.begin(), alive_.end(), true));
  }
  std::string entry_of(std::uint32_t i) const {
    return testbed_ip(i) + ":" + std::to_string(f_.port);
  }

  // live_ is kept in the simulator's order (appended on arrival, the last moved into a leaver's
  // place), so the scenario's draws of a random live node pick the simulator's nodes.
  std::uint32_t add_node() {
    const std::uint32_t id = next_node_++;
    while (procs_.size() <= id) spawn_next();
    alive_[id] = true;
    live_pos_[id] = static_cast<std::uint32_t>(live_.size());
    live_.push_back(id);
    return id;
  }
  void drop_live(std::uint32_t node) {
    const std::uint32_t pos = live_pos_[node], last = live_.back();
    live_[pos] = last;
    live_pos_[last] = pos;
    live_.pop_back();
  }
  // A graceful leave takes the node out of the simulator's live list when its Leave event is
  // handled, which is before the scenario's next action.
  void drop_left() {
    for (std::uint32_t n : leaving_) drop_live(n);
    leaving_.clear();
  }
  std::uint32_t random_live() { return live_[static_cast<std::size_t>(rng_.below(live_.size()))]; }

  void arrive(bool random_entry, const sim::Sessions* sessions) {
    std::uint32_t entry = 0;
    bool has_entry = false;
    if (random_entry) {
      if (!live_.empty()) {
        entry = random_live();
        has_entry = true;
      }
    } else {
      has_entry = next_node_ > 0;
    }
    const std::uint32_t id = add_node();
    if (has_entry) {
      procs_.send(id, "join " + entry_of(entry));
      ++c_.joins;
    }
    if (sessions != nullptr)
      give_session(id, *sessions, -1);
    else if (active_churn_ >= 0)
      give_session(id, sc_.churn[static_cast<std::size_t>(active_churn_)].sessions, active_churn_);
  }

  void give_session(std::uint32_t node, const sim::Sessions& s, int churn) {
    const double seconds = std::max(0.0, s.length.sample(rng_));
    const double at = static_cast<double>(now_planned_) + seconds * kSecond;
    const bool crash = s.crash_fraction > 0 && rng_.chance(s.crash_fraction);
    if (!(at < 9.0e18)) return;
    const auto t = static_cast<Time>(at);
    if (churn >= 0 && t > sc_.churn[static_cast<std::size_t>(churn)].until) return;
    plan(t, Kind::Depart, node, crash ? 1 : 0);
  }

  // A crash is SIGKILL: the peer's kernel closes its sockets, its neighbours hear nothing more.
  bool depart(std::uint32_t node, bool crash) {
    if (!alive_[node]) return false;
    alive_[node] = false;
    if (crash) {
      procs_.kill(node);
      drop_live(node);
      ++c_.crashes;
    } else {
      procs_.send(node, "leave");
      leaving_.push_back(node);
      ++c_.departures;
    }
    return true;
  }

  void execute(const Action& a) {
    switch (a.kind) {
      case Kind::Arrive: {
        const sim::ArrivalPhase& p = sc_.arrivals[a.index];
        arrive(p.random_entry, p.has_sessions ? &p.sessions : nullptr);
        if (a.count > 1) {
          const Time gap = p.rate > 0
                               ? static_cast<Time>(std::llround(rng_.exponential(kSecond / p.rate)))
                               : p.interval;
          plan(now_planned_ + gap, Kind::Arrive, a.index, a.count - 1);
        }
        break;
      }
      case Kind::Depart:
        if (depart(a.index, a.count == 1) && active_churn_ >= 0 &&
            sc_.churn[static_cast<std::size_t>(active_churn_)].replace)
          arrive(true, nullptr);
        break;
      case Kind::ChurnStart: {
        active_churn_ = static_cast<int>(a.index);
        const std::vector<std::uint32_t> nodes = live_;
        for (std::uint32_t n : nodes) give_session(n, sc_.churn[a.index].sessions, active_churn_);
        break;
      }
      case Kind::ChurnEnd:
        if (active_churn_ == static_cast<int>(a.index)) active_churn_ = -1;
        break;
      case Kind::Failure: {
        const sim::MassFailure& fl = sc_.failures[a.index];
        std::vector<std::uint32_t> nodes = live_;
        const auto k =
            static_cast<std::size_t>(std::llround(fl.fraction * static_cast<double>(nodes.size())));
        if (fl.by_degree) {
          query("links");  // the degrees now, as the simulator reads its nodes'
          std::sort(nodes.begin(), nodes.end(), [&](std::uint32_t x, std::uint32_t y) {
            const auto dx = c_.links[x].size(), dy = c_.links[y].size();
            return dx != dy ? dx > dy : x < y;
          });
        } else {
          for (std::size_t i = 0; i < k && i + 1 < nodes.size(); ++i)
            std::swap(nodes[i], nodes[i + rng_.below(nodes.size() - i)]);
        }
        for (std::size_t i = 0; i < k && i < nodes.size(); ++i) depart(nodes[i], fl.crash);
        break;
      }
      case Kind::PartitionStart: {
        // Each peer is told which side every testbed address is on, as the simulator draws it.
        mirror_.partition(sc_.partitions[a.index].fraction, a.index);
        partition_line_ = "partition ";
        for (std::uint32_t i = 0; i < std::max<std::uint64_t>(capacity_, procs_.size()); ++i)
          partition_line_ += mirror_.side_a(i) ? '1' : '0';
        for (std::uint32_t i = 0; i < procs_.size(); ++i) procs_.send(i, partition_line_);
        break;
      }
      case Kind::PartitionEnd:
        partition_line_.clear();
        for (std::uint32_t i = 0; i < procs_.size(); ++i) procs_.send(i, "heal");
        break;
      case Kind::Broadcast: {
        const sim::BroadcastPhase& b = sc_.broadcasts[a.index];
        if (!live_.empty()) broadcast(random_live(), b.text);
        const double gap = b.poisson ? rng_.exponential(kSecond / b.rate) : kSecond / b.rate;
        const Time next = now_planned_ + std::max<Time>(1, static_cast<Time>(std::llround(gap)));
        if (next <= b.until) plan(next, Kind::Broadcast, a.index);
        break;
      }
      case Kind::Snapshot:
        query("links");
        c_.snapshots.push_back({now_planned_, c_.links, added()});
        break;
      case Kind::Sample: {
        query("links");
        c_.samples.push_back(sample_of(now_planned_, c_, added()));
        const Time next = now_planned_ + sc_.sample_every;
        if (sc_.end > 0 ? next <= sc_.end : work_left_ > 0) plan(next, Kind::Sample, 0);
        break;
      }
    }
  }

  void broadcast(std::uint32_t origin, const std::string& text) {
    Broadcast b;
    b.origin = origin;
    b.at = now_planned_;
    b.reachable = live_count() - 1;
    c_.broadcasts.push_back(b);
    procs_.send(origin, "say " + text);
  }

  void final_flood() {
    Rng flood_rng(derive_seed(seed_, sim::kScenarioSender, 0));
    c_.flood_origin = live_[static_cast<std::size_t>(flood_rng.below(live_.size()))];
    c_.flood = true;
    now_planned_ = c_.end;  // said right after the topology was read, as the simulator does
    broadcast(c_.flood_origin, sc_.message);
    const std::size_t index = c_.broadcasts.size() - 1;
    // Wait until every reachable peer delivered and nothing arrived for a while (duplicates
    // still travel), or the longest wait allowed.
    const auto deadline = Clock::now() + wall(static_cast<Time>(f_.flood_wait_s * kSecond));
    const auto quiet_for = wall(500 * kMillisecond + 2 * d_.network.latency.longest());
    auto last_line = Clock::now();
    while (Clock::now() < deadline) {
      bool any = false;
      pump(std::chrono::milliseconds(20), [&](std::size_t, std::string_view) { any = true; });
      if (any) last_line = Clock::now();
      const Broadcast& b = c_.broadcasts[index];
      const auto it = c_.delivered.find(b.id);
      const std::size_t got = b.id != 0 && it != c_.delivered.end() ? it->second.size() : 0;
      if (got >= b.reachable && Clock::now() - last_line > quiet_for) {
        c_.flood_quiet = true;
        break;
      }
    }
  }

  // Reads the peers' output for up to `timeout`, also handing each line to `also`.
  void pump(std::chrono::milliseconds timeout,
            const std::function<void(std::size_t, std::string_view)>& also = {}) {
    procs_.poll(timeout, [&](std::size_t i, std::string_view line) {
      on_line(i, line);
      if (also) also(i, line);
    });
    ex::throw_if_stopped();
  }

  void wait_until(Time t) {
    now_planned_ = t;
    for (;;) {
      // Spare peers for churn's newcomers are started while there is time.
      if (procs_.size() < next_node_ + spares_) spawn_next();
      const Time left = t - now();
      if (left <= 0) return;
      pump(std::chrono::milliseconds(std::clamp<Time>(wall(left).count() / 1000, 0, 50)));
    }
  }

  void wait_ready() {
    const auto deadline = Clock::now() + std::chrono::duration<double>(f_.ready_timeout_s);
    const std::size_t n = procs_.size();
    while (ready_ < n) {
      if (Clock::now() > deadline)
        throw std::runtime_error(std::to_string(n - ready_) + " of " + std::to_string(n) +
                                 " peers did not start within " +
                                 analysis::format_number(f_.ready_timeout_s) + " s");
      pump(std::chrono::milliseconds(50));
      for (std::uint32_t i = 0; i < n; ++i)
        if (!started_[i] && !procs_.running(i))
          throw std::runtime_error("peer " + std::to_string(i) + " exited at start");
    }
  }

  // Asks every live peer `what` ("links" or "counters") and waits for every answer.
  void query(const std::string& what) {
    std::set<std::uint32_t> waiting;
    for (std::uint32_t i : alive_nodes())
      if (procs_.send(i, what)) waiting.insert(i);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!waiting.empty()) {
      if (Clock::now() > deadline)
        throw std::runtime_error(std::to_string(waiting.size()) + " peers did not answer '" + what +
                                 "' within 20 s");
      pump(std::chrono::milliseconds(50), [&](std::size_t i, std::string_view line) {
        if (line.rfind(what + " ", 0) == 0 || line == what)
          waiting.erase(static_cast<std::uint32_t>(i));
      });
      for (auto it = waiting.begin(); it != waiting.end();)
        it = procs_.running(*it) ? std::next(it) : waiting.erase(it);
    }
  }

  void on_line(std::size_t i, std::string_view line) {
    std::istringstream in{std::string(line)};
    std::string verb;
    in >> verb;
    if (verb == "deliver") {
      std::int64_t t = 0;
      std::string origin;
      std::uint64_t id = 0;
      in >> t >> origin >> id;
      c_.delivered[id].emplace_back(scenario_clock(t), static_cast<std::uint32_t>(i));
    } else if (verb == "dup") {
      std::uint64_t id = 0;
      in >> id;
      ++c_.duplicates[id];
    } else if (verb == "said") {
      std::uint64_t id = 0;
      std::int64_t t = 0;
      in >> id >> t;
      for (Broadcast& b : c_.broadcasts)
        if (b.origin == i && b.id == 0) {
          b.id = id;
          b.said_us = scenario_clock(t);
          break;
        }
    } else if (verb == "links") {
      std::int64_t t = 0;
      in >> t;
      auto& l = c_.links[i];
      l.clear();
      for (std::string a; in >> a;)
        if (const auto addr = parse_address(a))
          if (const auto j = testbed_index(*addr)) l.push_back(*j);
    } else if (verb == "counters") {
      for (std::uint64_t& v : c_.counters[i]) in >> v;
    } else if (verb == "listening") {
      if (!started_[i]) ++ready_;
      started_[i] = true;
    } else if (verb == "error") {
      say("peer " + std::to_string(i) + ": " + std::string(line));
    }
  }

  const ex::RunDescription& d_;
  const sim::Scenario& sc_;
  std::uint64_t seed_;
  const TestbedFlags& f_;
  bool verbose_;
  Rng rng_;
  // The simulator's network for this seed, never run: it draws each node's group and each
  // node's side of a partition exactly as the simulator does.
  sim::Network mirror_;
  std::uint64_t capacity_;
  std::uint32_t spares_;
  PeerProcesses procs_;
  Collected c_;
  std::vector<bool> alive_, started_;
  std::size_t ready_ = 0;
  std::vector<std::uint32_t> live_, live_pos_, leaving_;
  std::uint32_t next_node_ = 0;
  int active_churn_ = -1;
  std::string partition_line_;  // "partition SIDES" while a partition lasts
  Clock::time_point t0_;
  Time now_planned_ = 0;  // the scenario time of the action being executed
  std::priority_queue<Action, std::vector<Action>, std::greater<>> agenda_;
  std::uint64_t seq_ = 0;
  std::uint64_t work_left_ = 0;
};

// The quickest path from `origin` to every node over `edges` with the emulated latencies: what a
// flood's copy would take if a hop cost its link latency and nothing else, as in the simulator.
// Per node: (microseconds, hops of that path); -1 where unreachable.
std::vector<std::pair<Time, std::int64_t>> quickest_paths(
    const std::set<std::pair<std::uint32_t, std::uint32_t>>& edges, std::size_t n,
    const sim::LatencyModel& model, std::uint32_t origin) {
  std::vector<std::vector<std::pair<std::uint32_t, Time>>> adj(n);
  for (auto [a, b] : edges) {
    const Time w = model.between(a, b);
    adj[a].emplace_back(b, w);
    adj[b].emplace_back(a, w);
  }
  std::vector<std::pair<Time, std::int64_t>> best(n, {-1, -1});
  using Item = std::tuple<Time, std::int64_t, std::uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  q.emplace(0, 0, origin);
  while (!q.empty()) {
    const auto [t, hops, v] = q.top();
    q.pop();
    if (best[v].first >= 0) continue;
    best[v] = {t, hops};
    for (auto [w, lat] : adj[v])
      if (best[w].first < 0) q.emplace(t + lat, hops + 1, w);
  }
  return best;
}

// Nearest-rank percentile of sorted `v`, as the simulator's (sim/network.cpp).
double rank(const std::vector<std::int64_t>& v, double p) {
  const auto k =
      static_cast<std::size_t>(std::max(1.0, std::ceil(p * static_cast<double>(v.size()))));
  return static_cast<double>(v[std::min(k, v.size()) - 1]);
}

// The graph among live peers, renumbered 0.. in index order; with departures, each node's label
// is its index, as `p2p sim` labels its nodes.
struct LiveGraph {
  analysis::Graph graph;
  std::vector<std::string> labels;
};
LiveGraph live_graph(const std::set<std::pair<std::uint32_t, std::uint32_t>>& edges,
                     const std::vector<bool>& alive) {
  std::vector<std::uint32_t> id(alive.size(), 0);
  LiveGraph lg;
  std::uint32_t next = 0;
  const bool all = std::all_of(alive.begin(), alive.end(), [](bool a) { return a; });
  for (std::uint32_t i = 0; i < alive.size(); ++i)
    if (alive[i]) {
      id[i] = next++;
      if (!all) lg.labels.push_back(std::to_string(i));
    }
  std::vector<analysis::Edge> es;
  for (auto [a, b] : edges) es.push_back(analysis::Edge{id[a], id[b]});
  lg.graph = analysis::Graph::from_edges(next, es);
  return lg;
}

// groups.csv as `p2p sim` writes it for mixed rules, from the peers' last neighbour lists and
// the final flood's deliveries.
std::vector<sim::GroupSummary> summarize_groups(const ex::RunDescription& d, const Collected& c) {
  const sim::RuleMix& mix = *d.mix;
  std::vector<sim::GroupSummary> out(mix.configs.size());
  double total = 0;
  for (double share : mix.shares) total += share;
  for (std::size_t g = 0; g < out.size(); ++g) {
    out[g].rule = mix.configs[g].rule->spec();
    out[g].share = mix.shares[g] / total;
    out[g].min_degree = ~std::uint64_t{0};
  }
  const std::vector<bool>& alive = c.alive;
  for (std::uint32_t i = 0; i < alive.size(); ++i) {
    if (!alive[i]) continue;
    sim::GroupSummary& s = out[c.groups[i]];
    std::uint64_t degree = 0;
    for (std::uint32_t j : c.links[i]) {
      if (j >= alive.size() || !alive[j]) continue;
      ++degree;
      if (c.groups[j] != c.groups[i])
        ++s.links_across;
      else if (i < j)
        ++s.links_within;
    }
    ++s.nodes;
    s.link_ends += degree;
    s.isolated += degree == 0 ? 1 : 0;
    s.min_degree = std::min(s.min_degree, degree);
    s.max_degree = std::max(s.max_degree, degree);
  }
  for (sim::GroupSummary& s : out) {
    if (s.nodes == 0) s.min_degree = 0;
    s.mean_degree = s.nodes ? static_cast<double>(s.link_ends) / static_cast<double>(s.nodes) : 0;
  }
  if (c.flood) {
    const Broadcast& b = c.broadcasts.back();
    for (std::uint32_t i = 0; i < alive.size(); ++i)
      if (alive[i] && i != b.origin) ++out[c.groups[i]].flood_reachable;
    if (const auto it = c.delivered.find(b.id); b.id != 0 && it != c.delivered.end())
      for (auto [t, node] : it->second) ++out[c.groups[node]].flood_deliveries;
  }
  return out;
}

void write_testbed_run(const fs::path& dir, const ex::RunDescription& d, std::uint64_t seed,
                       const Collected& c) {
  const std::vector<bool>& alive = c.alive;
  const auto edges = edges_of(c.links, alive);
  const LiveGraph lg = live_graph(edges, alive);
  const analysis::Graph& g = lg.graph;
  const std::vector<std::string>& labels = lg.labels;
  analysis::ReportOptions ro = d.settings.analysis;
  ro.seed = seed;
  analysis::Report report = analysis::compute_report(g, ro);
  // The scenario's snapshots, where `p2p sim` writes them: snapshots/t=SECONDS/.
  for (const Collected::Snapshot& s : c.snapshots) {
    const LiveGraph sg = live_graph(edges_of(s.links, s.alive), s.alive);
    const std::string name = "t=" + analysis::format_number(static_cast<double>(s.at) / kSecond);
    analysis::write_report(dir / "snapshots" / name, sg.graph,
                           analysis::compute_report(sg.graph, ro), sg.labels);
  }

  // The counters peers report, summed: accepted, forwarded, dropped (hops), dropped (no link).
  std::array<std::uint64_t, 7> sum{};
  for (const auto& k : c.counters)
    for (std::size_t j = 0; j < k.size(); ++j) sum[j] += k[j];
  auto add = [&](const char* name, double v) {
    if (!std::isnan(v)) report.summary.emplace_back(name, v);
  };
  add("virtual_time_s", static_cast<double>(c.end) / kSecond);
  add("join_requests_sent",
      static_cast<double>(c.joins * static_cast<std::uint64_t>(d.settings.join_requests)));
  add("join_requests_accepted", static_cast<double>(sum[0]));
  add("join_requests_dropped", static_cast<double>(sum[2] + sum[3]));
  add("join_request_hops", static_cast<double>(sum[1]));

  // broadcasts.csv, as `p2p sim` writes it; hops are not reported by the peers.
  ex::CsvWriter bc({"broadcast", "time_s", "origin", "reachable", "deliveries", "coverage",
                    "messages", "duplicates", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms",
                    "latency_max_ms", "max_hops", "finished"});
  // deliveries.csv: every first delivery of every broadcast, so a delivery's latency can be set
  // against the path it could have taken (docs/reality-gap.md, the latency gap).
  // For the final flood, which crosses the topology read just before, each row also has the
  // quickest path's emulated latency and hops: the latency minus that is what the real hops added.
  ex::CsvWriter dl({"broadcast", "node", "latency_ms", "path_latency_ms", "path_hops"});
  sim::LatencyModel model = d.network.latency;
  model.seed = seed;
  std::size_t k = 0;
  for (const Broadcast& b : c.broadcasts) {
    std::vector<std::int64_t> lat;
    const bool final = c.flood && &b == &c.broadcasts.back();
    const auto paths = final ? quickest_paths(edges, alive.size(), model, b.origin)
                             : std::vector<std::pair<Time, std::int64_t>>{};
    if (const auto it = c.delivered.find(b.id); b.id != 0 && it != c.delivered.end())
      for (auto [t, node] : it->second) {
        lat.push_back(std::max<std::int64_t>(0, t - b.said_us));
        dl.integer(k).integer(node).number(static_cast<double>(lat.back()) / 1000.0);
        if (final && paths[node].first >= 0)
          dl.number(static_cast<double>(paths[node].first) / 1000.0)
              .integer(static_cast<std::uint64_t>(paths[node].second));
        else
          dl.text("").text("");
        dl.end_row();
      }
    std::sort(lat.begin(), lat.end());
    const auto dit = c.duplicates.find(b.id);
    const std::uint64_t dups = b.id != 0 && dit != c.duplicates.end() ? dit->second : 0;
    const auto deliveries = static_cast<std::uint64_t>(lat.size());
    const double coverage = b.reachable > 0
                                ? static_cast<double>(deliveries) / static_cast<double>(b.reachable)
                                : std::nan("");
    auto ms = [&](double p) { return lat.empty() ? std::nan("") : rank(lat, p) / 1000.0; };
    bc.integer(k++)
        .number(static_cast<double>(b.at) / kSecond)
        .integer(b.origin)
        .integer(b.reachable);
    bc.integer(deliveries).number(coverage).integer(deliveries + dups).integer(dups);
    bc.number(ms(0.5)).number(ms(0.9)).number(ms(0.99)).number(ms(1.0)).text("");
    const bool last = k == c.broadcasts.size();
    bc.integer(last && c.flood ? (c.flood_quiet ? 1 : 0) : 1);
    bc.end_row();
    if (last && c.flood) {
      add("flood_origin", b.origin);
      add("flood_coverage", coverage);
      add("flood_messages", static_cast<double>(deliveries + dups));
      add("flood_duplicates", static_cast<double>(dups));
    }
  }
  if (c.departures + c.crashes > 0) {
    add("nodes_ever", static_cast<double>(alive.size()));
    add("departures", static_cast<double>(c.departures));
    add("crashes", static_cast<double>(c.crashes));
  }
  analysis::write_report(dir, g, report, labels);
  ex::write_file(dir / "broadcasts.csv", bc.str());
  ex::write_file(dir / "deliveries.csv", dl.str());
  if (d.mix) {
    std::ostringstream groups;
    sim::write_groups_csv(groups, summarize_groups(d, c));
    ex::write_file(dir / "groups.csv", groups.str());
  }

  // timeseries.csv with the columns of `p2p sim`; what the peers cannot report stays empty.
  ex::CsvWriter ts({"time_s", "live_nodes", "edges", "mean_degree", "largest_component_fraction",
                    "components", "join_requests_in_flight", "messages_sent", "pending_events"});
  for (const sim::TimeSample& s : c.samples) {
    ts.number(static_cast<double>(s.time) / kSecond).integer(s.live_nodes).integer(s.edges);
    ts.number(s.mean_degree).number(s.largest_component_fraction).integer(s.components);
    ts.text("").text("").text("");
    ts.end_row();
  }
  ex::write_file(dir / "timeseries.csv", ts.str());
}

// The run's description from the study file or the flags, sized to --peers.
ex::RunDescription describe_testbed(CLI::App* cmd, TestbedFlags& f,
                                    std::vector<std::uint64_t>& seeds, std::string& file_name) {
  ex::RunDescription d;
  if (!f.study.empty()) {
    for (const char* flag : {"--nodes", "--scenario", "--rule", "--join-requests"})
      if (cmd->count(flag) > 0)
        throw UsageError(std::string(flag) + " with a study file: the study sets it");
    const ex::Campaign c = as_usage([&] { return ex::load_study(f.study); });
    if (c.points.size() != 1)
      throw UsageError("the study sweeps " + std::to_string(c.points.size()) +
                       " points; the testbed plays one (write one study per point)");
    d = c.points[0].description;
    seeds = c.seeds;
    file_name = f.study;
    if (f.peers > 0) {
      // The default growth shape (one arrival phase adding every node but the entry) is resized;
      // any other scenario must fit in the peers given.
      auto& arr = d.scenario.arrivals;
      if (arr.size() == 1 && arr[0].count + 1 == d.scenario.planned_nodes() &&
          d.scenario.churn.empty()) {
        arr[0].count = f.peers - 1;
        d.settings.nodes = f.peers;
      } else if (d.scenario.planned_nodes() > f.peers) {
        throw UsageError("the study's scenario adds " + std::to_string(d.scenario.planned_nodes()) +
                         " nodes; --peers " + std::to_string(f.peers) + " is fewer");
      }
    }
  } else {
    refuse_ignored(cmd, f.settings);
    refuse_together(cmd, "--peers", "--nodes", "--peers is the number of nodes");
    refuse_together(cmd, "--peers", "--scenario", "the scenario file sets the arrivals");
    if (f.peers > 0) f.settings.nodes = f.peers;
    d = as_usage([&] { return ex::describe(f.settings); });
  }
  if (cmd->count("--seeds") > 0) seeds = as_usage([&] { return ex::parse_seed_range(f.seeds); });
  if (cmd->count("--seed") > 0 || seeds.empty()) seeds = {f.seed};
  as_usage([&] { refuse_unsupported(d); });
  if (d.scenario.planned_nodes() > kTestbedMaxPeers)
    throw UsageError("the testbed has room for " + std::to_string(kTestbedMaxPeers) + " peers");
  return d;
}

void run_testbed(CLI::App* cmd, TestbedFlags& f) {
  refuse_together(cmd, "--seed", "--seeds", "give one seed or a range, not both");
  if (cmd->count("--jobs") > 0) throw UsageError("--jobs: the testbed plays one seed at a time");
  std::vector<std::uint64_t> seeds;
  std::string file_name;
  const ex::RunDescription d = describe_testbed(cmd, f, seeds, file_name);
  // Peers that left or crashed hold no descriptor: at most the scenario's nodes and the spares
  // run at once, but every address a newcomer may get is checked.
  const auto peers = static_cast<std::uint32_t>(d.scenario.planned_nodes() + kSpares);
  as_usage([&] {
    ensure_descriptors(peers);
    check_ports(static_cast<std::uint32_t>(testbed_capacity(d.scenario) + kSpares), f.port);
  });
  ex::Options options = d.options();
  options.emplace_back("testbed_settle_s", analysis::format_number(f.settle_s));
  options.emplace_back("testbed_flood_wait_s", analysis::format_number(f.flood_wait_s));
  if (f.time_scale != 1)
    options.emplace_back("testbed_time_scale", analysis::format_number(f.time_scale));
  const bool many = seeds.size() > 1 || cmd->count("--seeds") > 0;
  const std::string range =
      many ? std::to_string(seeds.front()) + ".." + std::to_string(seeds.back()) : "";
  const ex::Manifest top{"p2p testbed",
                         options,
                         {},
                         many ? std::nullopt : std::optional(seeds[0]),
                         range,
                         file_name.empty() ? d.file_name : file_name,
                         d.file_text};
  const fs::path out(f.output.out);
  as_usage([&] { return ex::prepare_output(out, ex::to_json(top), f.output.force); });
  ex::install_stop_handlers();
  for (std::uint64_t seed : seeds) {
    const fs::path dir = many ? out / ("seed=" + std::to_string(seed)) : out;
    const fs::path partial = many ? ex::partial_path(dir) : out / ".testbed.partial";
    fs::remove_all(partial);
    try {
      Collected c;
      {
        Testbed tb(d, seed, f, !f.output.quiet);
        c = tb.run();
      }  // every peer is gone here, whichever way the block was left
      fs::create_directories(partial);
      write_testbed_run(partial, d, seed, c);
      ex::Manifest m = top;
      m.seed = seed;
      m.seeds.clear();
      ex::write_file(partial / "manifest.json", ex::to_json(m));
    } catch (const ex::Stopped&) {
      fs::remove_all(partial);
      ex::exit_stopped("p2p testbed: stopped; every peer was ended and nothing of seed " +
                       std::to_string(seed) + " was written");
    } catch (const std::runtime_error& e) {
      fs::remove_all(partial);
      throw UsageError(std::string("seed ") + std::to_string(seed) + ": " + e.what());
    }
    if (many) {
      ex::commit_folder(partial, dir);
    } else {
      ex::commit_folder(partial, out);
    }
    if (!f.output.quiet)
      std::cerr << "p2p testbed: seed " << seed << ": wrote " << dir.string() << "/\n";
  }
  if (many) ex::write_file(out / "manifest.json", ex::to_json(top));
}

}  // namespace

void add_testbed_command(CLI::App& app) {
  auto flags = std::make_shared<TestbedFlags>();
  flags->settings.nodes = 50;  // a process each: a small default, --peers for more
  CLI::App* cmd = app.add_subcommand(
      "testbed",
      "Play a scenario with real `p2p peer` processes on this machine, one loopback address "
      "each (127.1.0.1 upward), driven through their control channel, with link latency "
      "emulated by the peers from the simulator's model; writes the output folder of `p2p sim` "
      "(edges.csv, summary.csv, timeseries.csv, broadcasts.csv, manifest.json). Compare with "
      "`p2p gap`. See docs/reality-gap.md for what is emulated and what is real.");
  cmd->add_option("STUDY", flags->study, "A study file (TOML) of one point, as `p2p run` takes");
  cmd->add_option("--peers,-N", flags->peers,
                  "Peer processes: the default scenario's node count (resizes a study's growth "
                  "scenario)")
      ->check(CLI::Range(1u, kTestbedMaxPeers));
  cmd->add_option("--seed,-s", flags->seed, "Root seed, as `p2p sim`'s")->capture_default_str();
  cmd->add_option("--seeds", flags->seeds, "Seeds A..B: one run per seed into OUT/seed=S/");
  cmd->add_option("--rule", flags->settings.rule, "Join rule NAME[:KEY=VALUE,...], as `p2p sim`")
      ->capture_default_str();
  add_protocol_flags(cmd, flags->settings);
  add_network_flags(cmd, flags->settings);
  add_analysis_flags(cmd, flags->settings.analysis);
  cmd->add_option("--port", flags->port, "The port every peer listens on, each at its own address")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--settle", flags->settle_s,
                  "Seconds after the last scenario action before the topology is read (the "
                  "simulator drains its events instead)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--flood-wait", flags->flood_wait_s,
                  "Most seconds to wait for the final flood to go quiet")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--time-scale", flags->time_scale,
                  "Play the scenario this many times slower than the wall clock: its times, the "
                  "peers' protocol clocks and the emulated latencies all stretch, and what is "
                  "reported stays in scenario time (for more peers than the machine keeps up "
                  "with)")
      ->check(CLI::Range(1.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--ready-timeout", flags->ready_timeout_s,
                  "Seconds every peer has to start listening")
      ->check(CLI::Range(1.0, 3600.0))
      ->capture_default_str();
  add_output_flags(cmd, flags->output, "--jobs", "Output folder (with --seeds, one per seed)");
  cmd->callback([cmd, flags] { run_testbed(cmd, *flags); });
}

}  // namespace p2p::runner
