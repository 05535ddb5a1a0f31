// Window statistics for the plan to shard one simulation over MPI ranks (docs/distributed.md):
// how many events fall in one conservative window (the smallest link latency) in each phase of
// the default scenario. A counting pass outside the simulator's hot path: the scenario's progress
// hook (every 65,536 events) records the virtual time and event count, so each block of events
// gives the mean events per window over the virtual time it spans.
//
//   build/bench/window_stats NODES [ARRIVAL_INTERVAL_MS [SEED [ENTRY]]]
//
// ENTRY `random` makes each newcomer join through a random live node instead of node 0 (the
// scenario file's `entry = "random"`), to see the split without the entry's hot spot.
// Prints one CSV row per phase: phase, blocks, virtual seconds, windows, events, events per
// window (overall, and the 10th, 50th and 90th percentiles over blocks). Then, after an empty
// line, a second CSV: how the packets would split if nodes were dealt to R ranks by index modulo
// R (R = 2, 4, 8, 16, 64). An observer sees every send and the window its packet arrives in (the
// send time plus the pair's latency, which the latency model gives from the seed alone); per phase
// it gives the packets per window, the share that crosses ranks, and the busiest rank's load: the
// sum over windows of the most packets any one rank receives, over the sum of the mean (the
// factor by which the slowest rank's work exceeds an even split).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "experiment/description.hpp"
#include "sim/network.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace {
using namespace p2p;

struct Block {
  double start_s, end_s;
  std::uint64_t events;
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

constexpr std::array<std::uint32_t, 5> kRanks{2, 4, 8, 16, 64};

// Per phase and rank count: packets, crossing packets, and the sum over windows of the busiest
// rank's packets.
struct Split {
  std::uint64_t windows = 0, packets = 0;
  std::array<std::uint64_t, kRanks.size()> crossing{}, busiest{};
};

// Counts each packet in the window it arrives in, per receiving rank, and folds a window into its
// phase's Split once no packet can still arrive in it (every latency is at least one window).
class SplitObserver : public sim::Observer {
 public:
  SplitObserver(const sim::LatencyModel& latency, Time window, Time joins_end)
      : latency_(latency), window_(window), joins_end_(joins_end) {
    ring_.resize(static_cast<std::size_t>(latency.longest() / window + 2));
  }
  void on_send(const sim::Network& net, std::uint32_t from, std::uint32_t to,
               const Packet&) override {
    const Time now = net.now();
    fold_until(now / window_);
    const Time w = (now + latency_.between(from, to)) / window_;
    Window& slot = ring_[static_cast<std::size_t>(w) % ring_.size()];
    slot.used = true;
    ++slot.packets;
    std::size_t offset = 0;
    for (std::size_t k = 0; k < kRanks.size(); ++k) {
      const std::uint32_t r = kRanks[k];
      ++slot.per_rank[offset + to % r];
      if (from % r != to % r) ++slot.crossing[k];
      offset += r;
    }
  }
  // Folds every window still open (after the run).
  void finish() { fold_until(next_ + static_cast<Time>(ring_.size())); }
  Split join, after;

 private:
  struct Window {
    bool used = false;
    std::uint64_t packets = 0;
    std::array<std::uint64_t, kRanks.size()> crossing{};
    std::array<std::uint32_t, 2 + 4 + 8 + 16 + 64> per_rank{};
  };
  // Folds windows next_ .. last (inclusive).
  void fold_until(Time last) {
    for (; next_ <= last; ++next_) {
      Window& slot = ring_[static_cast<std::size_t>(next_) % ring_.size()];
      if (!slot.used) continue;
      Split& s = (next_ + 1) * window_ <= joins_end_ ? join : after;
      ++s.windows;
      s.packets += slot.packets;
      std::size_t offset = 0;
      for (std::size_t k = 0; k < kRanks.size(); ++k) {
        s.crossing[k] += slot.crossing[k];
        s.busiest[k] += *std::max_element(slot.per_rank.begin() + offset,
                                          slot.per_rank.begin() + offset + kRanks[k]);
        offset += kRanks[k];
      }
      slot = Window{};
    }
  }
  const sim::LatencyModel& latency_;
  Time window_, joins_end_;
  std::vector<Window> ring_;
  Time next_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: window_stats NODES [ARRIVAL_INTERVAL_MS [SEED [ENTRY]]]\n");
    return 2;
  }
  experiment::RunSettings s;
  s.nodes = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  if (argc > 2) s.arrival_interval_ms = std::strtod(argv[2], nullptr);
  const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  experiment::RunDescription d = experiment::describe(s);
  if (argc > 4 && std::string(argv[4]) == "random")
    for (sim::ArrivalPhase& p : d.scenario.arrivals) p.random_entry = true;
  sim::NetworkOptions options = d.network;
  options.seed = seed;
  sim::Network net(d.config, options);

  const double window_s = s.latency_min_ms / 1000;
  const double joins_end_s = (s.nodes - 1) * s.arrival_interval_ms / 1000;
  std::vector<Block> blocks;
  double last_t = 0;
  std::uint64_t last_events = 0;
  auto record = [&](const sim::Network& n) {
    const double t = static_cast<double>(n.now()) / kSecond;
    blocks.push_back({last_t, t, n.counters().events - last_events});
    last_t = t;
    last_events = n.counters().events;
  };
  sim::ScenarioObserver obs;
  obs.progress = record;
  // The latency model as the network seeds it, so the observer knows each packet's arrival.
  sim::LatencyModel latency = options.latency;
  latency.seed = seed;
  const auto window = static_cast<Time>(s.latency_min_ms * kMillisecond);
  SplitObserver split(latency, window, static_cast<Time>(joins_end_s * kSecond));
  net.add_observer(split);
  sim::run_scenario(net, d.scenario, seed, obs);
  record(net);
  split.finish();

  std::printf(
      "nodes,arrival_interval_ms,window_ms,phase,blocks,virtual_s,windows,events,"
      "events_per_window,p10,p50,p90\n");
  for (const char* phase : {"join", "after_joins"}) {
    std::vector<double> per_window;
    double span = 0;
    std::uint64_t events = 0, count = 0;
    for (const Block& b : blocks) {
      const bool join = b.end_s <= joins_end_s;
      if (join != (std::string(phase) == "join") || b.end_s <= b.start_s) continue;
      const double windows = (b.end_s - b.start_s) / window_s;
      per_window.push_back(static_cast<double>(b.events) / windows);
      span += b.end_s - b.start_s;
      events += b.events;
      ++count;
    }
    std::printf(
        "%u,%g,%g,%s,%llu,%.3f,%.0f,%llu,%.1f,%.1f,%.1f,%.1f\n", s.nodes, s.arrival_interval_ms,
        s.latency_min_ms, phase, static_cast<unsigned long long>(count), span, span / window_s,
        static_cast<unsigned long long>(events),
        span > 0 ? static_cast<double>(events) / (span / window_s) : 0.0,
        percentile(per_window, 0.1), percentile(per_window, 0.5), percentile(per_window, 0.9));
  }
  std::printf(
      "\nnodes,arrival_interval_ms,window_ms,phase,windows_with_packets,packets,"
      "packets_per_window,ranks,crossing_share,busiest_rank_factor\n");
  for (const auto& [phase, sp] : {std::pair{"join", &split.join}, {"after_joins", &split.after}})
    for (std::size_t k = 0; k < kRanks.size(); ++k)
      std::printf(
          "%u,%g,%g,%s,%llu,%llu,%.1f,%u,%.4f,%.3f\n", s.nodes, s.arrival_interval_ms,
          s.latency_min_ms, phase, static_cast<unsigned long long>(sp->windows),
          static_cast<unsigned long long>(sp->packets),
          sp->windows ? static_cast<double>(sp->packets) / sp->windows : 0.0, kRanks[k],
          sp->packets ? static_cast<double>(sp->crossing[k]) / sp->packets : 0.0,
          sp->packets ? static_cast<double>(sp->busiest[k]) * kRanks[k] / sp->packets : 0.0);
  return 0;
}
