#include "sim/prefault.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>

#if defined(__linux__)
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace p2p::sim {
namespace {

constexpr std::size_t kStep = std::size_t{2} << 20;  // a huge page

#if defined(__linux__)
// Linux 5.14 and later; older kernels refuse it (EINVAL) and the helper stops.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#endif

}  // namespace

Prefault& Prefault::operator=(Prefault&& other) noexcept {
  stop();
  state_ = std::move(other.state_);
  thread_ = std::move(other.thread_);
  return *this;
}

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
  if (data == nullptr || bytes < kLead || !more_than_one_core()) return;
  state_ = std::make_unique<State>();
  // madvise takes whole pages: from the page holding `data` to the end of the page holding its
  // last byte.
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto base = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = base / page * page;
  const std::uintptr_t end = base + bytes;
  thread_ = std::jthread([state = state_.get(), page, base, first, end](std::stop_token stop) {
    std::uintptr_t at = first;
    while (at < end && !stop.stop_requested()) {
      const std::uintptr_t upto =
          std::min(end, base + state->written.load(std::memory_order_relaxed) + kLead);
      const std::uintptr_t ahead = (upto + page - 1) / page * page;
      if (at >= ahead) {
        // Far enough ahead. The default scenario writes about 50 MB of nodes a second at a
        // million nodes; where nodes come faster the simulation faults some pages in itself.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const std::size_t len = static_cast<std::size_t>(std::min(ahead - at, kStep));
      // EINTR or EAGAIN: that step is left to the simulation's own faults. Anything else (an old
      // kernel, memory short): the simulation faults the rest in as it goes.
      if (madvise(reinterpret_cast<void*>(at), len, MADV_POPULATE_WRITE) != 0 && errno != EINTR &&
          errno != EAGAIN)
        return;
      at += len;
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
