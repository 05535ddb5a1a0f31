#pragma once
// Fresh memory faulted in on another core while the simulation runs.
//
// The node array is reserved for every planned node and first written as nodes join. Each fresh
// page costs a fault and the kernel's zeroing of it, and in a virtual machine often a fault of
// the host's too: measured at a million nodes, the zeroing under the nodes' first writes was 4-6%
// of the run's CPU time (the array is 192 MB), taken on the simulation's own core. A helper thread
// asks the kernel to fault the reserved range in ahead of the joins (MADV_POPULATE_WRITE, which
// maps pages without writing them), so that the simulation finds them in place. It only maps
// pages: nothing it does changes what the memory holds, so the output does not depend on it.
// With one core to run on it would only take turns with the simulation, so it is not started.
#include <cstddef>
#include <thread>

namespace p2p::sim {

class Prefault {
 public:
  Prefault() = default;
  Prefault(const Prefault&) = delete;
  Prefault& operator=(const Prefault&) = delete;
  // The helper goes with the memory it works on (a moved vector keeps its storage).
  Prefault(Prefault&&) noexcept = default;
  Prefault& operator=(Prefault&&) noexcept = default;  // stops the helper it replaces
  ~Prefault() { stop(); }

  // Starts faulting in [data, data + bytes) on a helper thread, replacing any range asked for
  // before; does nothing below a few huge pages, with one usable core, or off Linux.
  void start(void* data, std::size_t bytes);
  // Returns once the helper has stopped (at its next step, a huge page).
  void stop();
  // Whether a helper was started and has not been stopped.
  bool running() const { return thread_.joinable(); }

  // Whether this process may run on more than one core (its affinity mask).
  static bool more_than_one_core();

 private:
  std::jthread thread_;
};

}  // namespace p2p::sim
