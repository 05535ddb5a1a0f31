#include "experiment/stop.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

namespace p2p::experiment {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set in a signal handler");

extern "C" void on_stop_signal(int) {
  if (g_stop.exchange(true)) _exit(kStoppedExitCode);
}

}  // namespace

void install_stop_handlers() {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
}

bool stop_requested() {
  return g_stop.load(std::memory_order_relaxed);
}

void request_stop() {
  g_stop.store(true);
}

void clear_stop() {
  g_stop.store(false);
}

void throw_if_stopped() {
  if (stop_requested()) throw Stopped();
}

void exit_stopped(const std::string& message) {
  std::cout.flush();
  std::cerr << message << std::endl;
  std::_Exit(kStoppedExitCode);
}

}  // namespace p2p::experiment
