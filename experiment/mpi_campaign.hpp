#pragma once
// Campaigns over MPI: `mpirun -np R p2p run STUDY.toml`. Rank 0 plans (prepares the folder,
// finds the runs an earlier attempt finished), then hands the runs out one at a time to whichever
// rank asks next, itself included on a thread of its own, so a long run never leaves the other
// ranks idle. Every rank writes its runs' folders straight into the campaign folder (which must
// be on a filesystem every rank sees) and sends rank 0 the metrics; rank 0 writes runs.csv and
// aggregate.csv. The folder is byte for byte the one `p2p run --jobs 1` writes.
#include <optional>
#include <string>

#include "experiment/campaign.hpp"

namespace p2p::experiment {

// MPI_Init_thread (only the main thread calls MPI) on construction, MPI_Finalize on destruction.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Whether `ok` holds on every rank.
  bool all(bool ok) const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Every rank calls it with the campaign it loaded (the same study) once all of them have one.
// On rank 0 it returns the result once every run is done, throws std::invalid_argument when the
// folder cannot be used and std::runtime_error (naming the rank and the run) when a run failed;
// on a stop (Ctrl-C, SIGTERM, or a rank killed, which makes the launcher stop the others) it
// ends the process with exit_stopped, the finished runs kept for a resume. The other ranks
// return nullopt: rank 0 alone reports.
std::optional<CampaignResult> run_campaign_mpi(const MpiSession& mpi, const Campaign& campaign,
                                               const CampaignSettings& settings);

}  // namespace p2p::experiment
