#pragma once
// Stopping cleanly: Ctrl-C or SIGTERM sets a flag that the run in progress checks at its next
// batch of events, so it unwinds (removing its temporary folder) instead of dying mid-write.
#include <stdexcept>
#include <string>

namespace p2p::experiment {

inline constexpr int kStoppedExitCode = 130;  // the shell's code for a process ended by SIGINT

// Installs the SIGINT and SIGTERM handlers (once). A second signal ends the process at once.
void install_stop_handlers();
bool stop_requested();
void request_stop();
// Lowers the flag again, for a host process that goes on after a stopped run.
void clear_stop();

// Thrown out of a run when a stop was requested.
struct Stopped : std::runtime_error {
  Stopped() : std::runtime_error("stopped") {}
};
// Throws Stopped if a stop was requested.
void throw_if_stopped();

// Prints `message` as one line on stderr and ends the process with kStoppedExitCode.
[[noreturn]] void exit_stopped(const std::string& message);

}  // namespace p2p::experiment
