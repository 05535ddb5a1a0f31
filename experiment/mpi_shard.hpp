#pragma once
// One simulation split over MPI ranks: `mpirun -np R p2p sim --shard-network ...`. Node i lives on
// rank i mod R; the ranks advance in windows as long as the smallest link latency and meet at each
// window's end with one message per rank pair, the events that cross ranks behind a header
// holding the sender's least next time, so no collective is needed. Rank 0 ends with the whole
// network's counters, floods and links, and writes the folder the serial run writes, byte for
// byte (docs/distributed.md).
#include <cstdint>
#include <string>

#include "experiment/description.hpp"
#include "experiment/mpi_campaign.hpp"
#include "sim/scenario.hpp"

namespace p2p::experiment {

// The exchange over MPI_COMM_WORLD, with what it measured.
class MpiShardExchange final : public sim::ShardExchange {
 public:
  explicit MpiShardExchange(const MpiSession& mpi);
  std::uint32_t rank() const override { return rank_; }
  std::uint32_t ranks() const override { return ranks_; }
  void exchange(sim::Network& net) override;
  void finish(sim::Network& net) override;

  std::uint64_t windows() const { return windows_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  // Wall time spent in exchange() (packing, moving and unpacking, and waiting for the others).
  double exchange_seconds() const { return exchange_seconds_; }
  // This process's CPU time in exchange() (MPI polls while it waits).
  double exchange_cpu_seconds() const { return exchange_cpu_seconds_; }

 private:
  std::uint32_t rank_ = 0;
  std::uint32_t ranks_ = 1;
  std::uint64_t windows_ = 0;
  std::uint64_t bytes_sent_ = 0;
  double exchange_seconds_ = 0;
  double exchange_cpu_seconds_ = 0;
};

// Why `description` cannot be run split over ranks yet (one line), or empty when it can.
std::string shard_refusal(const RunDescription& description);

}  // namespace p2p::experiment
