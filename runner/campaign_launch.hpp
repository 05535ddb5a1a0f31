#pragma once
// Where a command's campaign runs: on this process's threads, or, when an MPI launcher started
// it (`mpirun -np R p2p run|sim --seeds|compare ...`), spread over the job's ranks
// (experiment/mpi_campaign.hpp). Either way the folder is the one `--jobs 1` writes, so `run`,
// `sim --seeds` and `compare` share this one entry point. Defined in run_command.cpp.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "experiment/campaign.hpp"

namespace p2p::runner {

struct LaunchedCampaign {
  experiment::Campaign campaign;
  experiment::CampaignResult result;
  const char* workers;  // what result.threads counts: "threads" or "ranks"
};

// Builds the campaign with `load` (on every rank under a launcher: it must give every rank the
// same campaign) and runs it with `settings`. A std::invalid_argument or UsageError from `load`
// or from the folder is said once, by rank 0. Returns the campaign and its result on the
// process that reports (the only one, or rank 0) and nullopt on the other ranks, which must
// write and print nothing more. `jobs_flag` is refused under a launcher (one run at a time per
// rank); `unreadable` is the error when `load` failed on some rank but not on rank 0. A p2p
// built without MPI refuses a launcher with more than one rank.
std::optional<LaunchedCampaign> run_campaign_launched(
    CLI::App* cmd, const std::function<experiment::Campaign()>& load,
    const experiment::CampaignSettings& settings, const std::string& jobs_flag,
    const std::string& unreadable);

// Throws a UsageError saying `why` when an MPI launcher started more than one rank: for a
// command that is one process's work, which every rank would otherwise do again.
void refuse_on_ranks(const std::string& why);

}  // namespace p2p::runner
