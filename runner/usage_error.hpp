#pragma once
// Invalid user input (a flag value, a file): caught in main, printed as one line, exit code 2.
#include <stdexcept>

namespace p2p::runner {
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace p2p::runner
