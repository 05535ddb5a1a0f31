// The cost of packets that cross ranks in a windowed simulation (docs/distributed.md): at the end
// of each conservative window every rank packs the events it generated for other ranks' nodes
// (64 bytes each: time, target, sender, the sender's sequence number, the packet), exchanges them,
// unpacks what it received, and learns the next window's start (the least next-event time over
// ranks). Timed per window for batch sizes that span the window statistics (about 25 crossing
// events per rank pair in the default join phase on 2 ranks, 2,500 in the high-arrival-rate one,
// 600,000 at a flood's peak), three ways:
//   alltoallv  MPI_Alltoall of the counts, MPI_Alltoallv of the events, then MPI_Allreduce of
//              the next-event time: three collectives per window;
//   p2p        one message per rank pair: MPI_Isend of the batch behind a header carrying the
//              sender's least next time (its queue's and its outgoing events'), MPI_Probe for
//              its size, MPI_Recv; every rank takes the least header, so no collective;
//   copy       the packing and unpacking alone (a memcpy in place of MPI): the floor.
// Per batch size: the median of 9 repeats of the mean window time, and the cost per crossing
// event, (window(n) - window(0)) / (n (R - 1)), n being the events one rank sends to each other
// rank (every rank sends and receives its share at the same time).
//
//   mpirun -np 2 build/bench/mpi_crossing [SIZES...]
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// One crossing event as it would travel: 64 bytes, ordered by (time, sender, sequence).
struct Event {
  std::int64_t time;
  std::uint32_t target;
  std::uint32_t sender;
  std::uint64_t sequence;
  std::uint8_t packet[40];
};
static_assert(sizeof(Event) == 64);

struct Exchange {
  int rank = 0, size = 1;
  std::vector<Event> out, in, batch;
  std::vector<int> send_counts, recv_counts, send_bytes, recv_bytes, send_at, recv_at;
  std::uint64_t checksum = 0;  // keeps the unpacking from being optimised away

  // Packs `n` events for every other rank, as a window's sends would be appended.
  void pack(std::size_t n, std::int64_t window) {
    out.resize(n * static_cast<std::size_t>(size - 1));
    std::size_t k = 0;
    for (int to = 0; to < size; ++to) {
      if (to == rank) continue;
      for (std::size_t i = 0; i < n; ++i, ++k) {
        Event& e = out[k];
        e.time = window + static_cast<std::int64_t>(i % 4000);
        e.target = static_cast<std::uint32_t>(to + size * static_cast<int>(i));
        e.sender = static_cast<std::uint32_t>(rank);
        e.sequence = k;
        std::memset(e.packet, static_cast<int>(i), sizeof e.packet);
      }
    }
  }
  void unpack() {
    for (const Event& e : in)
      checksum += static_cast<std::uint64_t>(e.time) ^ e.sequence ^ e.target;
  }

  void alltoallv(std::size_t n) {
    send_counts.assign(static_cast<std::size_t>(size), static_cast<int>(n));
    send_counts[static_cast<std::size_t>(rank)] = 0;
    recv_counts.assign(static_cast<std::size_t>(size), 0);
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    send_bytes.resize(send_counts.size());
    recv_bytes.resize(send_counts.size());
    send_at.resize(send_counts.size());
    recv_at.resize(send_counts.size());
    int s = 0, r = 0;
    for (std::size_t i = 0; i < send_counts.size(); ++i) {
      send_bytes[i] = send_counts[i] * static_cast<int>(sizeof(Event));
      recv_bytes[i] = recv_counts[i] * static_cast<int>(sizeof(Event));
      send_at[i] = s;
      recv_at[i] = r;
      s += send_bytes[i];
      r += recv_bytes[i];
    }
    in.resize(static_cast<std::size_t>(r) / sizeof(Event));
    MPI_Alltoallv(out.data(), send_bytes.data(), send_at.data(), MPI_BYTE, in.data(),
                  recv_bytes.data(), recv_at.data(), MPI_BYTE, MPI_COMM_WORLD);
  }

  // The batch to each rank goes behind a header event whose time is this rank's least next time.
  std::int64_t point_to_point(std::size_t n, std::int64_t next) {
    std::vector<MPI_Request> sent;
    batch.resize((n + 1) * static_cast<std::size_t>(size));
    std::size_t k = 0;
    for (int to = 0; to < size; ++to) {
      if (to == rank) continue;
      // Header and batch as one message: the header goes in front of the batch's slot.
      Event* at = batch.data() + static_cast<std::size_t>(to) * (n + 1);
      at->time = next;
      std::memcpy(static_cast<void*>(at + 1), out.data() + k, n * sizeof(Event));
      sent.emplace_back();
      MPI_Isend(at, static_cast<int>((n + 1) * sizeof(Event)), MPI_BYTE, to, 0, MPI_COMM_WORLD,
                &sent.back());
      k += n;
    }
    in.clear();
    std::int64_t least = next;
    for (int from = 0; from < size; ++from) {
      if (from == rank) continue;
      MPI_Status st;
      MPI_Probe(from, 0, MPI_COMM_WORLD, &st);
      int bytes = 0;
      MPI_Get_count(&st, MPI_BYTE, &bytes);
      const std::size_t at = in.size();
      in.resize(at + static_cast<std::size_t>(bytes) / sizeof(Event));
      MPI_Recv(in.data() + at, bytes, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      least = std::min(least, in[at].time);
    }
    MPI_Waitall(static_cast<int>(sent.size()), sent.data(), MPI_STATUSES_IGNORE);
    return least;
  }

  // One window's end: pack, exchange, unpack, learn the next window's start.
  void window(std::size_t n, const char* how, std::int64_t w) {
    pack(n, w);
    const std::int64_t mine = w + 10000 + rank;
    if (std::strcmp(how, "p2p") == 0) {
      point_to_point(n, mine);
    } else if (std::strcmp(how, "copy") == 0) {
      in.resize(out.size());
      std::memcpy(static_cast<void*>(in.data()), out.data(), out.size() * sizeof(Event));
    } else {
      alltoallv(n);
      std::int64_t least = 0;
      MPI_Allreduce(&mine, &least, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
    }
    unpack();
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  Exchange x;
  MPI_Comm_rank(MPI_COMM_WORLD, &x.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &x.size);
  std::vector<std::size_t> sizes{0, 1, 25, 250, 2500, 25000, 250000, 600000};
  if (argc > 1) {
    sizes.clear();
    for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  }
  if (x.rank == 0)
    std::printf(
        "ranks,exchange,events_per_pair,windows,window_us_median,window_us_min,window_us_max,"
        "ns_per_event\n");
  for (const char* how : {"alltoallv", "p2p", "copy"}) {
    double empty_us = 0;
    for (const std::size_t n : sizes) {
      // About 0.1 s per repeat on shared memory: many windows when small, a few when large.
      const int windows = static_cast<int>(
          std::clamp<std::size_t>(2'000'000 / std::max<std::size_t>(n, 1), 3, 2000));
      std::vector<double> per_window;
      x.window(n, how, 0);  // first touch of the buffers
      for (int repeat = 0; repeat < 9; ++repeat) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double start = MPI_Wtime();
        for (int w = 0; w < windows; ++w) x.window(n, how, w * 10000LL);
        per_window.push_back((MPI_Wtime() - start) / windows * 1e6);
      }
      const double m = median(per_window);
      if (n == 0) empty_us = m;
      if (x.rank == 0)
        std::printf("%d,%s,%zu,%d,%.2f,%.2f,%.2f,%.1f\n", x.size, how, n, windows, m,
                    *std::min_element(per_window.begin(), per_window.end()),
                    *std::max_element(per_window.begin(), per_window.end()),
                    n > 0 ? (m - empty_us) * 1e3 / static_cast<double>(n * (x.size - 1)) : 0.0);
      std::fflush(stdout);
    }
  }
  // The checksum is printed to stderr so the unpacking is real work the compiler must keep.
  if (x.checksum == 42)
    std::fprintf(stderr, "checksum %llu\n", static_cast<unsigned long long>(x.checksum));
  MPI_Finalize();
  return 0;
}
