// `p2p run STUDY.toml`: every (sweep point, seed) of a study file as one campaign folder, on
// threads, on the ranks of an MPI job (`mpirun -np R p2p run ...`), or one slice of it
// (`--shard I/N`, for a job array; `p2p merge` assembles the slices).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "campaign_launch.hpp"
#include "experiment/campaign.hpp"
#include "experiment/mpi_launch.hpp"
#include "experiment/study.hpp"
#include "run_flags.hpp"
#if P2P_HAVE_MPI
#include "experiment/mpi_campaign.hpp"
#endif

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;

struct RunFlags {
  std::string study;
  std::string shard;
  OutputFlags output;  // out defaults to results/STUDY (the file's name without .toml)
};

void report(const RunFlags& f, const ex::Campaign& c, const ex::CampaignResult& r,
            const std::filesystem::path& out, const char* workers) {
  ex::write_campaign_tables(c, r, out);
  if (f.output.quiet) return;
  std::cerr << "p2p run: " << c.points.size() << " points x " << c.seeds.size() << " seeds";
  if (!f.shard.empty()) std::cerr << ", slice " << f.shard << " (" << r.included.size() << " runs)";
  std::cerr << ": " << r.ran << " run, " << r.skipped << " reused from before, on " << r.threads
            << " " << workers << "; wrote " << (out / "runs.csv").string() << " and "
            << (out / "aggregate.csv").string() << "\n";
}

void run_study(const RunFlags& f, CLI::App* cmd) {
  ex::CampaignSettings s{f.output.out.empty() ? std::filesystem::path("results") /
                                                    std::filesystem::path(f.study).stem()
                                              : std::filesystem::path(f.output.out),
                         f.output.jobs,
                         f.output.force,
                         f.output.quiet,
                         {}};
  if (!f.shard.empty()) {
    s.shard = as_usage([&] { return ex::parse_shard(f.shard); });
    if (f.output.out.empty())
      throw UsageError("--shard needs --out: each slice goes to a folder of its own");
  }
  const std::optional<LaunchedCampaign> run = run_campaign_launched(
      cmd, [&] { return ex::load_study(f.study); }, s, "--jobs",
      f.study + ": could not be read on every rank (is it on a filesystem every node sees?)");
  if (run) report(f, run->campaign, run->result, s.out, run->workers);
}

}  // namespace

#if P2P_HAVE_MPI
namespace {
// Every rank builds the campaign; rank 0 alone speaks for the job.
std::optional<LaunchedCampaign> run_on_ranks(CLI::App* cmd,
                                             const std::function<ex::Campaign()>& load,
                                             const ex::CampaignSettings& s,
                                             const std::string& jobs_flag,
                                             const std::string& unreadable) {
  ex::MpiSession mpi;
  std::optional<ex::Campaign> c;
  std::string error;
  try {
    if (cmd->count(jobs_flag) > 0)
      throw UsageError(jobs_flag +
                       " under mpirun: each rank runs one run at a time; start more ranks instead");
    c = load();
  } catch (const std::invalid_argument& e) {
    error = e.what();
  } catch (const UsageError& e) {
    error = e.what();
  }
  if (!mpi.all(c.has_value())) {
    if (mpi.rank() != 0) return std::nullopt;
    throw UsageError(!error.empty()        ? error
                     : !unreadable.empty() ? unreadable
                                           : "the campaign could not be prepared on every rank");
  }
  std::optional<ex::CampaignResult> r = as_usage([&] { return ex::run_campaign_mpi(mpi, *c, s); });
  if (!r) return std::nullopt;
  return LaunchedCampaign{std::move(*c), std::move(*r), "ranks"};
}
}  // namespace
#endif

std::optional<LaunchedCampaign> run_campaign_launched(
    [[maybe_unused]] CLI::App* cmd, const std::function<ex::Campaign()>& load,
    const ex::CampaignSettings& settings, [[maybe_unused]] const std::string& jobs_flag,
    [[maybe_unused]] const std::string& unreadable) {
  if (ex::mpi_launch_size() > 0) {
#if P2P_HAVE_MPI
    return run_on_ranks(cmd, load, settings, jobs_flag, unreadable);
#else
    refuse_on_ranks(
        "started by an MPI launcher, but this p2p was built without MPI (install "
        "libopenmpi-dev and build again); every rank would run the whole campaign");
#endif
  }
  ex::Campaign c = as_usage(load);
  ex::CampaignResult r = as_usage([&] { return ex::run_campaign(c, settings); });
  return LaunchedCampaign{std::move(c), std::move(r), "threads"};
}

void refuse_on_ranks(const std::string& why) {
  if (ex::mpi_launch_size() > 1) throw UsageError(why);
}

void add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a study file: every sweep point with every seed, one folder per run, then runs.csv "
      "(one row per run) and aggregate.csv (mean and 95% confidence interval per point and "
      "metric). Run the same command again to resume after an interruption. Under mpirun the "
      "runs are spread over the ranks. See docs/output.md, docs/distributed.md and "
      "examples/study.toml.");
  cmd->add_option("STUDY", flags->study, "The study file (TOML)")->required();
  cmd->add_option("--shard", flags->shard,
                  "Run only slice I of N (I/N, from 1/N to N/N) into --out, e.g. one job-array "
                  "task each; p2p merge assembles the slices");
  flags->output.out.clear();
  add_output_flags(cmd, flags->output, "--jobs,-j",
                   "Campaign folder (default results/NAME, NAME the study file's name)");
  cmd->callback([flags, cmd] { run_study(*flags, cmd); });
}

}  // namespace p2p::runner
