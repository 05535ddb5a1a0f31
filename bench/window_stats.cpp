// Window statistics for the plan to shard one simulation over MPI ranks (docs/distributed.md):
// how many events fall in one conservative window (the smallest link latency) in each phase of
// the default scenario. A counting pass outside the simulator's hot path: the scenario's progress
// hook (every 65,536 events) records the virtual time and event count, so each block of events
// gives the mean events per window over the virtual time it spans.
//
//   build/bench/window_stats NODES [ARRIVAL_INTERVAL_MS [SEED]]
//
// Prints one CSV row per phase: phase, blocks, virtual seconds, windows, events, events per
// window (overall, and the 10th, 50th and 90th percentiles over blocks).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "experiment/description.hpp"
#include "sim/network.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: window_stats NODES [ARRIVAL_INTERVAL_MS [SEED]]\n");
    return 2;
  }
  experiment::RunSettings s;
  s.nodes = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  if (argc > 2) s.arrival_interval_ms = std::strtod(argv[2], nullptr);
  const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  const experiment::RunDescription d = experiment::describe(s);
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
  sim::run_scenario(net, d.scenario, seed, obs);
  record(net);

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
  return 0;
}
