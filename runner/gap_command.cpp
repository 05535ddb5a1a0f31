// `p2p gap REAL_DIR SIM_DIR`: the reality gap between a testbed's runs and the simulator's, metric
// by metric (experiment/gap.hpp), printed and written to gap.csv.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "analysis/report.hpp"
#include "experiment/gap.hpp"
#include "experiment/output_folder.hpp"
#include "run_flags.hpp"

namespace p2p::runner {
namespace {
namespace ex = p2p::experiment;

struct GapFlags {
  std::string real;
  std::string sim;
  std::string out;  // default: REAL_DIR
  bool quiet = false;
};

std::string cell(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

void print_gap(const std::vector<ex::GapRow>& rows) {
  std::printf("%-28s %22s %22s %9s %9s\n", "metric", "real (95% CI)", "sim (95% CI)", "diff", "p");
  for (const ex::GapRow& g : rows) {
    auto iv = [](const ex::Interval& s) {
      return s.runs == 0 ? std::string("-")
                         : cell(s.mean) + " [" + cell(s.ci95_low) + "," + cell(s.ci95_high) + "]";
    };
    std::printf("%-28s %22s %22s %9s %9s\n", g.metric.c_str(), iv(g.real).c_str(),
                iv(g.sim).c_str(), cell(g.difference).c_str(), cell(g.p_value).c_str());
  }
}

void run_gap(const GapFlags& f) {
  const auto real = as_usage([&] { return ex::read_runs(f.real); });
  const auto sim = as_usage([&] { return ex::read_runs(f.sim); });
  const auto rows = ex::compute_gap(real, sim);
  const std::filesystem::path out = std::filesystem::path(f.out.empty() ? f.real : f.out);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw UsageError("--out: cannot create " + out.string() + ": " + ec.message());
  try {
    ex::write_file(out / "gap.csv", ex::gap_csv(rows));
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  if (f.quiet) return;
  print_gap(rows);
  std::cerr << "p2p gap: " << real.size() << " real runs, " << sim.size()
            << " simulated runs; wrote " << (out / "gap.csv").string() << "\n";
}

}  // namespace

void add_gap_command(CLI::App& app) {
  auto flags = std::make_shared<GapFlags>();
  CLI::App* cmd = app.add_subcommand(
      "gap",
      "The reality gap: each metric of a testbed's runs (REAL_DIR, from `p2p testbed`) against "
      "the simulator's (SIM_DIR, from `p2p sim --seeds`), with means, 95% confidence intervals "
      "and Welch's t-test, and the degree distribution's total variation distance with a "
      "chi-square test. Prints the table and writes gap.csv. See docs/reality-gap.md.");
  cmd->add_option("REAL_DIR", flags->real, "A testbed run folder, or a folder of seed=S/ runs")
      ->required();
  cmd->add_option("SIM_DIR", flags->sim, "A simulator run folder, or a folder of seed=S/ runs")
      ->required();
  cmd->add_option("--out,-o", flags->out, "Folder for gap.csv (default: REAL_DIR)");
  cmd->add_flag("--quiet,-q", flags->quiet, "Print nothing but errors");
  cmd->callback([flags] { run_gap(*flags); });
}

}  // namespace p2p::runner
