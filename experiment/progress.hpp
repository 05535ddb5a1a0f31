#pragma once
// The one progress line format, "p2p CMD: what is happening", redrawn in place on stderr at most
// four times a second. Nothing is drawn when stderr is not a terminal or the command is quiet, so
// a log or a pipe never holds carriage returns.
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "protocol/time.hpp"

namespace p2p::sim {
class Network;
}

namespace p2p::experiment {

class ProgressLine {
 public:
  // `command` is the subcommand's name ("sim"); drawn only if `enabled` and stderr is a terminal.
  ProgressLine(std::string command, bool enabled);
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  // Redraws the line with `text` unless it was drawn less than a quarter second ago (or `force`).
  void show(std::string_view text, bool force = false);
  void clear();

 private:
  std::string command_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
  std::mutex mutex_;
};

// "simulating: virtual 12.3 s / 20.0 s [#####.....] ETA 4.1 s, 1.2 M events/s, 310 pending"
std::string simulation_progress(const sim::Network& net, Time planned_end, double wall_seconds);

}  // namespace p2p::experiment
