// `p2p compare`: every join rule on the same scenario and seeds, side by side. A campaign with one
// point per rule (experiment/campaign.hpp) measured with the comparison's metrics; this file is
// the flag table and the printed table.
#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "campaign_launch.hpp"
#include "experiment/campaign.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/seeds.hpp"
#include "experiment/stats.hpp"
#include "run_flags.hpp"

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;

struct CompareFlags {
  ex::RunSettings settings;
  std::vector<std::string> rules;
  std::string seeds = "1..5";
  OutputFlags output;
};

// The rows of the printed table (every metric is in runs.csv and comparison.csv).
const char* const kTableMetrics[] = {"nodes",
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
                                     "flood_coverage_after_crash"};

std::string short_number(double v) {
  std::ostringstream os;
  // Counts read better whole (40000, not 4e+04); fractions keep four significant digits.
  if (std::abs(v) >= 1000 && std::abs(v) < 1e12)
    os << std::fixed << std::setprecision(std::abs(v - std::round(v)) < 1e-9 ? 0 : 1) << v;
  else
    os << std::setprecision(4) << v;
  return os.str();
}

void print_table(const CompareFlags& f, const ex::Campaign& c, const ex::CampaignResult& r) {
  std::vector<std::vector<std::string>> table{{"metric"}};
  for (const ex::CampaignPoint& p : c.points) table[0].push_back(p.values[0].second);
  const std::size_t seeds = c.seeds.size();
  for (const char* m : kTableMetrics) {
    std::vector<std::string> line{m};
    bool any = false;
    for (std::size_t p = 0; p < c.points.size(); ++p) {
      const ex::Interval s = ex::point_interval(c, r, p, m);
      any = any || s.runs > 0;
      std::string text = s.runs == 0 ? "-" : short_number(s.mean);
      if (s.runs > 1 && s.ci95_high > s.ci95_low)
        text += " ±" + short_number((s.ci95_high - s.ci95_low) / 2);
      line.push_back(text);
    }
    if (any) table.push_back(line);
  }
  // "±" is two bytes but one column.
  auto shown = [](const std::string& s) { return s.size() - (s.find("±") != s.npos ? 1 : 0); };
  std::vector<std::size_t> width(table[0].size(), 0);
  for (const auto& line : table)
    for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], shown(line[i]));
  std::cout << "p2p compare: " << f.settings.nodes << " nodes, seeds " << c.seeds.front() << ".."
            << c.seeds.back() << " (" << seeds << " runs per rule); mean ±95% CI\n";
  for (const auto& line : table) {
    std::cout << line[0] << std::string(width[0] - shown(line[0]), ' ');
    for (std::size_t i = 1; i < line.size(); ++i)
      std::cout << "  " << std::string(width[i] - shown(line[i]), ' ') << line[i];
    std::cout << '\n';
  }
}

// The campaign: one point per rule, each with the same scenario and seeds.
ex::Campaign compare_campaign(CLI::App* cmd, const CompareFlags& f) {
  refuse_ignored(cmd, f.settings);
  ex::Campaign c;
  c.command = "compare";
  c.parameters = {"rule"};
  c.seeds = as_usage([&] { return ex::parse_seed_range(f.seeds); });
  for (const std::string& spec : ex::split_rule_list(f.rules)) {
    for (const ex::CampaignPoint& p : c.points)
      if (p.values[0].second == spec) throw UsageError("--rules: '" + spec + "' is named twice");
    ex::RunSettings s = f.settings;
    s.rule = spec;
    c.points.push_back({{{"rule", spec}}, as_usage([&] { return ex::describe(s); })});
  }
  const ex::RunDescription& first = c.points.front().description;
  c.manifest = {"p2p compare", first.options(), {{"rule", "swept"}}, std::nullopt,
                f.seeds,       first.file_name, first.file_text};
  std::string rules;
  for (const ex::CampaignPoint& p : c.points)
    rules += (rules.empty() ? "" : "; ") + p.values[0].second;
  c.manifest.options.emplace_back("rules", rules);
  return c;
}

void run_compare(CLI::App* cmd, const CompareFlags& f) {
  const OutputFlags& o = f.output;
  // Under mpirun the rules' runs are spread over the ranks; rank 0 alone writes the tables.
  const std::optional<LaunchedCampaign> run = run_campaign_launched(
      cmd, [&] { return compare_campaign(cmd, f); }, {o.out, o.jobs, o.force, o.quiet}, "--jobs",
      "");
  if (!run) return;
  const ex::Campaign& c = run->campaign;
  const ex::CampaignResult& r = run->result;
  ex::write_campaign_tables(c, r, o.out);
  // comparison.csv: aggregate.csv under the name compare has always used.
  ex::write_file(std::filesystem::path(o.out) / "comparison.csv", ex::aggregate_csv(c, r));
  if (o.quiet) return;
  print_table(f, c, r);
  std::cerr << "p2p compare: " << r.ran << " runs"
            << (r.skipped ? ", " + std::to_string(r.skipped) + " reused" : "") << " on "
            << r.threads << " " << run->workers
            << "; wrote runs.csv, aggregate.csv and comparison.csv to " << o.out << "\n";
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  ex::RunSettings& s = flags->settings;
  s.nodes = 2000;
  s.comparison_measures = true;
  s.crash = 0.5;
  s.analysis.resilience_runs = 5;
  s.analysis.exact_path_limit = 2000;  // larger graphs: 256 sampled sources, enough for a mean
  s.analysis.spectral = false;
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Run join rules side by side: every rule runs the same scenario (by default node 0 is the "
      "entry, a newcomer every --arrival-interval) on the same seeds; each network is measured "
      "(degrees, clustering, paths, the entry's share of links, resilience to random and "
      "targeted removal, a flood's coverage and cost), then run again and hit by a crash of "
      "--crash of its nodes. Writes one folder per run, runs.csv, aggregate.csv and "
      "comparison.csv (mean, standard deviation and 95% confidence interval per rule and "
      "metric) to --out and prints the table. Under mpirun the runs are spread over the ranks "
      "(docs/distributed.md). See docs/join-rules.md.");
  cmd->add_option("--rules,-r", flags->rules,
                  "Rules to compare, comma-separated NAME[:KEY=VALUE,...] (a KEY=VALUE after a "
                  "comma belongs to the rule before it); default: all of " +
                      ex::known_rules() + " with their defaults")
      ->delimiter('\0');
  cmd->add_option("--seeds", flags->seeds, "Seeds A..B (inclusive) or a single seed")
      ->capture_default_str();
  add_protocol_flags(cmd, s);
  add_network_flags(cmd, s);
  add_analysis_flags(cmd, s.analysis);
  add_crash_flags(cmd, s);
  add_output_flags(cmd, flags->output, "--jobs,--threads,-j",
                   "Output folder: one folder per run, runs.csv, aggregate.csv, comparison.csv");
  cmd->callback([cmd, flags] { run_compare(cmd, *flags); });
}

}  // namespace p2p::runner
