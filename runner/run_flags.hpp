#pragma once
// The flag tables shared by the commands that simulate: each flag writes straight into the run
// description's settings (experiment/description.hpp), so `sim`, `compare` and a study file all
// mean the same thing by the same name.
#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>

#include "experiment/description.hpp"
#include "experiment/rule_spec.hpp"
#include "usage_error.hpp"

namespace p2p::runner {

// Join requests, hop limit, connection limits.
inline void add_protocol_flags(CLI::App* cmd, experiment::RunSettings& s) {
  cmd->add_option("--join-requests,-k", s.join_requests, "JOIN_REQs each newcomer sends")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--max-hops", s.max_hops,
                  "A JOIN_REQ passed on this many times is dropped (and counted), for rules "
                  "whose spec does not set max_hops")
      ->check(CLI::Range(0, 255))
      ->capture_default_str();
  cmd->add_option("--min-connections", s.min_connections,
                  "Every rule but seed: a node below this many links asks for more, with retries "
                  "and backoff (0: only on joining)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_option("--max-connections", s.max_connections,
                  "Every rule but seed: the most links a node holds (0: no cap)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
}

// The network and its workload: size, arrivals, scenario file, latency, loss, flood, samples.
inline void add_network_flags(CLI::App* cmd, experiment::RunSettings& s) {
  cmd->add_option("--nodes,-n", s.nodes, "Number of nodes, the entry included")
      ->check(CLI::Range(1u, 0x7FFFFFFEu))
      ->capture_default_str();
  cmd->add_option("--arrival-interval", s.arrival_interval_ms,
                  "Milliseconds between two newcomers' arrivals")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--scenario", s.scenario,
                  "A TOML scenario file: arrivals, churn, mass failures, partitions, broadcasts, "
                  "snapshots (docs/simulator.md); refused with --nodes or --arrival-interval, "
                  "which it replaces");
  cmd->add_option("--latency-model", s.latency_model,
                  "uniform (on [--latency-min, --latency-max]), lognormal (exp(N(mu, sigma)) ms, "
                  "clamped to [min, max]) or matrix (site-to-site table plus uniform [min, max]); "
                  "one draw per node pair, so a link never reorders its packets")
      ->capture_default_str();
  cmd->add_option("--latency-min", s.latency_min_ms, "Smallest link latency in milliseconds")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--latency-max", s.latency_max_ms, "Largest link latency in milliseconds")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--latency-mu", s.latency_mu, "lognormal: mu of ln(milliseconds)")
      ->check(CLI::Range(-20.0, 20.0))
      ->capture_default_str();
  cmd->add_option("--latency-sigma", s.latency_sigma, "lognormal: sigma of ln(milliseconds)")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  cmd->add_option("--site-matrix", s.site_matrix,
                  "matrix: a square CSV of one-way milliseconds between sites; nodes are placed "
                  "at random sites");
  cmd->add_option("--loss", s.loss, "Probability that a packet is lost")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--sample-every", s.sample_every_s,
                  "Seconds of virtual time between rows of timeseries.csv (0: one row, at the end)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_flag("!--no-flood", s.flood, "Skip the final chat-message flood");
  cmd->add_option("--message", s.message, "Text of the flooded chat message")
      ->capture_default_str();
}

// The analysis switches, as `p2p analyze` names them.
inline void add_analysis_flags(CLI::App* cmd, analysis::ReportOptions& a) {
  cmd->add_option("--resilience-runs", a.resilience_runs,
                  "Random removal orders averaged in resilience.csv")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--exact-paths-up-to", a.exact_path_limit,
                  "Largest-component size up to which shortest paths are exact (BFS from every "
                  "node); above it they are sampled")
      ->capture_default_str();
  cmd->add_option("--path-samples", a.path_samples, "BFS sources sampled above the exact limit")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_flag("--no-paths{false}", a.paths, "Skip mean_shortest_path and diameter");
  cmd->add_flag("--no-spectral{false}", a.spectral, "Skip algebraic_connectivity");
  cmd->add_option("--spectral-up-to", a.spectral_limit,
                  "Largest-component size up to which algebraic_connectivity is computed")
      ->capture_default_str();
}

// Where and how a command writes: --out, --jobs, --force, --quiet.
struct OutputFlags {
  std::string out = "results";
  unsigned jobs = 0;  // 0: one per core
  bool force = false;
  bool quiet = false;
};

inline void add_output_flags(CLI::App* cmd, OutputFlags& o, const std::string& jobs_names,
                             const std::string& out_help) {
  cmd->add_option(jobs_names, o.jobs,
                  "Runs in parallel (0: one per core); the output is the same for any number")
      ->check(CLI::Range(0u, 1024u));
  cmd->add_option("--out,-o", o.out, out_help + " (checked writable before simulating)")
      ->capture_default_str();
  cmd->add_flag("--force", o.force,
                "Reuse an --out folder holding another run's output, removing only the files "
                "p2p writes");
  cmd->add_flag("--quiet,-q", o.quiet, "Print nothing but errors");
}

// The comparison's second run: a crash after the scenario, then a repair window.
inline void add_crash_flags(CLI::App* cmd, experiment::RunSettings& s) {
  cmd->add_option("--crash", s.crash,
                  "Share of nodes that crash at once after the scenario, in the second run of "
                  "each cell (0: skip that run)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--settle", s.settle_s,
                  "Seconds after the scenario's planned end before the crash (retries run "
                  "meanwhile)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--repair", s.repair_s,
                  "Seconds the survivors have to mend before the last flood")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
}

// Refuses `flag` when it was given together with `other` (both given on the command line).
inline void refuse_together(CLI::App* cmd, const std::string& flag, const std::string& other,
                            const std::string& why) {
  if (cmd->count(flag) > 0 && cmd->count(other) > 0)
    throw UsageError(flag + " with " + other + ": " + why);
}

// Flags that would be silently ignored are refused.
inline void refuse_ignored(CLI::App* cmd, const experiment::RunSettings& s) {
  for (const char* flag : {"--nodes", "--arrival-interval"})
    refuse_together(cmd, flag, "--scenario", "the scenario file sets the arrivals");
  refuse_together(cmd, "--message", "--no-flood", "there is no final flood to carry it");
  if (s.latency_model != "lognormal")
    for (const std::string flag : {"--latency-mu", "--latency-sigma"})
      if (cmd->count(flag) > 0) throw UsageError(flag + " needs --latency-model lognormal");
}

// Runs `f`, turning the library's invalid_argument (bad user input) into a UsageError.
template <typename F>
auto as_usage(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

}  // namespace p2p::runner
