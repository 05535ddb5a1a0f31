// `p2p sim`: grow a network in the simulator, flood one message, report the topology.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "analysis/report.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_file.hpp"
#include "usage_error.hpp"

namespace p2p::runner {
namespace {

struct SimFlags {
  std::uint32_t nodes = 1000;
  std::uint64_t seed = 1;
  std::string seeds;  // "A..B": replications
  unsigned jobs = 0;  // 0: the number of cores
  std::string out = "results";
  std::string scenario;  // a TOML scenario file
  int join_requests = 4;
  int max_hops = 64;
  std::string rule = "seed";
  int min_connections = 0;
  int max_connections = 0;
  double arrival_interval_ms = 10;
  double latency_min_ms = 10;
  double latency_max_ms = 50;
  std::string latency_model = "uniform";
  double latency_mu = 3.0;
  double latency_sigma = 0.5;
  std::string site_matrix;
  double loss = 0;
  double sample_every_s = 0;
  bool flood = true;
  std::string message = "hello";
  int resilience_runs = 10;
  bool quiet = false;
};

Time ms_to_time(double ms) {
  return static_cast<Time>(std::llround(ms * kMillisecond));
}

// Everything one run needs, built once from the flags (and the scenario file).
struct Plan {
  Config config;
  sim::NetworkOptions options;
  sim::Scenario scenario;
  int resilience_runs = 10;
};

Plan make_plan(const SimFlags& f) {
  if (f.latency_min_ms > f.latency_max_ms)
    throw UsageError("--latency-min must not exceed --latency-max");
  Plan p;
  Config& config = p.config;
  config.join_requests = f.join_requests;
  config.max_hops = f.max_hops;
  try {
    config.rule = parse_join_rule(f.rule, config.max_hops);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rule: ") + e.what());
  }
  config.min_connections = f.min_connections;
  config.max_connections = f.max_connections;
  try {
    config.validate(/*simulated=*/true);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rule: ") + e.what());
  }

  sim::LatencyModel& lat = p.options.latency;
  lat.min = ms_to_time(f.latency_min_ms);
  lat.max = ms_to_time(f.latency_max_ms);
  lat.mu = f.latency_mu;
  lat.sigma = f.latency_sigma;
  if (f.latency_model == "uniform") {
    lat.kind = sim::LatencyKind::Uniform;
  } else if (f.latency_model == "lognormal") {
    lat.kind = sim::LatencyKind::LogNormal;
  } else if (f.latency_model == "matrix") {
    lat.kind = sim::LatencyKind::Matrix;
  } else {
    throw UsageError("--latency-model: '" + f.latency_model +
                     "' is not one of uniform, lognormal, matrix");
  }
  if (!f.site_matrix.empty()) {
    if (lat.kind != sim::LatencyKind::Matrix)
      throw UsageError("--site-matrix needs --latency-model matrix");
    try {
      lat.sites = std::make_shared<sim::SiteMatrix>(sim::load_site_matrix(f.site_matrix));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  } else if (lat.kind == sim::LatencyKind::Matrix && f.scenario.empty()) {
    throw UsageError("--latency-model matrix needs --site-matrix FILE");
  }
  p.options.loss = f.loss;

  p.scenario = sim::Scenario::growth(f.nodes, ms_to_time(f.arrival_interval_ms));
  p.scenario.final_flood = f.flood;
  p.scenario.message = f.message;
  p.scenario.sample_every = static_cast<Time>(std::llround(f.sample_every_s * kSecond));
  if (!f.scenario.empty()) {
    sim::ScenarioFile file;
    try {
      file = sim::load_scenario(f.scenario);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    p.scenario = file.scenario;
    if (!f.flood) p.scenario.final_flood = false;
    if (f.sample_every_s > 0)
      p.scenario.sample_every = static_cast<Time>(std::llround(f.sample_every_s * kSecond));
    if (file.join_requests) config.join_requests = *file.join_requests;
    if (file.max_hops) config.max_hops = *file.max_hops;
    if (file.latency) lat = *file.latency;
    if (file.loss) p.options.loss = *file.loss;
  }
  if (lat.kind == sim::LatencyKind::Matrix && !lat.sites)
    throw UsageError("the matrix latency model needs a site matrix");
  p.resilience_runs = f.resilience_runs;
  return p;
}

// The links among live nodes. When every node is alive its ids are the simulator's indices;
// otherwise live nodes are renumbered and `labels` keeps their indices for the CSV files.
struct LiveEdges {
  std::size_t nodes = 0;
  std::vector<analysis::Edge> edges;
};

LiveEdges live_edges(const sim::Network& net, std::vector<std::string>& labels) {
  labels.clear();
  const auto links = net.links();
  LiveEdges le;
  le.edges.reserve(links.size());
  if (net.live().size() == net.size()) {
    for (auto [i, j] : links) le.edges.push_back(analysis::Edge{i, j});
    le.nodes = net.size();
    return le;
  }
  std::vector<std::uint32_t> id(net.size(), 0);
  std::uint32_t next = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i)
    if (net.alive(i)) {
      id[i] = next++;
      labels.push_back(std::to_string(i));
    }
  for (auto [i, j] : links) le.edges.push_back(analysis::Edge{id[i], id[j]});
  le.nodes = next;
  return le;
}

analysis::Graph live_graph(const sim::Network& net, std::vector<std::string>& labels) {
  const LiveEdges le = live_edges(net, labels);
  return analysis::Graph::from_edges(le.nodes, le.edges);
}

void write_timeseries(const std::filesystem::path& path,
                      const std::vector<sim::TimeSample>& samples) {
  std::ofstream out(path);
  out << "time_s,live_nodes,edges,mean_degree,largest_component_fraction,components,"
         "join_requests_in_flight,messages_sent,pending_events\n";
  using analysis::format_number;
  for (const sim::TimeSample& s : samples)
    out << format_number(static_cast<double>(s.time) / kSecond) << ',' << s.live_nodes << ','
        << s.edges << ',' << format_number(s.mean_degree) << ','
        << format_number(s.largest_component_fraction) << ',' << s.components << ','
        << s.join_requests_in_flight << ',' << s.messages_sent << ',' << s.pending_events << '\n';
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_broadcasts(const std::filesystem::path& path, const sim::Network& net) {
  std::ofstream out(path);
  out << "broadcast,time_s,origin,reachable,deliveries,coverage,messages,duplicates,"
         "latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_max_ms,max_hops,finished\n";
  using analysis::format_number;
  auto ms = [](Time t) { return format_number(static_cast<double>(t) / kMillisecond); };
  std::size_t k = 0;
  for (const sim::FloodStats& b : net.floods()) {
    const double coverage =
        b.reachable ? static_cast<double>(b.deliveries) / static_cast<double>(b.reachable) : 0;
    out << k++ << ',' << format_number(static_cast<double>(b.start) / kSecond) << ',' << b.origin
        << ',' << b.reachable << ',' << b.deliveries << ',' << format_number(coverage) << ','
        << b.messages << ',' << b.duplicates << ',' << ms(b.p50) << ',' << ms(b.p90) << ','
        << ms(b.p99) << ',' << ms(b.max) << ',' << b.max_hops << ',' << (b.finished ? 1 : 0)
        << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// The scenario's phases, one row each in start order, so figures can mark why a curve moves:
// `phase` is arrivals, churn, mass_failure, partition or broadcasts; `end_s` equals `start_s` for
// an instant and is empty when the end is not fixed in advance (Poisson arrivals).
void write_phases(const std::filesystem::path& path, const sim::Scenario& sc) {
  struct Row {
    Time start;
    std::string phase;
    std::string end;
    std::string detail;
  };
  using analysis::format_number;
  auto s = [](Time t) { return format_number(static_cast<double>(t) / kSecond); };
  auto percent = [](double f) { return format_number(100 * f) + "%"; };
  std::vector<Row> rows;
  for (const sim::ArrivalPhase& a : sc.arrivals) {
    const bool fixed = a.rate <= 0 && a.count > 0;
    rows.push_back({a.at, "arrivals",
                    fixed ? s(a.at + static_cast<Time>(a.count - 1) * a.interval) : "",
                    std::to_string(a.count) + " nodes"});
  }
  for (const sim::ChurnPhase& c : sc.churn) rows.push_back({c.at, "churn", s(c.until), ""});
  for (const sim::MassFailure& m : sc.failures)
    rows.push_back({m.at, "mass_failure", s(m.at),
                    percent(m.fraction) + (m.by_degree ? " by degree" : " at random")});
  for (const sim::PartitionPhase& p : sc.partitions)
    rows.push_back({p.at, "partition", s(p.until), percent(p.fraction) + " cut off"});
  for (const sim::BroadcastPhase& b : sc.broadcasts)
    rows.push_back({b.at, "broadcasts", s(b.until), format_number(b.rate) + " per s"});
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& x, const Row& y) { return x.start < y.start; });
  std::ofstream out(path);
  out << "phase,start_s,end_s,detail\n";
  for (const Row& r : rows)
    out << r.phase << ',' << s(r.start) << ',' << r.end << ',' << r.detail << '\n';
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// The full report of the live graph into `dir`.
analysis::Report report_into(const std::filesystem::path& dir, const sim::Network& net,
                             std::uint64_t seed, int resilience_runs,
                             analysis::Report* keep = nullptr) {
  std::vector<std::string> labels;
  const analysis::Graph graph = live_graph(net, labels);
  analysis::ReportOptions ro;
  ro.seed = seed;
  ro.resilience_runs = resilience_runs;
  analysis::Report report = analysis::compute_report(graph, ro);
  analysis::write_report(dir, graph, report, labels);
  if (keep) *keep = report;
  return report;
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

// Draws the progress line on a terminal, at most a few times a second.
class ProgressLine {
 public:
  explicit ProgressLine(Time planned_end) : planned_end_(planned_end) {}
  void update(const sim::Network& net) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    const double wall = std::chrono::duration<double>(now - start_).count();
    const double rate = static_cast<double>(net.counters().events) / std::max(wall, 1e-9);
    const double vt = static_cast<double>(net.now()) / kSecond;
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "\r  virtual " << vt << " s";
    if (planned_end_ > 0) {
      const double frac = std::min(1.0, static_cast<double>(net.now()) / planned_end_);
      line << " / " << static_cast<double>(planned_end_) / kSecond << " s  [";
      const int bar = 20, full = static_cast<int>(frac * bar);
      line << std::string(full, '#') << std::string(bar - full, '.') << "]";
      if (frac > 0.01 && frac < 1) line << "  ETA " << wall * (1 - frac) / frac << " s";
    }
    line << "  " << rate / 1e6 << " M events/s  " << net.pending() << " pending   ";
    std::cerr << line.str() << std::flush;
    last_ = now;
    drawn_ = true;
  }
  void clear() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  Time planned_end_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
  bool drawn_ = false;
};

struct RunOutcome {
  analysis::Report report;
  std::uint64_t events = 0;
  double sim_seconds = 0;
  double analysis_seconds = 0;
  double sim_cpu_seconds = 0;  // this process's CPU time for the simulation (one run at a time)
  double sim_peak_mib = 0;     // the process's peak memory when the simulation ended
  std::size_t peak_pending = 0;
};

RunOutcome run_one(const Plan& plan, std::uint64_t seed, const std::filesystem::path& out,
                   bool progress) {
  const auto wall_start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  sim::NetworkOptions options = plan.options;
  options.seed = seed;
  auto net = std::make_unique<sim::Network>(plan.config, options);
  sim::ScenarioObserver obs;
  std::optional<ProgressLine> line;
  if (progress) {
    line.emplace(plan.scenario.planned_end());
    obs.progress = [&](const sim::Network& n) { line->update(n); };
  }
  obs.snapshot = [&](Time t, const sim::Network& n) {
    std::ostringstream name;
    name << "t=" << analysis::format_number(static_cast<double>(t) / kSecond);
    report_into(out / "snapshots" / name.str(), n, seed, plan.resilience_runs);
  };
  const sim::ScenarioResult result = sim::run_scenario(*net, plan.scenario, seed, obs);
  if (line) line->clear();
  const sim::Counters c = net->counters();
  const auto wall_sim = std::chrono::steady_clock::now();
  const std::clock_t cpu_sim = std::clock();
  const double sim_peak_mib = peak_rss_mib();

  std::filesystem::create_directories(out);
  write_timeseries(out / "timeseries.csv", result.samples);
  write_broadcasts(out / "broadcasts.csv", *net);
  write_phases(out / "phases.csv", plan.scenario);
  // A copy: the network is freed before the summary is assembled.
  std::optional<sim::FloodStats> flood;
  if (const sim::FloodStats* fs = result.flooded ? net->flood(result.flood_id) : nullptr)
    flood = *fs;
  const std::size_t node_count = net->live().size();
  const bool churned = node_count != net->size();
  const std::size_t peak = net->peak_pending();

  std::vector<std::string> labels;
  LiveEdges live = live_edges(*net, labels);
  net.reset();  // the protocol state is no longer needed; free it before the graph is built
  const analysis::Graph graph = analysis::Graph::from_edges(live.nodes, live.edges);
  live = {};
  analysis::ReportOptions ro;
  ro.seed = seed;
  ro.resilience_runs = plan.resilience_runs;
  RunOutcome o;
  analysis::Report& report = o.report;
  report = analysis::compute_report(graph, ro);

  auto add = [&](const char* name, double value) { report.summary.emplace_back(name, value); };
  const std::uint64_t dropped =
      c.note(NoteKind::JoinDroppedHops) + c.note(NoteKind::JoinDroppedNoLink);
  add("events", static_cast<double>(c.events));
  add("virtual_time_s", static_cast<double>(result.end) / kSecond);
  add("join_requests_sent", static_cast<double>(c.join_requests_sent));
  add("join_requests_accepted", static_cast<double>(c.note(NoteKind::JoinAccepted)));
  add("join_requests_dropped", static_cast<double>(dropped));
  add("join_request_hops", static_cast<double>(c.join_requests_passed));
  if (flood && node_count > 1) {
    add("flood_origin", result.flood_origin);
    add("flood_coverage", static_cast<double>(flood->deliveries) / (node_count - 1));
    add("flood_messages", static_cast<double>(flood->messages));
    add("flood_duplicates", static_cast<double>(flood->duplicates));
  }
  // Rows that only a richer scenario needs, so the default report keeps its shape.
  if (churned || c.crashes > 0 || c.departures > 0) {
    add("nodes_ever", static_cast<double>(graph.node_count() + c.crashes + c.departures));
    add("departures", static_cast<double>(c.departures));
    add("crashes", static_cast<double>(c.crashes));
  }
  if (c.packets_lost > 0 || options.loss > 0)
    add("packets_lost", static_cast<double>(c.packets_lost));
  if (c.packets_cut > 0) add("packets_cut", static_cast<double>(c.packets_cut));

  analysis::write_report(out, graph, report, labels);
  const auto wall_end = std::chrono::steady_clock::now();
  using S = std::chrono::duration<double>;
  o.events = c.events;
  o.sim_seconds = S(wall_sim - wall_start).count();
  o.sim_cpu_seconds = static_cast<double>(cpu_sim - cpu_start) / CLOCKS_PER_SEC;
  o.sim_peak_mib = sim_peak_mib;
  o.analysis_seconds = S(wall_end - wall_sim).count();
  o.peak_pending = peak;
  return o;
}

std::pair<std::uint64_t, std::uint64_t> parse_seeds(const std::string& text) {
  const auto dots = text.find("..");
  try {
    std::size_t used = 0;
    if (dots == std::string::npos) {
      const std::uint64_t a = std::stoull(text, &used);
      if (used == text.size()) return {a, a};
    } else {
      const std::string lo = text.substr(0, dots), hi = text.substr(dots + 2);
      std::size_t u1 = 0, u2 = 0;
      const std::uint64_t a = std::stoull(lo, &u1), b = std::stoull(hi, &u2);
      if (u1 == lo.size() && u2 == hi.size() && a <= b && b - a < 100000) return {a, b};
    }
  } catch (const std::exception&) {
  }
  throw UsageError("--seeds: expected A..B with A <= B (at most 100000 seeds), got '" + text + "'");
}

void run_replications(const SimFlags& f, const Plan& plan) {
  const auto [first, last] = parse_seeds(f.seeds);
  const std::size_t n = static_cast<std::size_t>(last - first + 1);
  unsigned jobs = f.jobs ? f.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, n));
  std::vector<std::optional<RunOutcome>> outcomes(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  const bool progress = !f.quiet && isatty(STDERR_FILENO);
  auto worker = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < n;) {
      const std::uint64_t seed = first + k;
      try {
        outcomes[k] = run_one(
            plan, seed, std::filesystem::path(f.out) / ("seed=" + std::to_string(seed)), false);
      } catch (...) {
        errors[k] = std::current_exception();
      }
      const std::size_t d = ++done;
      if (progress) std::cerr << "\r  runs done: " << d << " / " << n << std::flush;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (progress) std::cerr << "\r\033[K" << std::flush;
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);

  // Columns: the parameters, then every summary metric in first-seen order.
  std::vector<std::string> metrics;
  for (const auto& o : outcomes)
    for (const auto& [name, value] : o->report.summary)
      if (std::find(metrics.begin(), metrics.end(), name) == metrics.end()) metrics.push_back(name);
  std::ostringstream csv;
  csv << "seed,rule,scenario,join_requests,max_hops,loss";
  for (const auto& m : metrics) csv << ',' << m;
  csv << '\n';
  for (std::size_t k = 0; k < n; ++k) {
    csv << first + k << ',' << to_string(plan.config.rule) << ','
        << (f.scenario.empty() ? "default" : std::filesystem::path(f.scenario).filename().string())
        << ',' << plan.config.join_requests << ',' << plan.config.max_hops << ','
        << analysis::format_number(plan.options.loss);
    for (const auto& m : metrics) {
      csv << ',';
      for (const auto& [name, value] : outcomes[k]->report.summary)
        if (name == m) {
          csv << analysis::format_number(value);
          break;
        }
    }
    csv << '\n';
  }
  // to_string(rule) may hold commas: quote the column when it does.
  std::string text = csv.str();
  const std::string rule = to_string(plan.config.rule);
  if (rule.find(',') != std::string::npos) {
    std::string fixed;
    std::size_t pos = 0, found;
    while ((found = text.find("," + rule + ",", pos)) != std::string::npos) {
      fixed += text.substr(pos, found - pos) + ",\"" + rule + "\",";
      pos = found + rule.size() + 2;
    }
    text = fixed + text.substr(pos);
  }
  std::filesystem::create_directories(f.out);
  const auto path = std::filesystem::path(f.out) / "runs.csv";
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
  std::cout << text;
  if (!f.quiet)
    std::cerr << "p2p sim: " << n << " runs on " << jobs << " threads; wrote " << path.string()
              << "\n";
}

void run_sim(const SimFlags& f) {
  const Plan plan = make_plan(f);
  if (!f.seeds.empty()) {
    run_replications(f, plan);
    return;
  }
  const bool progress = !f.quiet && isatty(STDERR_FILENO);
  const RunOutcome o = run_one(plan, f.seed, f.out, progress);
  analysis::print_summary(std::cout, o.report);
  if (!f.quiet) {
    std::cerr << "p2p sim: simulated " << o.events << " events in " << o.sim_seconds
              << " s, analysed in " << o.analysis_seconds << " s; wrote " << f.out
              << "/ (simulation CPU time " << o.sim_cpu_seconds << " s, " << o.peak_pending
              << " events pending at most, peak memory " << std::lround(o.sim_peak_mib)
              << " MiB by then)\n";
  }
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sim",
      "Simulate the default scenario: node 0 is the entry; a newcomer arrives every "
      "--arrival-interval and sends --join-requests JOIN_REQs to node 0; after the last arrival "
      "the network drains and one chat message is flooded from a random node. Prints the "
      "topology summary and writes the CSV report to --out.");
  cmd->add_option("--nodes,-n", flags->nodes, "Number of nodes, the entry included")
      ->check(CLI::Range(1u, 0x7FFFFFFEu))
      ->capture_default_str();
  cmd->add_option("--seed,-s", flags->seed,
                  "Root seed: the same seed and options give the same bytes")
      ->capture_default_str();
  cmd->add_option("--out,-o", flags->out, "Output folder for the CSV report")
      ->capture_default_str();
  cmd->add_option("--join-requests,-k", flags->join_requests, "JOIN_REQs each newcomer sends")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--max-hops", flags->max_hops,
                  "A JOIN_REQ passed on this many times is dropped (and counted)")
      ->check(CLI::Range(0, 255))
      ->capture_default_str();
  cmd->add_option("--rule", flags->rule,
                  "Join rule NAME[:KEY=VALUE,...], one of: " + rule_names() +
                      " (docs/join-rules.md); seed is the blog post's code, flaws included")
      ->capture_default_str();
  cmd->add_option("--min-connections", flags->min_connections,
                  "Every rule but seed: a node below this many links asks for more, with retries "
                  "and backoff (0: only on joining)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_option("--max-connections", flags->max_connections,
                  "Every rule but seed: the most links a node holds (0: no cap)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd->add_option("--arrival-interval", flags->arrival_interval_ms,
                  "Milliseconds between two newcomers' arrivals")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--latency-min", flags->latency_min_ms,
                  "Smallest link latency in milliseconds (uniform model, one draw per node pair)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--latency-max", flags->latency_max_ms, "Largest link latency in milliseconds")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_flag("!--no-flood", flags->flood, "Skip the final chat-message flood");
  cmd->add_option("--message", flags->message, "Text of the flooded chat message")
      ->capture_default_str();
  cmd->add_option("--resilience-runs", flags->resilience_runs,
                  "Random removal orders averaged in resilience.csv")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--latency-model", flags->latency_model,
                  "uniform (on [--latency-min, --latency-max]), lognormal (exp(N(mu, sigma)) ms, "
                  "clamped to [min, max]) or matrix (site-to-site table plus uniform [min, max]); "
                  "one draw per node pair, so a link never reorders its packets")
      ->capture_default_str();
  cmd->add_option("--latency-mu", flags->latency_mu, "lognormal: mu of ln(milliseconds)")
      ->check(CLI::Range(-20.0, 20.0))
      ->capture_default_str();
  cmd->add_option("--latency-sigma", flags->latency_sigma, "lognormal: sigma of ln(milliseconds)")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  cmd->add_option("--site-matrix", flags->site_matrix,
                  "matrix: a square CSV of one-way milliseconds between sites; nodes are placed "
                  "at random sites");
  cmd->add_option("--loss", flags->loss, "Probability that a packet is lost")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--sample-every", flags->sample_every_s,
                  "Seconds of virtual time between rows of timeseries.csv (0: one row, at the end)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--scenario", flags->scenario,
                  "A TOML scenario file: arrivals, churn, mass failures, partitions, broadcasts, "
                  "snapshots (docs/simulator.md); it replaces --nodes and --arrival-interval");
  cmd->add_option("--seeds", flags->seeds,
                  "Replications A..B: one run per seed into OUT/seed=S/, and OUT/runs.csv");
  cmd->add_option("--jobs,-j", flags->jobs,
                  "Threads for --seeds (0: the number of cores); the output does not depend on it")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", flags->quiet,
                "Print only the summary table (no progress bar, no timing line)");
  cmd->callback([flags] { run_sim(*flags); });
}

}  // namespace p2p::runner
