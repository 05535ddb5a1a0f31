// The reality gap's statistics against values scipy 1.10 gives for the same input
// (scipy.stats.chi2_contingency without correction, scipy.stats.ttest_ind(equal_var=False)).
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "experiment/gap.hpp"

namespace p2p::experiment {
namespace {

TEST(Gap, TotalVariationOfTwoHistograms) {
  // Shares 1/6, 1/3, 1/2 against 1/3 each: half the absolute differences is 1/6.
  EXPECT_NEAR(total_variation({{1, 10}, {2, 20}, {3, 30}}, {{1, 20}, {2, 20}, {3, 20}}), 1.0 / 6,
              1e-12);
  EXPECT_EQ(total_variation({{4, 7}}, {{4, 70}}), 0);
  EXPECT_NEAR(total_variation({{1, 5}}, {{2, 5}}), 1, 1e-12);
}

TEST(Gap, ChiSquareMatchesScipy) {
  const auto [stat, p] = chi_square({{1, 10}, {2, 20}, {3, 30}}, {{1, 20}, {2, 20}, {3, 20}});
  EXPECT_NEAR(stat, 5.333333333333334, 1e-9);
  EXPECT_NEAR(p, 0.0694834512228015, 1e-9);
}

TEST(Gap, ChiSquareMergesSparseBins) {
  // Degrees 7 and 8 expect under 5 each: merged with their neighbour, the test has two bins.
  const auto [stat, p] =
      chi_square({{1, 40}, {2, 40}, {7, 1}, {8, 1}}, {{1, 40}, {2, 40}, {7, 1}, {8, 1}});
  EXPECT_NEAR(stat, 0, 1e-12);
  EXPECT_NEAR(p, 1, 1e-12);
}

TEST(Gap, WelchMatchesScipy) {
  const auto [t, p] = welch_t({1, 2, 3, 4, 5}, {2, 4, 6, 8, 11});
  EXPECT_NEAR(t, -1.866277899263374, 1e-9);
  EXPECT_NEAR(p, 0.11499016052991887, 1e-9);
  EXPECT_TRUE(std::isnan(welch_t({1}, {1, 2}).second));
  EXPECT_EQ(welch_t({3, 3}, {3, 3}).second, 1);
}

TEST(Gap, ReadsSeedFoldersAndComparesThem) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("gap_test_" + std::to_string(::getpid()));
  auto write = [](const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  };
  for (int s = 1; s <= 2; ++s)
    for (const char* side : {"real", "sim"}) {
      const fs::path d = root / side / ("seed=" + std::to_string(s));
      const bool real = std::string(side) == "real";
      write(d / "summary.csv", "metric,value\nmean_degree," + std::to_string(real ? 4 + s : 5 + s) +
                                   "\njoin_request_hops,30\njoin_requests_accepted,10\n");
      write(d / "degree_distribution.csv",
            real ? "degree,count\n1,10\n2,10\n" : "degree,count\n2,20\n");
      write(d / "broadcasts.csv", "broadcast,latency_p50_ms\n0,10\n1,20\n");
    }
  const auto real = read_runs(root / "real");
  const auto sim = read_runs(root / "sim");
  ASSERT_EQ(real.size(), 2u);
  const auto rows = compute_gap(real, sim);
  fs::remove_all(root);
  auto find = [&](const std::string& m) {
    for (const GapRow& g : rows)
      if (g.metric == m) return g;
    ADD_FAILURE() << m << " missing";
    return GapRow{};
  };
  EXPECT_EQ(find("mean_degree").difference, -1);
  EXPECT_EQ(find("join_hops_per_accept").real.mean, 3);
  EXPECT_EQ(find("latency_p50_ms").sim.mean, 15);
  const GapRow tvd = find("degree_distribution_tvd");
  EXPECT_NEAR(tvd.difference, 0.5, 1e-12);
  EXPECT_NEAR(tvd.real.mean, 0.5, 1e-12);
  EXPECT_EQ(tvd.sim.mean, 0);
  EXPECT_THROW(read_runs(root / "nothing"), std::invalid_argument);
}

}  // namespace
}  // namespace p2p::experiment
