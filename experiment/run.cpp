#include "experiment/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "analysis/graph_summary.hpp"
#include "experiment/csv.hpp"
#include "experiment/metrics.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/stop.hpp"
#include "protocol/identity.hpp"

namespace p2p::experiment {
namespace fs = std::filesystem;
namespace {

// The links among live nodes, each once, by its lower end: the rows Graph::from_upper_rows takes.
// When every node is alive its ids are the simulator's indices; otherwise live nodes are
// renumbered and `labels` keeps their indices for the CSV files. `duplicates` counts the links
// that doubled one already there (the seed's rule makes some), which the report shows.
struct LiveLinks {
  std::vector<std::uint64_t> start;
  std::vector<std::uint32_t> uppers;
  std::size_t duplicates = 0;
  std::vector<std::string> labels;

  analysis::Graph graph() const {
    return analysis::Graph::from_upper_rows(start, uppers, duplicates);
  }
};

// The links among live nodes read from a network, ready to become rows once the network is gone:
// the links by lower end and, when some node has left, the live nodes' new ids.
struct EdgeCapture {
  static constexpr std::uint32_t kGone = ~std::uint32_t{0};
  sim::Network::LinkBuckets buckets;
  std::vector<std::uint32_t> id;  // kGone for a node that left; empty while all are alive
  std::vector<std::string> labels;
  std::size_t live = 0;
};

// `links`: the network's link buckets as it is now, if the run kept them.
EdgeCapture capture_edges(const sim::Network& net, std::optional<sim::Network::LinkBuckets> links) {
  EdgeCapture c;
  c.buckets = links ? std::move(*links) : net.link_buckets();
  if (net.live().size() == net.size()) {
    c.live = net.size();
  } else {
    c.id.assign(net.size(), EdgeCapture::kGone);
    std::uint32_t next = 0;
    for (std::uint32_t i = 0; i < net.size(); ++i)
      if (net.alive(i)) {
        c.id[i] = next++;
        c.labels.push_back(std::to_string(i));
      }
    c.live = next;
  }
  return c;
}

// The rows, made in place in the buckets' own list: a lower end's entries are sorted by higher
// end, so each distinct one is kept once, renamed by its new id (which keeps the order), and the
// rest are counted as duplicates. At a million nodes the buckets are 24 MB; a list of edge pairs
// beside them was 32 MB more.
LiveLinks upper_rows(EdgeCapture&& c) {
  LiveLinks out;
  sim::Network::LinkBuckets& b = c.buckets;
  const std::vector<std::uint32_t>& id = c.id;
  std::vector<std::uint32_t>& ends = b.ends;
  out.start.assign(c.live + 1, 0);
  std::size_t row = 0, kept = 0, read = 0;
  for (std::size_t lo = 0; lo + 1 < b.start.size(); ++lo) {
    const std::size_t last = b.start[lo + 1];
    if (!id.empty() && id[lo] == EdgeCapture::kGone) {
      read = last;  // a node that left holds no live link
      continue;
    }
    out.start[row++] = kept;
    // The lower end's copies of the link, or the higher end's alone: one edge each. An edge is
    // written no further on than the entries it was read from.
    sim::Network::for_each_higher_end(ends.data() + read, ends.data() + last,
                                      [&](std::uint32_t hi, std::uint32_t by_lower, bool) {
                                        out.duplicates += (by_lower > 0 ? by_lower : 1) - 1;
                                        ends[kept++] = id.empty() ? hi : id[hi];
                                      });
    read = last;
  }
  out.start[row] = kept;
  ends.resize(kept);
  ends.shrink_to_fit();
  out.uppers = std::move(ends);
  out.labels = std::move(c.labels);
  return out;
}

LiveLinks live_links(const sim::Network& net) {
  return upper_rows(capture_edges(net, std::nullopt));
}

// The process's peak resident memory so far in MiB (Linux), or -1 where it cannot be read.
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      status >> kib;
      return kib / 1024;
    }
    status.ignore(1 << 20, '\n');
  }
  return -1;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : std::nan("");
}

double curve_at(const analysis::Report& r, const char* strategy, double fraction) {
  for (const analysis::ResilienceCurve& c : r.resilience) {
    if (c.strategy != strategy) continue;
    for (const analysis::ResiliencePoint& p : c.points)
      if (std::abs(p.fraction_removed - fraction) < 1e-9) return p.mean;
  }
  return std::nan("");
}

// Adds summary rows, each a metric defined in metrics.cpp; NaN (does not apply) is left out.
struct Summary {
  analysis::Report& report;
  void add(const char* name, double value) {
    if (find_metric(name) == nullptr)
      throw std::logic_error(std::string("undefined metric ") + name);
    if (!std::isnan(value)) report.summary.emplace_back(name, value);
  }
};

// The Configs a run's network uses: the description's, and with signing on, copies whose nodes
// sign with keys from a KeyRing seeded by the run's seed. Must outlive the network.
struct RunConfigs {
  Config config;
  std::optional<sim::RuleMix> mix;

  RunConfigs(const RunDescription& d, std::uint64_t seed) : config(d.config) {
    if (d.mix) mix = *d.mix;
    if (!d.settings.signing) return;
    const AuthPtr ring = std::make_shared<const KeyRing>(seed);
    config.auth = ring;
    if (mix)
      for (Config& c : mix->configs) c.auth = ring;
  }
  std::unique_ptr<sim::Network> network(const sim::NetworkOptions& options) const {
    auto net = std::make_unique<sim::Network>(config, options);
    if (mix) net->set_groups(mix->groups());
    return net;
  }
};

// The comparison's second run: the same network, a share of it crashing after the scenario,
// then a repair window and the final flood.
void crash_run(const RunDescription& d, std::uint64_t seed, Summary& out) {
  const RunSettings& s = d.settings;
  sim::NetworkOptions options = d.network;
  options.seed = seed;
  const RunConfigs configs(d, seed);
  sim::Network net(configs.config, options);
  sim::Scenario sc = d.scenario;
  sim::MassFailure failure;
  failure.at = sc.planned_end() + static_cast<Time>(std::llround(s.settle_s * kSecond));
  failure.fraction = s.crash;
  failure.crash = true;
  sc.failures.push_back(failure);
  sc.end = failure.at + static_cast<Time>(std::llround(s.repair_s * kSecond));
  sc.final_flood = true;
  sim::ScenarioObserver obs;
  obs.progress = [](const sim::Network&) { throw_if_stopped(); };
  const sim::ScenarioResult res = sim::run_scenario(net, sc, seed, obs);
  if (!res.samples.empty())
    out.add("lcc_after_crash", res.samples.back().largest_component_fraction);
  if (res.flooded)
    if (const sim::FloodStats* fs = net.flood(res.flood_id))
      out.add("flood_coverage_after_crash",
              ratio(static_cast<double>(fs->deliveries), static_cast<double>(fs->reachable)));
}

analysis::ReportOptions report_options(const RunDescription& d, std::uint64_t seed) {
  analysis::ReportOptions ro = d.settings.analysis;
  ro.seed = seed;
  return ro;
}

}  // namespace

double summary_value(const analysis::Report& report, std::string_view name) {
  for (const auto& [k, v] : report.summary)
    if (k == name) return v;
  return std::nan("");
}

std::vector<std::string> omitted_metrics(const RunDescription& d, const analysis::Report& r) {
  const analysis::ReportOptions& a = d.settings.analysis;
  const double lcc =
      std::round(summary_value(r, "largest_component_fraction") * summary_value(r, "nodes"));
  std::vector<std::string> notes;
  if (std::isnan(lcc)) return notes;
  const std::string size = analysis::format_number(lcc);
  if (a.spectral && std::isnan(summary_value(r, "algebraic_connectivity")) &&
      lcc > static_cast<double>(a.spectral_limit))
    notes.push_back("algebraic_connectivity omitted: the largest component has " + size +
                    " nodes, above --spectral-up-to " + std::to_string(a.spectral_limit));
  if (a.paths && lcc > static_cast<double>(a.exact_path_limit))
    notes.push_back("mean_shortest_path and diameter estimated from " +
                    std::to_string(a.path_samples) +
                    " sampled sources: the largest component has " + size +
                    " nodes, above --exact-paths-up-to " + std::to_string(a.exact_path_limit));
  return notes;
}

// The scenario's phases, one row each in start order.
std::string phases_csv(const sim::Scenario& sc) {
  struct Row {
    Time start;
    std::string phase;
    double end;  // NaN: not fixed in advance
    std::string detail;
  };
  auto s = [](Time t) { return static_cast<double>(t) / kSecond; };
  auto percent = [](double f) { return analysis::format_number(100 * f) + "%"; };
  std::vector<Row> rows;
  for (const sim::ArrivalPhase& a : sc.arrivals) {
    const bool fixed = a.rate <= 0 && a.count > 0;
    rows.push_back({a.at, "arrivals",
                    fixed ? s(a.at + static_cast<Time>(a.count - 1) * a.interval) : std::nan(""),
                    std::to_string(a.count) + " nodes"});
  }
  for (const sim::ChurnPhase& c : sc.churn) rows.push_back({c.at, "churn", s(c.until), ""});
  for (const sim::MassFailure& m : sc.failures)
    rows.push_back({m.at, "mass_failure", s(m.at),
                    percent(m.fraction) + (m.by_degree ? " by degree" : " at random")});
  for (const sim::PartitionPhase& p : sc.partitions)
    rows.push_back({p.at, "partition", s(p.until), percent(p.fraction) + " cut off"});
  for (const sim::BroadcastPhase& b : sc.broadcasts)
    rows.push_back({b.at, "broadcasts", s(b.until), analysis::format_number(b.rate) + " per s"});
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& x, const Row& y) { return x.start < y.start; });
  CsvWriter csv({"phase", "start_s", "end_s", "detail"});
  for (const Row& r : rows) {
    csv.text(r.phase).number(s(r.start)).number(r.end).text(r.detail);
    csv.end_row();
  }
  return csv.str();
}

RunResult run(const RunDescription& d, std::uint64_t seed, const RunHooks& hooks) {
  const auto wall_start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  sim::NetworkOptions options = d.network;
  options.seed = seed;
  const RunConfigs configs(d, seed);
  auto net = configs.network(options);

  // What the network is at the scenario's end (before a final flood that runs past end_s).
  std::optional<LiveLinks> at_end;
  // Read at the run's end and made into rows once the network is freed: the network and the
  // edges' buckets were the whole run's peak memory when the edges were written beside both.
  std::optional<EdgeCapture> at_end_later;
  sim::Counters counters;
  sim::ScenarioObserver obs;
  obs.keep_final_links = true;  // the edge capture below takes them
  obs.progress = [&](const sim::Network& n) {
    throw_if_stopped();
    if (hooks.progress) hooks.progress(n);
  };
  // The user's observers, fresh for this run, watch it from the first event.
  std::vector<std::unique_ptr<sim::Observer>> observers;
  for (const CustomObserver& o : d.custom_observers) {
    observers.push_back(o.make());
    net->add_observer(*observers.back());
  }
  // The user's metrics and observer columns, as (name, value) in declaration order.
  std::vector<std::pair<std::string, double>> custom;
  double adversary_links = std::nan("");
  // Everything but the edges the report takes of the network at the end.
  auto capture = [&](const sim::Network& n) {
    counters = n.counters();
    adversary_links = sim::adversary_link_share(n);
    custom.clear();
    for (const CustomMetric& m : d.custom_metrics) custom.emplace_back(m.name, m.measure(n));
    for (std::size_t i = 0; i < observers.size(); ++i)
      for (const CustomObserver::Column& c : d.custom_observers[i].columns)
        custom.emplace_back(c.name, c.read(*observers[i]));
  };
  obs.at_end = [&](const sim::Network& n) {
    at_end = live_links(n);
    capture(n);
  };
  if (!hooks.snapshot_dir.empty())
    obs.snapshot = [&](Time t, const sim::Network& n) {
      throw_if_stopped();
      const LiveLinks ll = live_links(n);
      const analysis::Graph g = ll.graph();
      const std::string name = "t=" + analysis::format_number(static_cast<double>(t) / kSecond);
      analysis::write_report(hooks.snapshot_dir / name, g,
                             analysis::compute_report(g, report_options(d, seed)), ll.labels);
    };
  sim::ScenarioResult sr = sim::run_scenario(*net, d.scenario, seed, obs, hooks.shard);
  RunResult r;
  if (hooks.shard != nullptr && hooks.shard->rank() != 0) return r;
  if (!at_end) {
    at_end_later = capture_edges(*net, std::move(sr.final_links));
    capture(*net);
  }
  r.samples = sr.samples;
  r.floods = net->floods();
  r.events = net->counters().events;
  r.peak_pending = net->peak_pending();
  r.fanned_copies = net->fanned_copies();
  r.sim_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  r.sim_cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  r.sim_peak_mib = peak_rss_mib();
  const sim::FloodStats* final_flood = sr.flooded ? net->flood(sr.flood_id) : nullptr;
  std::optional<sim::FloodStats> flood;
  if (final_flood) flood = *final_flood;
  r.phases_csv = phases_csv(d.scenario);
  const bool adversaries = sim::has_adversaries(*net);
  const double honest_delivery = sim::honest_delivery_ratio(*net);
  const std::uint64_t injected = net->counters().injected_deliveries;
  if (d.mix) {
    std::ostringstream groups;
    sim::write_groups_csv(groups, sim::summarize_groups(*net));
    r.groups_csv = groups.str();
  }
  net.reset();  // the protocol state is no longer needed; free it before the graph is built
  throw_if_stopped();
  if (at_end_later) {
    at_end = upper_rows(std::move(*at_end_later));
    at_end_later.reset();
  }

  const auto analysis_start = std::chrono::steady_clock::now();
  r.labels = std::move(at_end->labels);
  r.graph = at_end->graph();
  at_end.reset();
  if (hooks.analysing) hooks.analysing(r.graph.node_count());
  r.report = analysis::compute_report(r.graph, report_options(d, seed));

  Summary out{r.report};
  const sim::Counters& c = counters;
  const auto accepted = static_cast<double>(c.note(NoteKind::JoinAccepted));
  out.add("events", static_cast<double>(c.events));
  out.add("virtual_time_s", static_cast<double>(sr.end) / kSecond);
  out.add("join_requests_sent", static_cast<double>(c.join_requests_sent));
  out.add("join_requests_accepted", accepted);
  out.add("join_requests_dropped", static_cast<double>(c.note(NoteKind::JoinDroppedHops) +
                                                       c.note(NoteKind::JoinDroppedNoLink)));
  out.add("join_request_hops", static_cast<double>(c.join_requests_passed));
  if (flood) {
    out.add("flood_origin", sr.flood_origin);
    out.add("flood_coverage",
            ratio(static_cast<double>(flood->deliveries), static_cast<double>(flood->reachable)));
    out.add("flood_messages", static_cast<double>(flood->messages));
    out.add("flood_duplicates", static_cast<double>(flood->duplicates));
    if (d.scenario.end > 0) out.add("flood_time_s", static_cast<double>(sr.flood_end) / kSecond);
  }
  // Rows that only a richer scenario needs, so the default report keeps its shape.
  if (!r.labels.empty() || c.crashes > 0 || c.departures > 0) {
    out.add("nodes_ever", static_cast<double>(r.graph.node_count() + c.crashes + c.departures));
    out.add("departures", static_cast<double>(c.departures));
    out.add("crashes", static_cast<double>(c.crashes));
  }
  if (c.packets_lost > 0 || options.loss > 0)
    out.add("packets_lost", static_cast<double>(c.packets_lost));
  if (c.packets_cut > 0) out.add("packets_cut", static_cast<double>(c.packets_cut));
  if (d.settings.signing)
    out.add("forged_packets", static_cast<double>(c.note(NoteKind::BadSignature)));
  if (adversaries) {
    out.add("adversary_link_share", adversary_links);
    out.add("honest_delivery_ratio", honest_delivery);
    out.add("injected_deliveries", static_cast<double>(injected));
  }

  for (const auto& [name, value] : custom) {
    if (find_metric(name) != nullptr || !std::isnan(summary_value(r.report, name)))
      throw std::invalid_argument("custom metric '" + name + "' has a built-in metric's name");
    if (!std::isnan(value)) r.report.summary.emplace_back(name, value);
  }
  if (d.settings.comparison_measures) {
    const analysis::Graph& g = r.graph;
    out.add("duplicate_links", static_cast<double>(g.duplicates_dropped()));
    if (g.node_count() > 0) out.add("degree_stddev", analysis::degree_stddev(g));
    out.add("entry_link_share", analysis::link_share(g, 0));
    if (flood)
      out.add("messages_per_delivery",
              ratio(static_cast<double>(flood->messages), static_cast<double>(flood->deliveries)));
    out.add("join_hops_per_accept", ratio(static_cast<double>(c.join_requests_passed), accepted));
    out.add("lcc_random_10", curve_at(r.report, "random", 0.10));
    out.add("lcc_random_30", curve_at(r.report, "random", 0.30));
    out.add("lcc_random_50", curve_at(r.report, "random", 0.50));
    out.add("lcc_degree_10", curve_at(r.report, "degree", 0.10));
    out.add("lcc_degree_30", curve_at(r.report, "degree", 0.30));
    out.add("lcc_degree_50", curve_at(r.report, "degree", 0.50));
    if (d.settings.crash > 0 && r.graph.node_count() > 1) crash_run(d, seed, out);
  }
  r.analysis_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - analysis_start).count();
  return r;
}

void write_run(const fs::path& dir, const RunResult& r) {
  analysis::write_report(dir, r.graph, r.report, r.labels);
  auto seconds = [](Time t) { return static_cast<double>(t) / kSecond; };
  std::vector<std::string> columns = {"time_s",
                                      "live_nodes",
                                      "edges",
                                      "mean_degree",
                                      "largest_component_fraction",
                                      "components",
                                      "join_requests_in_flight",
                                      "messages_sent",
                                      "pending_events"};
  // Columns of their own for a network with attackers; other runs keep the file's shape.
  const bool adversaries = std::any_of(r.samples.begin(), r.samples.end(), [](const auto& s) {
    return !std::isnan(s.adversary_link_share) || !std::isnan(s.honest_delivery_ratio);
  });
  if (adversaries) {
    columns.emplace_back("adversary_link_share");
    columns.emplace_back("honest_delivery_ratio");
  }
  CsvWriter ts(columns);
  for (const sim::TimeSample& s : r.samples) {
    ts.number(seconds(s.time)).integer(s.live_nodes).integer(s.edges).number(s.mean_degree);
    ts.number(s.largest_component_fraction).integer(s.components);
    ts.integer(s.join_requests_in_flight).integer(s.messages_sent).integer(s.pending_events);
    if (adversaries) ts.number(s.adversary_link_share).number(s.honest_delivery_ratio);
    ts.end_row();
  }
  write_file(dir / "timeseries.csv", ts.str());

  CsvWriter bc({"broadcast", "time_s", "origin", "reachable", "deliveries", "coverage", "messages",
                "duplicates", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms",
                "latency_max_ms", "max_hops", "finished"});
  std::size_t k = 0;
  for (const sim::FloodStats& b : r.floods) {
    // Latencies of a message nobody delivered do not exist: those cells stay empty.
    auto ms = [&](Time t) {
      return b.deliveries > 0 ? static_cast<double>(t) / kMillisecond : std::nan("");
    };
    bc.integer(k++).number(seconds(b.start)).integer(b.origin).integer(b.reachable);
    bc.integer(b.deliveries)
        .number(ratio(static_cast<double>(b.deliveries), static_cast<double>(b.reachable)));
    bc.integer(b.messages).integer(b.duplicates).number(ms(b.p50)).number(ms(b.p90));
    bc.number(ms(b.p99)).number(ms(b.max));
    if (b.deliveries > 0)
      bc.integer(b.max_hops);
    else
      bc.text("");
    bc.integer(b.finished ? 1 : 0);
    bc.end_row();
  }
  write_file(dir / "broadcasts.csv", bc.str());
  write_file(dir / "phases.csv", r.phases_csv);
  if (!r.groups_csv.empty()) write_file(dir / "groups.csv", r.groups_csv);
}

}  // namespace p2p::experiment
