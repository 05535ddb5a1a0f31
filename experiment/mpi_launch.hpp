#pragma once
// Whether this process is one rank of an MPI job, told from the variables the launchers set for
// every rank (OpenMPI's mpirun, a PMIx or PMI launcher such as srun --mpi=pmix): needs no MPI
// library, so a build without MPI can refuse to run a campaign once per rank.
#include <cstdlib>
#include <string>

namespace p2p::experiment {

// The number of ranks the launcher started, 0 when none did.
inline int mpi_launch_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(var)) return std::atoi(v) > 0 ? std::atoi(v) : 1;
  for (const char* var : {"PMIX_RANK", "PMI_RANK"})
    if (std::getenv(var)) return 1;
  return 0;
}

}  // namespace p2p::experiment
