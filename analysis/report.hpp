#pragma once
// The topology report: every metric of a graph, and the output folder it is written to.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/graph.hpp"
#include "analysis/resilience.hpp"

namespace p2p::analysis {

// What to compute. The same graph and options always give the same report, byte for byte.
struct ReportOptions {
  std::uint64_t seed = 1;    // drives the random removal orders and sampled path sources
  int resilience_runs = 10;  // random removal orders averaged in resilience.csv
  // Shortest paths are exact (a BFS from every node) up to this largest-component size; above it
  // `path_samples` random sources estimate the mean and bound the diameter from below.
  std::size_t exact_path_limit = 10000;
  std::size_t path_samples = 256;
  bool paths = true;     // mean_shortest_path and diameter
  bool spectral = true;  // algebraic_connectivity
  // The Lanczos iterations converge slowly on large hub-heavy graphs (the spectrum's width grows
  // with the largest degree while the gap above lambda_2 shrinks): seconds at 20,000 nodes, most
  // of a simulation's report at 100,000. Above this largest-component size algebraic_connectivity
  // is skipped unless the limit is raised, and Report::skipped says so.
  std::size_t spectral_limit = 20000;
  // Threads for the report's independent passes (resilience orders, path batches, the per-node
  // metrics); 0 means one per hardware thread. The report is the same for every value.
  unsigned threads = 0;
  // Called as each phase starts, with the phase's name (for a progress line); may be empty. The
  // calls come one at a time, but the second from whichever thread finished the components.
  std::function<void(const std::string& phase)> progress;
};

// A metric the options left out although the graph has it: which, why, and the option that asks
// for it (the command-line flag both commands use).
struct SkippedMetric {
  std::string metric;
  std::string reason;
  std::string how_to_ask;
};

// All results of compute_report. `summary` holds summary.csv's rows in order (names from
// ARCHITECTURE.md); a metric that does not apply to the graph is absent. Per-node vectors are
// indexed by node.
struct Report {
  std::vector<std::pair<std::string, double>> summary;
  std::vector<std::pair<std::size_t, std::size_t>> degree_distribution;  // (degree, count)
  std::vector<double> clustering;
  std::vector<std::uint32_t> component;
  std::vector<std::uint32_t> core_number;
  std::vector<std::uint8_t> articulation_point;
  std::vector<ResilienceCurve> resilience;
  std::vector<SkippedMetric> skipped;
};

Report compute_report(const Graph& g, const ReportOptions& options);

// Writes summary.csv, degree_distribution.csv, edges.csv, nodes.csv and resilience.csv into dir
// (created if missing). `labels` name the nodes in edges.csv and nodes.csv; empty means indices.
// Throws std::runtime_error when a file cannot be written.
void write_report(const std::filesystem::path& dir, const Graph& g, const Report& r,
                  std::span<const std::string> labels = {});

// The summary as an aligned two-column table for a terminal, then one line per skipped metric.
void print_summary(std::ostream& os, const Report& r);

// Shortest text that reads back as the same double (integral values print as integers).
std::string format_number(double value);

}  // namespace p2p::analysis
