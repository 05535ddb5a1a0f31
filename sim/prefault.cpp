#include "sim/prefault.hpp"

#include <cerrno>
#include <cstdint>

#if defined(__linux__)
#include <sched.h>
#include <sys/mman.h>
#endif

namespace p2p::sim {
namespace {

constexpr std::size_t kStep = std::size_t{2} << 20;  // a huge page
constexpr std::size_t kSmallest = 4 * kStep;  // below this the helper costs more than it saves

#if defined(__linux__)
// Linux 5.14 and later; older kernels refuse it (EINVAL) and the helper stops.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#endif

}  // namespace

bool Prefault::more_than_one_core() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
  return CPU_COUNT(&set) > 1;
#else
  return false;
#endif
}

void Prefault::start(void* data, std::size_t bytes) {
  stop();
#if defined(__linux__)
  if (data == nullptr || bytes < kSmallest || !more_than_one_core()) return;
  // madvise takes page-aligned addresses: start at the page holding `data`.
  const auto first = reinterpret_cast<std::uintptr_t>(data) & ~std::uintptr_t{4095};
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(data) + bytes;
  thread_ = std::jthread([first, end](std::stop_token stop) {
    for (std::uintptr_t at = first; at < end && !stop.stop_requested(); at += kStep) {
      const std::size_t len = static_cast<std::size_t>(end - at < kStep ? end - at : kStep);
      // EINTR or EAGAIN: that step is left to the simulation's own faults. Anything else (an old
      // kernel, memory short): the simulation faults the rest in as it goes.
      if (madvise(reinterpret_cast<void*>(at), len, MADV_POPULATE_WRITE) != 0 && errno != EINTR &&
          errno != EAGAIN)
        return;
    }
  });
#endif
}

void Prefault::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

}  // namespace p2p::sim
