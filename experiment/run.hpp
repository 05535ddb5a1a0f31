#pragma once
// One run: simulate a description with one seed, then measure the graph it ends with.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/graph.hpp"
#include "analysis/report.hpp"
#include "experiment/description.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"

namespace p2p::experiment {

struct RunHooks {
  // Every batch of events (a stop request is honoured there first).
  std::function<void(const sim::Network&)> progress;
  // Once the simulation is over, before the analysis.
  std::function<void(std::size_t nodes)> analysing;
  // Where the scenario's snapshots go (DIR/t=SECONDS/); none are written when empty.
  std::filesystem::path snapshot_dir;
  // This process is one rank of the run split over ranks (experiment/mpi_shard.hpp); only rank 0
  // measures the graph, the others return once the simulation is over.
  sim::ShardExchange* shard = nullptr;
};

struct RunResult {
  analysis::Graph graph;  // the live nodes at the scenario's end, renumbered when some left
  std::vector<std::string> labels;  // their simulator indices when renumbered, else empty
  // summary.csv's rows: the graph's metrics, then the simulation's (metrics.hpp).
  analysis::Report report;
  std::vector<sim::TimeSample> samples;
  std::vector<sim::FloodStats> floods;
  // phases.csv: the scenario's phases in start order, so figures can mark why a curve moves.
  std::string phases_csv;
  // groups.csv when nodes run different rules (empty otherwise).
  std::string groups_csv;
  // For the terminal only, never written to a file (they depend on the machine).
  std::uint64_t events = 0;
  std::size_t peak_pending = 0;
  std::uint64_t fanned_copies = 0;  // copies that waited in fan-out entries (--fan-out-from)
  double sim_seconds = 0;
  double sim_cpu_seconds = 0;
  double sim_peak_mib = 0;
  double analysis_seconds = 0;
};

// Throws Stopped (stop.hpp) when a stop is requested during the run.
RunResult run(const RunDescription& description, std::uint64_t seed, const RunHooks& hooks = {});

// Writes the report (analysis::write_report), timeseries.csv and broadcasts.csv into `dir`.
void write_run(const std::filesystem::path& dir, const RunResult& result);

// What the analysis options left out or estimated although the graph has it, one line each
// ("algebraic_connectivity omitted: ..."), for the command to say once.
std::vector<std::string> omitted_metrics(const RunDescription& description,
                                         const analysis::Report& report);

// The value of summary row `name`, NaN when absent.
double summary_value(const analysis::Report& report, std::string_view name);

}  // namespace p2p::experiment
