#include "experiment/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "sim/network.hpp"

namespace p2p::experiment {

ProgressLine::ProgressLine(std::string command, bool enabled)
    : command_(std::move(command)), enabled_(enabled && isatty(STDERR_FILENO) != 0) {}

void ProgressLine::show(std::string_view text, bool force) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(250)) return;
  std::cerr << "\r\033[Kp2p " << command_ << ": " << text << std::flush;
  last_ = now;
  drawn_ = true;
}

void ProgressLine::clear() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (drawn_) std::cerr << "\r\033[K" << std::flush;
  drawn_ = false;
}

std::string simulation_progress(const sim::Network& net, Time planned_end, double wall_seconds) {
  std::ostringstream line;
  line << std::fixed << std::setprecision(1) << "simulating: virtual "
       << static_cast<double>(net.now()) / kSecond << " s";
  if (planned_end > 0) {
    const double frac =
        std::min(1.0, static_cast<double>(net.now()) / static_cast<double>(planned_end));
    const int bar = 20, full = static_cast<int>(frac * bar);
    line << " / " << static_cast<double>(planned_end) / kSecond << " s ["
         << std::string(static_cast<std::size_t>(full), '#')
         << std::string(static_cast<std::size_t>(bar - full), '.') << "]";
    if (frac > 0.01 && frac < 1) line << " ETA " << wall_seconds * (1 - frac) / frac << " s";
  }
  const double rate =
      static_cast<double>(net.counters().events) / std::max(wall_seconds, 1e-9) / 1e6;
  line << ", " << rate << " M events/s, " << net.pending() << " pending";
  return line.str();
}

}  // namespace p2p::experiment
