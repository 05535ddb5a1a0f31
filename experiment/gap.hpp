#pragma once
// The reality gap: the same scenario measured by `p2p testbed` (real peers) and by `p2p sim`,
// metric by metric over seeds. Scalar metrics get each side's mean and 95% interval and Welch's
// two-sample t-test; the degree distribution gets its total variation distance and a chi-square
// test of homogeneity, with the distance two simulator seeds show anyway as the yardstick.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "experiment/stats.hpp"

namespace p2p::experiment {

// One output folder as the gap reads it.
struct MeasuredRun {
  std::filesystem::path dir;
  std::map<std::string, double> metrics;           // summary.csv plus the derived ones (gap.cpp)
  std::map<std::uint64_t, std::uint64_t> degrees;  // degree -> nodes
};

// The run folders under `dir`: `dir` itself when it holds summary.csv, else every sub-folder that
// does, by name. Throws std::invalid_argument (one line) when there is none or a file is bad.
std::vector<MeasuredRun> read_runs(const std::filesystem::path& dir);

struct GapRow {
  std::string metric;
  Interval real, sim;
  double difference = 0;           // real mean - sim mean (a distance for a distribution)
  double relative_difference = 0;  // over the sim mean; NaN when it is 0
  std::string test;                // "welch_t", "chi_square"
  double statistic = 0;
  double p_value = 0;  // NaN when the test does not apply (one run a side, no variance)
};

// Total variation distance between two histograms (each normalised to 1).
double total_variation(const std::map<std::uint64_t, std::uint64_t>& a,
                       const std::map<std::uint64_t, std::uint64_t>& b);
// Chi-square test of homogeneity of two histograms; adjacent bins are merged until each merged
// bin expects at least 5 in both. Returns (statistic, p-value); p is NaN with fewer than 2 bins.
std::pair<double, double> chi_square(const std::map<std::uint64_t, std::uint64_t>& a,
                                     const std::map<std::uint64_t, std::uint64_t>& b);
// Welch's t-test of equal means: (t, two-sided p). p is 1 for two equal constants, NaN with
// fewer than 2 values a side.
std::pair<double, double> welch_t(const std::vector<double>& a, const std::vector<double>& b);

std::vector<GapRow> compute_gap(const std::vector<MeasuredRun>& real,
                                const std::vector<MeasuredRun>& sim);
std::string gap_csv(const std::vector<GapRow>& rows);

}  // namespace p2p::experiment
