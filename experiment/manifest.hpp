#pragma once
// manifest.json: what made an output folder. The p2p version, the command, every resolved option,
// the seed, and the experiment or scenario file's own text with its hash. Nothing in it depends
// on the wall clock or the thread count, so the same run writes the same bytes; two folders hold
// the same run exactly when their manifests are equal, which is how a campaign resumes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2p::experiment {

using Options = std::vector<std::pair<std::string, std::string>>;

struct Manifest {
  std::string command;  // "p2p sim", "p2p run", ...
  Options options;      // resolved, in a fixed order
  Options point;        // the swept parameters of this run, if any
  std::optional<std::uint64_t> seed;
  std::string seeds;      // a campaign's seed range
  std::string file_name;  // the experiment or scenario file, as named on the command line
  std::string file_text;
  std::string shard{};  // "I/N" for slice I of N of a campaign (merge.hpp), else empty
};

std::string to_json(const Manifest& m);
// Reads back what to_json wrote (the p2p version aside, which goes to `version`). Throws
// std::invalid_argument when `json` is not a manifest that to_json writes byte for byte.
Manifest manifest_from_json(const std::string& json, std::string* version = nullptr);
// 64-bit FNV-1a of `text` as 16 hex digits: enough to tell a changed file from the same one.
std::string text_hash(std::string_view text);
std::string p2p_version();

}  // namespace p2p::experiment
