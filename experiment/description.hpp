#pragma once
// A run described as data: the join rule and its parameters, the network and its workload (a
// scenario), the latency and loss model and what to measure. Built once, from a command's flags
// or from a study file, and the same whichever way it was built.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "experiment/manifest.hpp"
#include "protocol/config.hpp"
#include "sim/network.hpp"
#include "sim/rule_mix.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_file.hpp"

namespace p2p::experiment {

// The values a user sets, in the units they are given in (flags and study keys map onto these).
struct RunSettings {
  std::string rule = "seed";  // a join-rule spec, NAME[:KEY=VALUE,...]
  int join_requests = 4;
  int max_hops = 64;
  int min_connections = 0;
  int max_connections = 0;
  std::uint32_t nodes = 1000;  // the default scenario: node 0 and nodes - 1 arrivals
  double arrival_interval_ms = 10;
  std::string scenario;  // a scenario file replacing the default scenario
  std::string latency_model = "uniform";
  double latency_min_ms = 10;
  double latency_max_ms = 50;
  double latency_mu = 3.0;
  double latency_sigma = 0.5;
  std::string site_matrix;
  double loss = 0;
  double sample_every_s = 0;
  bool flood = true;
  std::string message = "hello";
  // Every node signs what it authors and checks what it is handed (protocol/auth.hpp), with a key
  // of its own from a KeyRing seeded by the run's seed. Off: nothing is signed, as by default.
  bool signing = false;
  analysis::ReportOptions analysis;  // its seed is the run's
  // The comparison's measures (metrics.hpp); with crash > 0 a second run of the same network
  // crashes that share of its nodes `settle_s` after the scenario's planned end and measures
  // what is left `repair_s` later.
  bool comparison_measures = false;
  double crash = 0;
  double settle_s = 60;
  double repair_s = 60;
};

// A metric of the user's own, measured from C++ on the network at the scenario's end (before a
// final flood that runs past end_s). It becomes a summary.csv row and a runs.csv column like a
// built-in one; NaN leaves it out of that run.
struct CustomMetric {
  std::string name;  // snake_case, not a built-in metric's name
  std::string unit;
  std::string definition;
  std::function<double(const sim::Network&)> measure;
};

// An observer of the user's own (sim/observer.hpp): each run makes a fresh one with `make`, the
// simulator feeds it every send, delivery, note and sample, and at the scenario's end (when custom
// metrics are measured) each column reads it. A column becomes a summary.csv row and a runs.csv
// column like a built-in metric; NaN leaves it out of that run.
struct CustomObserver {
  struct Column {
    std::string name;  // snake_case, not a built-in metric's name
    std::string unit;
    std::string definition;
    std::function<double(const sim::Observer&)> read;
  };
  std::function<std::unique_ptr<sim::Observer>()> make;
  std::vector<Column> columns;

  // A column of an observer of type O, read without a cast.
  template <typename O>
  static Column column(std::string name, std::string unit, std::string definition,
                       std::function<double(const O&)> read) {
    return {std::move(name), std::move(unit), std::move(definition),
            [read = std::move(read)](const sim::Observer& o) {
              return read(static_cast<const O&>(o));
            }};
  }
};

struct RunDescription {
  RunSettings settings;  // resolved: a scenario file's values included
  Config config;         // with a mix of rules, its first group's
  // A network mixing rules ("seed+hyparview@20%"): each group's Config and share. Null for one
  // rule. Shared, so copies of a description keep pointing at the same Configs.
  std::shared_ptr<const sim::RuleMix> mix;
  sim::NetworkOptions network;  // its seed is the run's
  sim::Scenario scenario;
  std::string file_name;  // the scenario or study file the scenario came from, if any
  std::string file_text;
  std::vector<CustomMetric> custom_metrics;
  std::vector<CustomObserver> custom_observers;

  // Every resolved option as (name, text), in a fixed order: what manifest.json records and what
  // tells two runs apart.
  Options options() const;
};

// Builds and checks a description; reads settings.scenario when set. Throws std::invalid_argument
// with a one-line message on a bad value or file.
RunDescription describe(RunSettings settings);
// The same from a parsed file (`name` and `text` are kept for the manifest).
RunDescription describe(RunSettings settings, const sim::ScenarioFile& file,
                        const std::string& name, const std::string& text);

}  // namespace p2p::experiment
