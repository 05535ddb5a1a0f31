// The cost of one synchronisation between conservative windows: MPI_Allreduce of one 64-bit
// value (the next event time, the minimum over ranks), which a windowed simulation needs per
// window, timed over many rounds on the ranks mpirun starts. Prints the median of 9 repeats.
//
//   mpirun -np 2 build/bench/mpi_barrier [ROUNDS]
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 100000;
  std::vector<double> per_round;
  for (int repeat = 0; repeat < 9; ++repeat) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    long long mine = rank + repeat, least = 0;
    for (int i = 0; i < rounds; ++i)
      MPI_Allreduce(&mine, &least, 1, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    per_round.push_back((MPI_Wtime() - start) / rounds);
  }
  std::sort(per_round.begin(), per_round.end());
  if (rank == 0)
    std::printf("ranks,rounds,allreduce_us_median,min,max\n%d,%d,%.3f,%.3f,%.3f\n", size, rounds,
                per_round[4] * 1e6, per_round.front() * 1e6, per_round.back() * 1e6);
  MPI_Finalize();
  return 0;
}
