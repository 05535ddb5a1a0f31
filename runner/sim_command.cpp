// `p2p sim`: grow a network in the simulator, flood one message, report the topology.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "analysis/report.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"
#include "usage_error.hpp"

namespace p2p::runner {
namespace {

struct SimFlags {
  std::uint32_t nodes = 1000;
  std::uint64_t seed = 1;
  std::string out = "results";
  int join_requests = 4;
  int max_hops = 64;
  std::string rule = "seed";
  int min_connections = 0;
  int max_connections = 0;
  double arrival_interval_ms = 10;
  double latency_min_ms = 10;
  double latency_max_ms = 50;
  bool flood = true;
  std::string message = "hello";
  int resilience_runs = 10;
  bool quiet = false;
};

Time ms_to_time(double ms) {
  return static_cast<Time>(std::llround(ms * kMillisecond));
}

void run_sim(const SimFlags& f) {
  if (f.latency_min_ms > f.latency_max_ms)
    throw UsageError("--latency-min must not exceed --latency-max");
  const auto wall_start = std::chrono::steady_clock::now();

  Config config;
  config.join_requests = f.join_requests;
  config.max_hops = f.max_hops;
  try {
    config.rule = parse_join_rule(f.rule, config.max_hops);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rule: ") + e.what());
  }
  // The simulator runs until no event is left; endless shuffles would never let it stop.
  if (config.rule.is_hyparview() && config.rule.shuffles == 0)
    throw UsageError("--rule: hyparview needs shuffles >= 1 in the simulator");
  config.min_connections = f.min_connections;
  config.max_connections = f.max_connections;
  sim::NetworkOptions options;
  options.seed = f.seed;
  options.latency.min = ms_to_time(f.latency_min_ms);
  options.latency.max = ms_to_time(f.latency_max_ms);
  sim::GrowthScenario scenario;
  scenario.nodes = f.nodes;
  scenario.arrival_interval = ms_to_time(f.arrival_interval_ms);
  scenario.flood = f.flood;
  scenario.message = f.message;

  auto net = std::make_unique<sim::Network>(config, options);
  const sim::GrowthResult result = sim::run_growth(*net, scenario, f.seed);
  const sim::Counters c = net->counters();
  const auto wall_sim = std::chrono::steady_clock::now();

  std::vector<analysis::Edge> edges;
  {
    const auto links = net->links();
    edges.reserve(links.size());
    for (auto [i, j] : links) edges.push_back(analysis::Edge{i, j});
  }
  const std::size_t node_count = net->size();
  net.reset();  // the protocol state is no longer needed; free it before the analysis
  const analysis::Graph graph = analysis::Graph::from_edges(node_count, edges);
  edges = {};

  analysis::ReportOptions ro;
  ro.seed = f.seed;
  ro.resilience_runs = f.resilience_runs;
  analysis::Report report = analysis::compute_report(graph, ro);

  auto add = [&](const char* name, double value) { report.summary.emplace_back(name, value); };
  const std::uint64_t dropped =
      c.note(NoteKind::JoinDroppedHops) + c.note(NoteKind::JoinDroppedNoLink);
  add("events", static_cast<double>(c.events));
  add("virtual_time_s", static_cast<double>(result.end) / kSecond);
  add("join_requests_sent", static_cast<double>(c.join_requests_sent));
  add("join_requests_accepted", static_cast<double>(c.note(NoteKind::JoinAccepted)));
  add("join_requests_dropped", static_cast<double>(dropped));
  add("join_request_hops", static_cast<double>(c.join_requests_passed));
  if (f.flood && node_count > 1) {
    add("flood_origin", result.flood_origin);
    add("flood_coverage", static_cast<double>(result.flood.deliveries) / (node_count - 1));
    add("flood_messages", static_cast<double>(result.flood.messages));
    add("flood_duplicates", static_cast<double>(result.flood.duplicates));
  }

  analysis::write_report(f.out, graph, report);
  const auto wall_end = std::chrono::steady_clock::now();
  analysis::print_summary(std::cout, report);
  if (!f.quiet) {
    using S = std::chrono::duration<double>;
    std::cerr << "p2p sim: simulated " << c.events << " events in "
              << S(wall_sim - wall_start).count() << " s, analysed in "
              << S(wall_end - wall_sim).count() << " s; wrote " << f.out << "/\n";
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
  cmd->add_flag("--quiet,-q", flags->quiet, "Print only the summary table");
  cmd->callback([flags] { run_sim(*flags); });
}

}  // namespace p2p::runner
