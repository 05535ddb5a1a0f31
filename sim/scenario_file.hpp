#pragma once
// Scenario files: a TOML document a user writes by hand (TOML because it has comments, dates no
// meaning to indentation, and arrays of tables read as lists of phases; toml++ reports the line
// of every key, so a bad file's error names the line and the key). Times are in seconds (`_s`) or
// milliseconds (`_ms`). See docs/simulator.md for every key.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sim/latency.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {

// What a file sets. Settings it leaves out stay with the command line's values.
struct ScenarioFile {
  Scenario scenario;
  std::optional<int> join_requests;
  std::optional<int> max_hops;
  std::optional<LatencyModel> latency;  // its seed is set by the network
  std::optional<double> loss;
  std::optional<bool> signing;  // `signed`: every node signs and checks (p2p sim --signed)
  // What a study adds to a scenario: the rule, the node's limits, the default scenario's size
  // (`nodes`, with `arrival_interval`, instead of [[arrivals]]), the seeds and the analysis.
  std::optional<std::string> rule;
  std::optional<int> min_connections;
  std::optional<int> max_connections;
  std::optional<std::uint32_t> nodes;
  std::optional<Time> arrival_interval;
  std::optional<std::string> seeds;  // "A..B" or "A"
  std::optional<int> resilience_runs;
  // The analysis options `p2p sim` takes as flags (--no-paths, --exact-paths-up-to, ...).
  std::optional<bool> paths;
  std::optional<std::size_t> exact_paths_up_to;
  std::optional<std::size_t> path_samples;
  std::optional<bool> spectral;
  std::optional<std::size_t> spectral_up_to;
  bool has_sweep = false;  // a [sweep] table, read by the experiment layer
};

// Parses a scenario; throws std::invalid_argument with one line "FILE:LINE: key 'K': what is
// wrong" on a syntax error, an unknown key, a bad value or a phase after end_s (it would never
// happen).
ScenarioFile parse_scenario(std::string_view text, const std::string& source_name,
                            const std::filesystem::path& base_dir = {});
ScenarioFile load_scenario(const std::filesystem::path& path);

// A site-to-site latency table: one line per site, comma-separated one-way milliseconds, square;
// lines starting with '#' are comments. Throws std::invalid_argument naming the line.
SiteMatrix load_site_matrix(const std::filesystem::path& path);

// Whether this build can read scenario files (it needs toml++).
bool scenario_files_supported();

}  // namespace p2p::sim
