// `p2p compare`: every join rule on the same scenario and seeds, side by side. Each (rule, seed)
// cell grows a network in the simulator, measures its topology with analysis/, and (unless
// --crash 0) grows it again and crashes a share of the nodes to see what the rule repairs.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "analysis/report.hpp"
#include "protocol/join_rule.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"
#include "usage_error.hpp"

namespace p2p::runner {
namespace {

struct CompareFlags {
  std::vector<std::string> rules;
  std::string seeds = "1..5";
  std::uint32_t nodes = 2000;
  int join_requests = 4;
  int max_hops = 64;
  int min_connections = 0;
  int max_connections = 0;
  double arrival_interval_ms = 10;
  double latency_min_ms = 10;
  double latency_max_ms = 50;
  double crash = 0.5;
  double settle_s = 60;
  double repair_s = 60;
  int resilience_runs = 5;
  unsigned threads = 0;
  std::string out = "results";
  bool quiet = false;
};

// One rule as the user named it, and the Config it makes.
struct RuleRun {
  std::string label;  // the spec as typed, used in every output
  Config config;
};

// The metrics of one cell, in output order; NaN where a metric does not apply.
const std::vector<std::string> kMetrics = {
    "nodes",
    "edges",
    "duplicate_links",
    "mean_degree",
    "degree_stddev",
    "max_degree",
    "entry_link_share",
    "average_clustering",
    "mean_shortest_path",
    "largest_component_fraction",
    "lcc_random_10",
    "lcc_random_30",
    "lcc_random_50",
    "lcc_degree_10",
    "lcc_degree_30",
    "lcc_degree_50",
    "flood_coverage",
    "messages_per_delivery",
    "join_requests_sent",
    "join_requests_dropped",
    "join_hops_per_accept",
    "events",
    "lcc_after_crash",
    "flood_coverage_after_crash",
};

using Row = std::vector<double>;  // indexed like kMetrics

std::size_t metric_index(const std::string& name) {
  return static_cast<std::size_t>(std::find(kMetrics.begin(), kMetrics.end(), name) -
                                  kMetrics.begin());
}

Time ms_to_time(double ms) {
  return static_cast<Time>(std::llround(ms * kMillisecond));
}

// "A..B" or "A": seeds A to B inclusive.
std::vector<std::uint64_t> parse_seeds(const std::string& text) {
  auto number = [&](std::string_view s) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
      throw UsageError("--seeds: expected A..B or A (non-negative integers), got '" + text + "'");
    return v;
  };
  const auto dots = text.find("..");
  const std::uint64_t a = number(std::string_view(text).substr(0, dots));
  const std::uint64_t b =
      dots == std::string::npos ? a : number(std::string_view(text).substr(dots + 2));
  if (b < a) throw UsageError("--seeds: the range " + text + " is empty");
  if (b - a >= 10000) throw UsageError("--seeds: at most 10000 seeds");
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t s = a;; ++s) {
    seeds.push_back(s);
    if (s == b) break;
  }
  return seeds;
}

// Rule specs separated by commas, where a piece without ':' but with '=' is one more parameter of
// the rule before it: "fixed:p=0.5,warmup=2,mh_walk" is two rules.
std::vector<std::string> split_rules(const std::vector<std::string>& args) {
  std::vector<std::string> rules;
  for (const std::string& arg : args) {
    std::size_t start = 0;
    bool fresh = true;
    while (start <= arg.size()) {
      const auto comma = arg.find(',', start);
      const std::string piece =
          arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!fresh && piece.find(':') == std::string::npos && piece.find('=') != std::string::npos)
        rules.back() += "," + piece;
      else
        rules.push_back(piece);
      fresh = false;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return rules;
}

std::vector<RuleRun> make_rules(const CompareFlags& f) {
  std::vector<std::string> specs = split_rules(f.rules);
  if (specs.empty())
    specs = {"seed",
             "inverse_degree",
             "fixed:p=0.5",
             "random_walk:length=10",
             "degree_capped:d=8",
             "mh_walk:length=10",
             "hyparview"};
  std::vector<RuleRun> runs;
  for (const std::string& spec : specs) {
    for (const RuleRun& r : runs)
      if (r.label == spec) throw UsageError("--rules: '" + spec + "' is named twice");
    RuleRun r;
    r.label = spec;
    r.config.join_requests = f.join_requests;
    r.config.max_hops = f.max_hops;
    r.config.min_connections = f.min_connections;
    r.config.max_connections = f.max_connections;
    try {
      r.config.rule = parse_join_rule(spec, r.config.max_hops);
      r.config.validate(/*simulated=*/true);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--rules: ") + e.what());
    }
    runs.push_back(std::move(r));
  }
  return runs;
}

sim::NetworkOptions network_options(const CompareFlags& f, std::uint64_t seed) {
  sim::NetworkOptions o;
  o.seed = seed;
  o.latency.min = ms_to_time(f.latency_min_ms);
  o.latency.max = ms_to_time(f.latency_max_ms);
  return o;
}

double summary_value(const analysis::Report& r, const char* name) {
  for (const auto& [k, v] : r.summary)
    if (k == name) return v;
  return std::nan("");
}

double curve_at(const analysis::Report& r, const char* strategy, double fraction) {
  for (const analysis::ResilienceCurve& c : r.resilience) {
    if (c.strategy != strategy) continue;
    for (const analysis::ResiliencePoint& p : c.points)
      if (std::abs(p.fraction_removed - fraction) < 1e-9) return p.mean;
  }
  return std::nan("");
}

// Grows the network under one rule and seed and measures it.
Row run_cell(const CompareFlags& f, const RuleRun& rule, std::uint64_t seed) {
  Row row(kMetrics.size(), std::nan(""));
  auto set = [&](const char* name, double v) { row[metric_index(name)] = v; };
  const Time interval = ms_to_time(f.arrival_interval_ms);

  std::vector<analysis::Edge> edges;
  std::size_t node_count = 0;
  {
    sim::Network net(rule.config, network_options(f, seed));
    net.reserve(f.nodes);
    const sim::Scenario sc = sim::Scenario::growth(f.nodes, interval);
    const sim::ScenarioResult res = sim::run_scenario(net, sc, seed);
    const sim::Counters& c = net.counters();
    const auto links = net.links();
    edges.reserve(links.size());
    std::size_t duplicates = 0;
    for (std::size_t i = 0; i < links.size(); ++i) {
      if (i > 0 && links[i] == links[i - 1]) ++duplicates;
      edges.push_back(analysis::Edge{links[i].first, links[i].second});
    }
    node_count = net.size();
    set("duplicate_links", static_cast<double>(duplicates));
    set("events", static_cast<double>(c.events));
    set("join_requests_sent", static_cast<double>(c.join_requests_sent));
    const auto accepted = c.note(NoteKind::JoinAccepted);
    set("join_requests_dropped", static_cast<double>(c.note(NoteKind::JoinDroppedHops) +
                                                     c.note(NoteKind::JoinDroppedNoLink)));
    if (accepted > 0)
      set("join_hops_per_accept",
          static_cast<double>(c.join_requests_passed) / static_cast<double>(accepted));
    if (res.flooded) {
      if (const sim::FloodStats* fs = net.flood(res.flood_id); fs && fs->reachable > 0) {
        set("flood_coverage",
            static_cast<double>(fs->deliveries) / static_cast<double>(fs->reachable));
        if (fs->deliveries > 0)
          set("messages_per_delivery",
              static_cast<double>(fs->messages) / static_cast<double>(fs->deliveries));
      }
    }
  }

  const analysis::Graph g = analysis::Graph::from_edges(node_count, edges);
  analysis::ReportOptions ro;
  ro.seed = seed;
  ro.resilience_runs = f.resilience_runs;
  ro.exact_path_limit = 2000;  // larger graphs: 256 sampled sources, enough for a mean
  ro.spectral = false;
  const analysis::Report report = analysis::compute_report(g, ro);
  for (const char* name : {"nodes", "edges", "mean_degree", "max_degree", "average_clustering",
                           "mean_shortest_path", "largest_component_fraction"})
    set(name, summary_value(report, name));
  if (node_count > 0) {
    const double mean = static_cast<double>(2 * g.edge_count()) / static_cast<double>(node_count);
    double ss = 0;
    for (analysis::NodeId v = 0; v < node_count; ++v) {
      const double d = static_cast<double>(g.degree(v)) - mean;
      ss += d * d;
    }
    set("degree_stddev", std::sqrt(ss / static_cast<double>(node_count)));
    if (g.edge_count() > 0)
      set("entry_link_share",
          static_cast<double>(g.degree(0)) / static_cast<double>(g.edge_count()));
  }
  set("lcc_random_10", curve_at(report, "random", 0.10));
  set("lcc_random_30", curve_at(report, "random", 0.30));
  set("lcc_random_50", curve_at(report, "random", 0.50));
  set("lcc_degree_10", curve_at(report, "degree", 0.10));
  set("lcc_degree_30", curve_at(report, "degree", 0.30));
  set("lcc_degree_50", curve_at(report, "degree", 0.50));

  if (f.crash > 0 && f.nodes > 1) {
    // The same growth again (same seed: the same network), then a share of the nodes crash at
    // once; the survivors have `repair` to mend before a last flood measures what is left.
    sim::Network net(rule.config, network_options(f, seed));
    net.reserve(f.nodes);
    sim::Scenario sc = sim::Scenario::growth(f.nodes, interval);
    sim::MassFailure failure;
    failure.at = static_cast<Time>(f.nodes - 1) * interval + ms_to_time(f.settle_s * 1000);
    failure.fraction = f.crash;
    failure.crash = true;
    sc.failures.push_back(failure);
    sc.end = failure.at + ms_to_time(f.repair_s * 1000);
    const sim::ScenarioResult res = sim::run_scenario(net, sc, seed);
    if (!res.samples.empty()) set("lcc_after_crash", res.samples.back().largest_component_fraction);
    if (res.flooded)
      if (const sim::FloodStats* fs = net.flood(res.flood_id); fs && fs->reachable > 0)
        set("flood_coverage_after_crash",
            static_cast<double>(fs->deliveries) / static_cast<double>(fs->reachable));
  }
  return row;
}

// Two-sided 95% quantile of Student's t with `df` degrees of freedom.
double t95(std::size_t df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return std::nan("");
  if (df <= 30) return table[df - 1];
  return 1.959964 + 2.37 / static_cast<double>(df);  // close to the exact value above 30
}

struct Stat {
  std::size_t n = 0;
  double mean = 0, stddev = 0, lo = 0, hi = 0;
};

Stat stat_of(const std::vector<double>& xs) {
  Stat s;
  double sum = 0;
  for (double x : xs)
    if (!std::isnan(x)) {
      ++s.n;
      sum += x;
    }
  if (s.n == 0) return s;
  s.mean = sum / static_cast<double>(s.n);
  double ss = 0;
  for (double x : xs)
    if (!std::isnan(x)) ss += (x - s.mean) * (x - s.mean);
  s.stddev = s.n > 1 ? std::sqrt(ss / static_cast<double>(s.n - 1)) : 0;
  const double half = s.n > 1 ? t95(s.n - 1) * s.stddev / std::sqrt(static_cast<double>(s.n)) : 0;
  s.lo = s.mean - half;
  s.hi = s.mean + half;
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string cell(double v) {
  return std::isnan(v) ? std::string() : analysis::format_number(v);
}

std::string short_number(double v) {
  if (std::isnan(v)) return "-";
  std::ostringstream os;
  // Counts read better whole (40000, not 4e+04); fractions keep four significant digits.
  if (std::abs(v) >= 1000 && std::abs(v) < 1e12)
    os << std::fixed << std::setprecision(std::abs(v - std::round(v)) < 1e-9 ? 0 : 1) << v;
  else
    os << std::setprecision(4) << v;
  return os.str();
}

void run_compare(const CompareFlags& f) {
  if (f.latency_min_ms > f.latency_max_ms)
    throw UsageError("--latency-min must not exceed --latency-max");
  const std::vector<RuleRun> rules = make_rules(f);
  const std::vector<std::uint64_t> seeds = parse_seeds(f.seeds);
  const std::size_t cells = rules.size() * seeds.size();

  // Cells run on worker threads but each writes only its own row, and rows are printed in
  // (rule, seed) order, so the bytes do not depend on the thread count.
  std::vector<Row> rows(cells);
  std::vector<std::string> errors(cells);
  std::atomic<std::size_t> next{0}, done{0};
  unsigned threads = f.threads != 0 ? f.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, cells));
  auto work = [&] {
    for (std::size_t i = next++; i < cells; i = next++) {
      try {
        rows[i] = run_cell(f, rules[i / seeds.size()], seeds[i % seeds.size()]);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      const std::size_t d = ++done;
      if (!f.quiet) {
        static std::mutex m;
        std::lock_guard<std::mutex> lock(m);
        std::cerr << "\rp2p compare: " << d << "/" << cells << " runs" << std::flush;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (!f.quiet) std::cerr << "\n";
  for (const std::string& e : errors)
    if (!e.empty()) throw std::runtime_error(e);

  const std::filesystem::path dir(f.out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  auto open = [&](const char* name) {
    std::ofstream os(dir / name, std::ios::binary);
    if (!os) throw std::runtime_error("cannot write " + (dir / name).string());
    return os;
  };
  {
    std::ofstream os = open("runs.csv");
    os << "rule,seed";
    for (const std::string& m : kMetrics) os << ',' << m;
    os << '\n';
    for (std::size_t i = 0; i < cells; ++i) {
      os << csv_field(rules[i / seeds.size()].label) << ',' << seeds[i % seeds.size()];
      for (double v : rows[i]) os << ',' << cell(v);
      os << '\n';
    }
    if (!os) throw std::runtime_error("cannot write runs.csv");
  }
  // stats[rule][metric]
  std::vector<std::vector<Stat>> stats(rules.size());
  for (std::size_t r = 0; r < rules.size(); ++r)
    for (std::size_t m = 0; m < kMetrics.size(); ++m) {
      std::vector<double> xs;
      for (std::size_t s = 0; s < seeds.size(); ++s) xs.push_back(rows[r * seeds.size() + s][m]);
      stats[r].push_back(stat_of(xs));
    }
  {
    std::ofstream os = open("comparison.csv");
    os << "rule,metric,runs,mean,stddev,ci95_low,ci95_high\n";
    for (std::size_t r = 0; r < rules.size(); ++r)
      for (std::size_t m = 0; m < kMetrics.size(); ++m) {
        const Stat& s = stats[r][m];
        if (s.n == 0) continue;  // a metric that does not apply is left out, never faked
        os << csv_field(rules[r].label) << ',' << kMetrics[m] << ',' << s.n << ',' << cell(s.mean)
           << ',' << cell(s.stddev) << ',' << cell(s.lo) << ',' << cell(s.hi) << '\n';
      }
    if (!os) throw std::runtime_error("cannot write comparison.csv");
  }

  // The table: one row per metric, one column per rule, "mean ±half-width".
  std::vector<std::vector<std::string>> table;
  table.push_back({"metric"});
  for (const RuleRun& r : rules) table[0].push_back(r.label);
  for (std::size_t m = 0; m < kMetrics.size(); ++m) {
    std::vector<std::string> line{kMetrics[m]};
    bool any = false;
    for (std::size_t r = 0; r < rules.size(); ++r) {
      const Stat& s = stats[r][m];
      if (s.n == 0) {
        line.push_back("-");
        continue;
      }
      any = true;
      std::string text = short_number(s.mean);
      if (s.n > 1 && s.hi > s.lo) text += " ±" + short_number((s.hi - s.lo) / 2);
      line.push_back(text);
    }
    if (any) table.push_back(line);
  }
  std::vector<std::size_t> width(table[0].size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) {
      // "±" is two bytes but one column.
      const std::size_t shown = line[c].size() - (line[c].find("±") != std::string::npos ? 1 : 0);
      width[c] = std::max(width[c], shown);
    }
  std::cout << "p2p compare: " << f.nodes << " nodes, seeds " << seeds.front() << ".."
            << seeds.back() << " (" << seeds.size() << " runs per rule); mean ±95% CI\n";
  for (const auto& line : table) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      const std::size_t shown = line[c].size() - (line[c].find("±") != std::string::npos ? 1 : 0);
      if (c == 0) {
        std::cout << line[c] << std::string(width[c] - shown, ' ');
      } else {
        std::cout << "  " << std::string(width[c] - shown, ' ') << line[c];
      }
    }
    std::cout << '\n';
  }
  if (!f.quiet)
    std::cerr << "p2p compare: wrote " << (dir / "runs.csv").string() << " and "
              << (dir / "comparison.csv").string() << "\n";
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Run join rules side by side: every rule grows the default scenario (node 0 is the entry, "
      "a newcomer every --arrival-interval) on the same seeds; each network is measured "
      "(degrees, clustering, paths, the entry's share of links, resilience to random and "
      "targeted removal, a flood's coverage and cost), then grown again and hit by a crash of "
      "--crash of its nodes. Writes runs.csv (one row per rule and seed) and comparison.csv "
      "(mean, standard deviation and 95% confidence interval per rule and metric) to --out and "
      "prints the table. See docs/join-rules.md.");
  cmd->add_option("--rules,-r", flags->rules,
                  "Rules to compare, comma-separated NAME[:KEY=VALUE,...] (a KEY=VALUE after a "
                  "comma belongs to the rule before it); default: all of " +
                      rule_names() + " with their defaults")
      ->delimiter('\0');
  cmd->add_option("--seeds", flags->seeds, "Seeds A..B (inclusive) or a single seed")
      ->capture_default_str();
  cmd->add_option("--nodes,-n", flags->nodes, "Nodes per network, the entry included")
      ->check(CLI::Range(1u, 10000000u))
      ->capture_default_str();
  cmd->add_option("--join-requests,-k", flags->join_requests, "JOIN_REQs each newcomer sends")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--max-hops", flags->max_hops,
                  "Hop limit of a JOIN_REQ, for rules whose spec does not set max_hops")
      ->check(CLI::Range(0, 255))
      ->capture_default_str();
  cmd->add_option("--min-connections", flags->min_connections,
                  "Every rule but seed: below this many links a node asks for more, with "
                  "retries and backoff")
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
  cmd->add_option("--latency-min", flags->latency_min_ms, "Smallest link latency in milliseconds")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--latency-max", flags->latency_max_ms, "Largest link latency in milliseconds")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--crash", flags->crash,
                  "Share of nodes that crash at once after growth, in the second run of each "
                  "cell (0: skip that run)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--settle", flags->settle_s,
                  "Seconds after the last arrival before the crash (retries run meanwhile)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--repair", flags->repair_s,
                  "Seconds the survivors have to mend before the last flood")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--resilience-runs", flags->resilience_runs,
                  "Random removal orders averaged for the lcc_random_* metrics")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--jobs,--threads,-j", flags->threads,
                  "Runs in parallel (0: one per core); the output is the same for any number")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  cmd->add_option("--out,-o", flags->out, "Output folder for runs.csv and comparison.csv")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", flags->quiet, "Print only the table");
  cmd->callback([flags] { run_compare(*flags); });
}

}  // namespace p2p::runner
