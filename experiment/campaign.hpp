#pragma once
// A campaign: every (point, seed) of a study, run on worker threads into one folder per run,
// then runs.csv and aggregate.csv. The bytes do not depend on the number of threads. Run again
// on the same folder it skips the runs whose manifest.json matches (say after Ctrl-C), and it
// refuses a folder whose campaign manifest differs (a changed study) unless forced.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "experiment/description.hpp"
#include "experiment/manifest.hpp"
#include "experiment/stats.hpp"

namespace p2p::experiment {

struct CampaignPoint {
  Options values;  // the swept parameters of this point, (name, value as written)
  RunDescription description;
};

struct Campaign {
  std::string command;                  // the subcommand: "run", "sim", "compare"
  std::vector<std::string> parameters;  // runs.csv's parameter columns, in order
  std::vector<CampaignPoint> points;
  std::vector<std::uint64_t> seeds;
  Manifest manifest;  // the folder's own: the whole study
};

struct CampaignSettings {
  std::filesystem::path out;
  unsigned jobs = 0;  // 0: one per core
  bool force = false;
  bool quiet = false;
};

using Metrics = std::vector<std::pair<std::string, double>>;

struct CampaignResult {
  std::vector<Metrics> runs;  // summary.csv of run (point p, seed k) at p * seeds + k
  std::size_t ran = 0;
  std::size_t skipped = 0;  // finished before, reused
  unsigned threads = 1;
};

// Runs the campaign into settings.out. On Ctrl-C or SIGTERM the runs in progress stop, their
// temporary folders are removed, and the process ends with exit_stopped (status 130). Throws
// std::invalid_argument when the folder cannot be used.
CampaignResult run_campaign(const Campaign& campaign, const CampaignSettings& settings);

// The run folder of (point, seed): "seed=S" when nothing is swept, else "NAME=VALUE_..._seed=S".
std::string run_folder_name(const Campaign& campaign, std::size_t point, std::uint64_t seed);

// runs.csv: the parameter columns, seed, then every metric in first-seen order (a metric named
// like a parameter is written as measured_NAME); an empty cell where a metric did not apply.
std::string runs_csv(const Campaign& campaign, const CampaignResult& result);
// aggregate.csv: per point and metric, runs, mean, standard deviation and the 95% confidence
// interval of the mean (Student's t).
std::string aggregate_csv(const Campaign& campaign, const CampaignResult& result);

// The statistics of `metric` over the seeds of `point` (what a row of aggregate.csv holds).
Interval point_interval(const Campaign& campaign, const CampaignResult& result, std::size_t point,
                        const std::string& metric);

// Writes runs.csv and aggregate.csv into settings.out.
void write_campaign_tables(const Campaign& campaign, const CampaignResult& result,
                           const std::filesystem::path& out);

}  // namespace p2p::experiment
