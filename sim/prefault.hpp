#pragma once
// Fresh memory faulted in on another core, just ahead of where the simulation writes.
//
// The node array is reserved for every planned node and first written as nodes join. Each fresh
// page costs a fault and the kernel's zeroing of it, and in a virtual machine often a fault of
// the host's too: at a million nodes, the zeroing under the nodes' first writes was 4-6% of the
// run's CPU time (the array is 192 MB), taken on the simulation's own core. A helper thread asks
// the kernel to map the pages a little ahead of the last node written (MADV_POPULATE_WRITE maps
// pages without writing them), so that the simulation finds them in place. It keeps no further
// ahead than kLead, so a run that stops early holds no more memory than before. It only maps
// pages: nothing it does changes what the memory holds, so the output does not depend on it.
// With one core to run on it would only take turns with the simulation, so it is not started.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

namespace p2p::sim {

class Prefault {
 public:
  // How far ahead of the last byte written the helper maps pages.
  static constexpr std::size_t kLead = std::size_t{32} << 20;

  Prefault() = default;
  Prefault(const Prefault&) = delete;
  Prefault& operator=(const Prefault&) = delete;
  // The helper goes with the memory it works on (a moved vector keeps its storage).
  Prefault(Prefault&&) noexcept = default;
  Prefault& operator=(Prefault&& other) noexcept;
  ~Prefault() { stop(); }

  // Starts mapping [data, data + bytes) on a helper thread, kLead ahead of what written() last
  // said, replacing any range asked for before; does nothing for a range smaller than kLead,
  // with one usable core, or off Linux.
  void start(void* data, std::size_t bytes);
  // The first `bytes` of the range have been written (or are about to be): the helper may map up
  // to kLead beyond them. Cheap enough to call for every node.
  void written(std::size_t bytes) {
    if (state_) state_->written.store(bytes, std::memory_order_relaxed);
  }
  // Returns once the helper has stopped (at its next step, a huge page at most).
  void stop();
  // Whether a helper was started and has not been stopped.
  bool running() const { return thread_.joinable(); }

  // Whether this process may run on more than one core (its affinity mask).
  static bool more_than_one_core();

 private:
  struct State {
    std::atomic<std::size_t> written{0};
  };
  std::unique_ptr<State> state_;  // where the thread reads; declared first, so it goes last
  std::jthread thread_;
};

}  // namespace p2p::sim
