// `p2p merge DIR_1 ... DIR_N --out DIR`: the slices of a campaign (`p2p run --shard I/N`) as the
// folder one process would have written.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "experiment/merge.hpp"
#include "run_flags.hpp"

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;

struct MergeFlags {
  std::vector<std::string> slices;
  std::string out;
  bool force = false;
  bool quiet = false;
};

void merge(const MergeFlags& f) {
  std::vector<std::filesystem::path> dirs(f.slices.begin(), f.slices.end());
  const ex::MergeResult m = as_usage([&] {
    return ex::merge_shards(dirs, {f.out, 1, f.force, f.quiet, {}});
  });
  if (f.quiet) return;
  std::cerr << "p2p merge: " << dirs.size() << " slices, " << m.result.runs.size() << " runs ("
            << m.result.ran << " copied, " << m.result.skipped << " already there); wrote "
            << (std::filesystem::path(f.out) / "runs.csv").string() << " and "
            << (std::filesystem::path(f.out) / "aggregate.csv").string() << "\n";
}

}  // namespace

void add_merge_command(CLI::App& app) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Assemble the slices of a campaign (p2p run STUDY --shard I/N --out DIR_I) into the "
      "folder a single p2p run would have written, byte for byte; slices of different studies "
      "are refused. See docs/distributed.md.");
  cmd->add_option("SLICES", flags->slices, "The slice folders, all N of them, in any order")
      ->required();
  cmd->add_option("--out,-o", flags->out, "The campaign folder to write")->required();
  cmd->add_flag("--force", flags->force,
                "Reuse an --out folder holding another run's output, removing only the files "
                "p2p writes");
  cmd->add_flag("--quiet,-q", flags->quiet, "Print nothing but errors");
  cmd->callback([flags] { merge(*flags); });
}

}  // namespace p2p::runner
