#pragma once
// The processes of a testbed: `p2p peer` children with a pipe to each one's standard input and
// one from its standard output. Every child dies with the testbed (the kernel kills it when its
// parent goes, however the parent ends) and the destructor kills and reaps whatever still runs,
// so no exit path, an exception or Ctrl-C included, leaves a peer behind.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace p2p::runner {

class PeerProcesses {
 public:
  PeerProcesses() = default;
  ~PeerProcesses();
  PeerProcesses(const PeerProcesses&) = delete;
  PeerProcesses& operator=(const PeerProcesses&) = delete;

  // Starts `argv` (argv[0] the executable's path); returns its number. Throws std::runtime_error
  // with the system's reason.
  std::size_t spawn(const std::vector<std::string>& argv);
  // Writes one line to the child's standard input; false when it is gone.
  bool send(std::size_t i, std::string_view line);
  // SIGKILL: a crash, without a word to anyone.
  void kill(std::size_t i);
  bool running(std::size_t i) const { return children_[i].pid > 0; }
  std::size_t size() const { return children_.size(); }
  // Waits up to `timeout` for output and hands each complete line to `on_line`. Returns early on a
  // signal (the caller checks for a stop request).
  void poll(std::chrono::milliseconds timeout,
            const std::function<void(std::size_t, std::string_view)>& on_line);
  // Kills and reaps every child; safe to call twice.
  void stop_all();

 private:
  struct Child {
    pid_t pid = -1;
    int in = -1;   // we write
    int out = -1;  // we read
    std::string partial;
  };
  std::vector<Child> children_;
};

// The descriptors a testbed of `peers` needs, raised to that if the hard limit allows; throws
// std::invalid_argument with a one-line reason when it does not, or when the process limit is
// below the number of peers.
void ensure_descriptors(std::size_t peers);

}  // namespace p2p::runner
