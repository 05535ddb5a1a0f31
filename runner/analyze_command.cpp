// `p2p analyze EDGES`: the topology report of a user's edge list.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "analysis/edge_list.hpp"
#include "analysis/graph.hpp"
#include "analysis/report.hpp"
#include "experiment/manifest.hpp"
#include "experiment/output_folder.hpp"
#include "usage_error.hpp"

namespace p2p::runner {
namespace {

struct AnalyzeOptions {
  std::string edges;
  std::string out = "results";
  analysis::ReportOptions report;
  bool force = false;
  bool quiet = false;
};

// One line on a terminal's stderr naming the phase that runs and the time so far, rewritten in
// place and erased at the end; silent when stderr is not a terminal, so logs hold only the output.
class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on), start_(std::chrono::steady_clock::now()) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { clear(); }
  void show(const std::string& phase) {
    if (!on_) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "\r\x1b[Kp2p analyze: %s (%.1f s)", phase.c_str(), seconds);
    std::fflush(stderr);
    shown_ = true;
  }
  void clear() {
    if (!shown_) return;
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  bool on_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};
// FNV-1a 64 of the input, fed piece by piece as the reader takes it in: the value
// experiment::text_hash gives for the whole text, without holding the file or reading it twice.
class InputHash {
 public:
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 0x100000001b3ull;
    }
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

// What made the folder: the input (named and hashed, not copied) and every analysis option.
std::string manifest_of(const AnalyzeOptions& o, const std::string& edges_hash) {
  namespace ex = p2p::experiment;
  const analysis::ReportOptions& r = o.report;
  ex::Manifest m;
  m.command = "p2p analyze";
  m.seed = r.seed;
  m.options = {{"edges", o.edges},
               {"edges_fnv1a64", edges_hash},
               {"resilience_runs", std::to_string(r.resilience_runs)},
               {"exact_paths_up_to", std::to_string(r.exact_path_limit)},
               {"path_samples", std::to_string(r.path_samples)},
               {"paths", r.paths ? "true" : "false"},
               {"spectral", r.spectral ? "true" : "false"},
               {"spectral_up_to", std::to_string(r.spectral_limit)}};
  return ex::to_json(m);
}

void run_analyze(const AnalyzeOptions& o) {
  if (o.report.resilience_runs < 1) throw UsageError("--resilience-runs must be at least 1");
  if (o.report.path_samples < 1) throw UsageError("--path-samples must be at least 1");
  ProgressLine progress(!o.quiet && isatty(STDERR_FILENO) != 0);
  progress.show("reading " + o.edges);
  // One pass over the input: parsed and hashed for the manifest as it is read.
  InputHash hash;
  analysis::EdgeList list;
  try {
    list = analysis::read_edge_list(std::filesystem::path(o.edges), 4096,
                                    [&hash](std::string_view bytes) { hash.add(bytes); });
  } catch (const analysis::EdgeListError& e) {
    throw UsageError(e.what());
  }
  const std::string manifest = manifest_of(o, hash.hex());
  try {
    experiment::prepare_output(o.out, manifest, o.force);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  progress.show("building the graph");
  const analysis::Graph graph = analysis::Graph::from_edges(list.node_count, list.edges);
  list.edges = {};
  analysis::ReportOptions ro = o.report;
  ro.progress = [&progress](const std::string& phase) { progress.show(phase); };
  const analysis::Report report = analysis::compute_report(graph, ro);
  progress.show("writing " + o.out);
  analysis::write_report(o.out, graph, report, list.labels);
  progress.clear();
  experiment::write_file(std::filesystem::path(o.out) / "manifest.json", manifest);
  if (!o.quiet) {
    analysis::print_summary(std::cout, report);
    std::cout << "wrote " << (std::filesystem::path(o.out) / "").string()
              << "{summary,degree_distribution,edges,nodes,resilience}.csv\n";
  }
}

}  // namespace

void add_analyze_command(CLI::App& app) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Topology report of an edge list: degrees, clustering, components, bridges, paths, "
      "algebraic connectivity, resilience to node removal");
  cmd->add_option("EDGES", options->edges,
                  "Edge list: CSV with header 'source,target', or whitespace-separated pairs with "
                  "'#' comments (SNAP); ids are all integers or all strings")
      ->required();
  cmd->add_option("--out", options->out, "Output folder (created if missing)")
      ->capture_default_str();
  cmd->add_option("--seed", options->report.seed,
                  "Seed for random removal orders and sampled path sources")
      ->capture_default_str();
  cmd->add_option("--resilience-runs", options->report.resilience_runs,
                  "Random removal orders averaged in resilience.csv")
      ->capture_default_str();
  cmd->add_option("--exact-paths-up-to", options->report.exact_path_limit,
                  "Largest-component size up to which shortest paths are exact (BFS from every "
                  "node); above it they are sampled")
      ->capture_default_str();
  cmd->add_option("--path-samples", options->report.path_samples,
                  "BFS sources sampled above the exact limit")
      ->capture_default_str();
  cmd->add_flag("--no-paths{false}", options->report.paths, "Skip mean_shortest_path and diameter");
  cmd->add_flag("--no-spectral{false}", options->report.spectral, "Skip algebraic_connectivity");
  cmd->add_option("--spectral-up-to", options->report.spectral_limit,
                  "Largest-component size up to which algebraic_connectivity is computed (its "
                  "iterations take seconds on large hub-heavy graphs)")
      ->capture_default_str();
  cmd->add_option("--threads", options->report.threads,
                  "Threads for the report's independent passes (0: one per core); the output is "
                  "the same for every value")
      ->capture_default_str();
  cmd->add_flag("--quiet", options->quiet, "Do not print the summary or the progress line");
  cmd->add_flag("--force", options->force,
                "Reuse an --out folder holding another run's output, removing only the files "
                "p2p writes");
  cmd->callback([options] { run_analyze(*options); });
}

}  // namespace p2p::runner
