#pragma once
// The one thread pool: independent tasks on worker threads, each writing only its own slot, so
// results never depend on the number of threads.
#include <cstddef>
#include <functional>

namespace p2p::experiment {

// The number of threads for `tasks` tasks: `jobs`, or one per core when 0, never more than tasks.
unsigned resolve_jobs(unsigned jobs, std::size_t tasks);

// Calls task(i) for every i in [0, n) on resolve_jobs(jobs, n) threads; once a stop is requested
// (stop.hpp) no new task starts. After every thread has finished, the exception of the failed
// task with the lowest index, if any, is rethrown.
void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& task);

}  // namespace p2p::experiment
