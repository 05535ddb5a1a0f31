#include "experiment/mpi_shard.hpp"

#include <mpi.h>

#include <chrono>
#include <ctime>
#include <stdexcept>
#include <vector>

namespace p2p::experiment {
namespace {

constexpr int kBatchTag = 0x5A0;
constexpr int kFinalTag = 0x5A1;

void check(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string("MPI failed to ") + what);
}

// The next message from `from` with `tag`, whatever its size.
std::string receive(int from, int tag) {
  MPI_Status st;
  check(MPI_Probe(from, tag, MPI_COMM_WORLD, &st), "probe");
  int size = 0;
  check(MPI_Get_count(&st, MPI_BYTE, &size), "size a message");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  check(MPI_Recv(bytes.data(), size, MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "receive");
  return bytes;
}

int byte_count(const std::string& s) {
  if (s.size() > static_cast<std::size_t>(INT32_MAX))
    throw std::runtime_error("a sharded run's message exceeds 2 GiB");
  return static_cast<int>(s.size());
}

}  // namespace

MpiShardExchange::MpiShardExchange(const MpiSession& mpi)
    : rank_(static_cast<std::uint32_t>(mpi.rank())),
      ranks_(static_cast<std::uint32_t>(mpi.size())) {}

void MpiShardExchange::exchange(sim::Network& net) {
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  ++windows_;
  net.begin_exchange();
  std::vector<std::string> out(ranks_);
  std::vector<MPI_Request> sent;
  for (std::uint32_t r = 0; r < ranks_; ++r) {
    if (r == rank_) continue;
    out[r] = net.batch_for(r);
    bytes_sent_ += out[r].size();
    sent.emplace_back();
    check(MPI_Isend(out[r].data(), byte_count(out[r]), MPI_BYTE, static_cast<int>(r), kBatchTag,
                    MPI_COMM_WORLD, &sent.back()),
          "send a batch");
  }
  for (std::uint32_t r = 0; r < ranks_; ++r)
    if (r != rank_) net.take_batch(receive(static_cast<int>(r), kBatchTag));
  check(MPI_Waitall(static_cast<int>(sent.size()), sent.data(), MPI_STATUSES_IGNORE),
        "complete the sends");
  exchange_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  exchange_cpu_seconds_ += static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
}

void MpiShardExchange::finish(sim::Network& net) {
  if (rank_ != 0) {
    const std::string part = net.final_part();
    check(MPI_Send(part.data(), byte_count(part), MPI_BYTE, 0, kFinalTag, MPI_COMM_WORLD),
          "send the run's part");
    return;
  }
  std::vector<std::string> parts;
  for (std::uint32_t r = 1; r < ranks_; ++r)
    parts.push_back(receive(static_cast<int>(r), kFinalTag));
  net.merge_final(parts);
}

std::string shard_refusal(const RunDescription& d) {
  auto no = [](const std::string& what) {
    return "--shard-network does not cover " + what + " yet";
  };
  if (d.mix) return no("a mix of rules");
  if (!d.custom_metrics.empty() || !d.custom_observers.empty())
    return no("custom metrics and observers");
  // Attackers' figures read every node's links during the analysis, which rank 0 does not hold.
  if (d.config.rule != nullptr && d.config.rule->traits().adversary) return no("attackers");
  if (d.settings.comparison_measures) return no("comparison measures");
  if (d.network.service_time > 0) return no("--service-time");
  if (d.network.latency.min <= 0)
    return "--shard-network needs a smallest link latency above zero: it is the window";
  return sim::sharding_refusal(d.scenario);
}

}  // namespace p2p::experiment
