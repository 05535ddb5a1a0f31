#pragma once
// Output folders that never mix two runs and are never left half-written. A run writes into a
// temporary ".NAME.partial" folder that is moved into place when complete; a folder whose
// manifest.json differs from the run's (or that holds files but no manifest) is refused unless
// forced, and forcing removes only what p2p owns.
#include <filesystem>
#include <string>
#include <string_view>

namespace p2p::experiment {

// Whether `entry` (a name inside an output folder) is something p2p writes there.
bool owned_by_p2p(const std::filesystem::path& entry);

enum class FolderState {
  Fresh,    // empty (or emptied by force): nothing to reuse
  SameRun,  // its manifest.json equals the run's: finished parts may be reused
};

// Creates `out` with its parents and checks that a file can be written there, before any work.
// Throws std::invalid_argument (one line, with the system's reason) when it cannot, or when the
// folder holds another run's output and `force` is false.
FolderState prepare_output(const std::filesystem::path& out, const std::string& manifest_json,
                           bool force);

// Where a run whose final folder is `dir` writes until it is complete.
std::filesystem::path partial_path(const std::filesystem::path& dir);
// Moves the complete run in `partial` to `dir`: one rename when `dir` does not exist, else entry
// by entry with manifest.json last. `partial` is gone afterwards.
void commit_folder(const std::filesystem::path& partial, const std::filesystem::path& dir);

// Writes `text` to `path` through a temporary file renamed over it, so a reader sees the old
// bytes or the new ones. Throws std::runtime_error with the system's reason.
void write_file(const std::filesystem::path& path, std::string_view text);
// The file's bytes; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace p2p::experiment
