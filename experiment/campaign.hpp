#pragma once
// A campaign: every (point, seed) of a study, run on worker threads into one folder per run,
// then runs.csv and aggregate.csv. The bytes do not depend on the number of threads. Run again
// on the same folder it skips the runs whose manifest.json matches (say after Ctrl-C), and it
// refuses a folder whose campaign manifest differs (a changed study) unless forced. A shard runs
// one deterministic slice of the runs (for a job array); merge.hpp assembles the slices, and
// mpi_campaign.hpp spreads the runs over MPI ranks, both with the pieces declared below.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "experiment/description.hpp"
#include "experiment/manifest.hpp"
#include "experiment/output_folder.hpp"
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

// Slice `index` (from 0) of `count`: the runs whose index i (p * seeds + k) has
// i % count == index, so every slice gets a share of every point.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
};

// "I/N" (I from 1) as typed after --shard; throws std::invalid_argument otherwise.
Shard parse_shard(const std::string& text);

struct CampaignSettings {
  std::filesystem::path out;
  unsigned jobs = 0;  // 0: one per core
  bool force = false;
  bool quiet = false;
  Shard shard{};  // the whole campaign
  // For a host process that owns the signals (the Python module): no handlers are installed and
  // a stop throws Stopped (after the runs in progress are cleaned up) instead of ending the
  // process. `progress` hears (runs done, runs in all) after each run, from a worker thread.
  bool embedded = false;
  std::function<void(std::size_t done, std::size_t total)> progress = nullptr;
};

using Metrics = std::vector<std::pair<std::string, double>>;

struct CampaignResult {
  std::vector<Metrics> runs;  // summary.csv of run (point p, seed k) at p * seeds + k
  // The runs this folder holds, ascending (a shard's slice); empty means every run.
  std::vector<std::size_t> included;
  std::size_t ran = 0;
  std::size_t skipped = 0;  // finished before, reused
  unsigned threads = 1;
};

// The pieces a campaign is made of, shared by the thread, MPI and merge drivers.

// The run indices of `shard`, ascending.
std::vector<std::size_t> shard_runs(const Campaign& campaign, Shard shard);
// The campaign folder's manifest: the study's, with "shard": "I/N" when sliced.
Manifest folder_manifest(const Campaign& campaign, Shard shard);
// Checks the folder names, prepares settings.out (output_folder.hpp), writes its manifest.json
// and installs the stop handlers. Throws std::invalid_argument when the folder cannot be used.
FolderState open_campaign_folder(const Campaign& campaign, const CampaignSettings& settings);
// The manifest.json of run i.
std::string run_manifest_json(const Campaign& campaign, std::size_t run);
// Reads run i's metrics from folder `dir` when its manifest.json is the one run i writes and
// its summary.csv reads back; false otherwise.
bool read_finished_run(const Campaign& campaign, std::size_t run, const std::filesystem::path& dir,
                       Metrics& out);
// Opens the folder (open_campaign_folder), sizes `result` for the whole campaign, counts in
// result.skipped the runs of `settings.shard` an earlier attempt finished (their metrics read
// back) and returns the rest, ascending: the runs still to do.
std::vector<std::size_t> plan_runs(const Campaign& campaign, const CampaignSettings& settings,
                                   CampaignResult& result);
// Simulates run i into its folder under `out` (through a temporary folder renamed when complete)
// and returns its metrics. Throws Stopped (stop.hpp) on a stop request, leaving nothing behind.
Metrics execute_run(const Campaign& campaign, std::size_t run, const std::filesystem::path& out);
// "p2p CMD: stopped; D of N runs are complete in OUT; run the same command again to resume"
std::string stopped_message(const Campaign& campaign, std::size_t done, std::size_t total,
                            const std::filesystem::path& out);
// Metrics as "name=value" lines (shortest round-trip numbers) and back, to send them between
// processes; parse_metrics throws std::invalid_argument on a malformed text.
std::string format_metrics(const Metrics& metrics);
Metrics parse_metrics(const std::string& text);

// Runs the campaign into settings.out. On Ctrl-C or SIGTERM the runs in progress stop, their
// temporary folders are removed, and the process ends with exit_stopped (status 130). Throws
// std::invalid_argument when the folder cannot be used.
CampaignResult run_campaign(const Campaign& campaign, const CampaignSettings& settings);

// The run folder of (point, seed): "seed=S" when nothing is swept, else "NAME=VALUE_..._seed=S".
std::string run_folder_name(const Campaign& campaign, std::size_t point, std::uint64_t seed);

// runs.csv: the parameter columns, seed, then every metric in first-seen order (a metric named
// like a parameter is written as measured_NAME); an empty cell where a metric did not apply.
// When the analysis options left a metric out of some run (or estimated it), a last column
// `omitted` says which and why for each run (omitted_metrics in run.hpp), "; " between notes.
std::string runs_csv(const Campaign& campaign, const CampaignResult& result);
// aggregate.csv: per point and metric, runs, mean, standard deviation and the 95% confidence
// interval of the mean (Student's t).
std::string aggregate_csv(const Campaign& campaign, const CampaignResult& result);

// The statistics of `metric` over the included seeds of `point` (a row of aggregate.csv).
Interval point_interval(const Campaign& campaign, const CampaignResult& result, std::size_t point,
                        const std::string& metric);

// Writes runs.csv and aggregate.csv into settings.out.
void write_campaign_tables(const Campaign& campaign, const CampaignResult& result,
                           const std::filesystem::path& out);

}  // namespace p2p::experiment
