// `p2p run STUDY.toml`: every (sweep point, seed) of a study file as one campaign folder.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "experiment/campaign.hpp"
#include "experiment/study.hpp"
#include "run_flags.hpp"

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;

struct RunFlags {
  std::string study;
  OutputFlags output;  // out defaults to results/STUDY (the file's name without .toml)
};

void run_study(const RunFlags& f) {
  const ex::Campaign c = as_usage([&] { return ex::load_study(f.study); });
  const std::filesystem::path out = f.output.out.empty() ? std::filesystem::path("results") /
                                                               std::filesystem::path(f.study).stem()
                                                         : std::filesystem::path(f.output.out);
  const ex::CampaignResult r = as_usage([&] {
    return ex::run_campaign(c, {out, f.output.jobs, f.output.force, f.output.quiet});
  });
  ex::write_campaign_tables(c, r, out);
  if (f.output.quiet) return;
  std::cerr << "p2p run: " << c.points.size() << " points x " << c.seeds.size()
            << " seeds: " << r.ran << " run, " << r.skipped << " reused from before, on "
            << r.threads << " threads; wrote " << (out / "runs.csv").string() << " and "
            << (out / "aggregate.csv").string() << "\n";
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a study file: every sweep point with every seed, one folder per run, then runs.csv "
      "(one row per run) and aggregate.csv (mean and 95% confidence interval per point and "
      "metric). Run the same command again to resume after an interruption. See "
      "docs/output.md and examples/study.toml.");
  cmd->add_option("STUDY", flags->study, "The study file (TOML)")->required();
  flags->output.out.clear();
  add_output_flags(cmd, flags->output, "--jobs,-j",
                   "Campaign folder (default results/NAME, NAME the study file's name)");
  cmd->callback([flags] { run_study(*flags); });
}

}  // namespace p2p::runner
