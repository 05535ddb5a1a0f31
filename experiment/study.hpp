#pragma once
// Study files: one TOML file names a whole experiment. It is a scenario file (docs/simulator.md)
// that may also name the rule, the node's limits, the network's size, the seeds, and a [sweep]
// over any of its keys: a grid (each key a list of values, every combination) or listed points
// ([[sweep.points]], each a table of keys). See docs/output.md for the campaign it writes.
#include <filesystem>
#include <string>

#include "experiment/campaign.hpp"

namespace p2p::experiment {

// Reads and checks the whole study, every point included, before anything runs. Throws
// std::invalid_argument with a one-line message naming the file (and the point).
Campaign load_study(const std::filesystem::path& path);
// The same from the file's text, as if read from `name` (files it names are found beside it).
Campaign load_study_text(const std::string& name, const std::string& text);

}  // namespace p2p::experiment
