#include "sim/scenario_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace p2p::sim {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.toml");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioFile, ReadsEveryPhase) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const ScenarioFile f = parse_scenario(R"(
# a hand-written scenario
end_s = 300
sample_every_s = 5
join_requests = 3
max_hops = 32
final_flood = false

[latency]
model = "lognormal"
mu = 3.5
sigma = 0.4
min_ms = 1
max_ms = 500
loss = 0.01

[[arrivals]]
count = 1000
interval_ms = 10
session = { distribution = "pareto", scale_s = 60, shape = 1.5 }
crash_fraction = 0.25
detection_delay_s = 4

[[arrivals]]
at_s = 50
count = 200
rate_per_s = 20
entry = "random"

[[churn]]
at_s = 60
until_s = 120
session = { distribution = "weibull", scale_s = 30, shape = 0.8 }
replace = false

[[mass_failure]]
at_s = 150
fraction = 0.2
order = "degree"
departure = "graceful"

[[partition]]
at_s = 200
until_s = 220
fraction = 0.3

[[broadcasts]]
at_s = 100
until_s = 200
rate_per_s = 0.5
process = "fixed"
text = "ping"

[snapshots]
at_s = [250, 100]
)",
                                        "s.toml");
  const Scenario& s = f.scenario;
  EXPECT_EQ(s.end, 300 * kSecond);
  EXPECT_EQ(s.sample_every, 5 * kSecond);
  EXPECT_FALSE(s.final_flood);
  EXPECT_EQ(f.join_requests, 3);
  EXPECT_EQ(f.max_hops, 32);
  ASSERT_TRUE(f.latency);
  EXPECT_EQ(f.latency->kind, LatencyKind::LogNormal);
  EXPECT_EQ(f.latency->max, 500 * kMillisecond);
  EXPECT_DOUBLE_EQ(*f.loss, 0.01);
  ASSERT_EQ(s.arrivals.size(), 2u);
  EXPECT_EQ(s.arrivals[0].interval, 10 * kMillisecond);
  EXPECT_TRUE(s.arrivals[0].has_sessions);
  EXPECT_EQ(s.arrivals[0].sessions.length.kind, Distribution::Kind::Pareto);
  EXPECT_DOUBLE_EQ(s.arrivals[0].sessions.crash_fraction, 0.25);
  EXPECT_EQ(s.arrivals[0].sessions.detection, 4 * kSecond);
  EXPECT_DOUBLE_EQ(s.arrivals[1].rate, 20);
  EXPECT_TRUE(s.arrivals[1].random_entry);
  ASSERT_EQ(s.churn.size(), 1u);
  EXPECT_FALSE(s.churn[0].replace);
  EXPECT_EQ(s.churn[0].sessions.length.kind, Distribution::Kind::Weibull);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_TRUE(s.failures[0].by_degree);
  EXPECT_FALSE(s.failures[0].crash);
  ASSERT_EQ(s.partitions.size(), 1u);
  EXPECT_EQ(s.partitions[0].until, 220 * kSecond);
  ASSERT_EQ(s.broadcasts.size(), 1u);
  EXPECT_FALSE(s.broadcasts[0].poisson);
  EXPECT_EQ(s.broadcasts[0].text, "ping");
  EXPECT_EQ(s.snapshots, (std::vector<Time>{100 * kSecond, 250 * kSecond}));
}

TEST(ScenarioFile, UnknownKeyNamesItsLine) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const std::string e = error_of("end_s = 5\n\n[[arrivals]]\ncount = 3\ncuont = 4\n");
  EXPECT_NE(e.find("s.toml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("'cuont'"), std::string::npos) << e;
}

TEST(ScenarioFile, BadValueNamesKeyAndLine) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const std::string e = error_of("[[mass_failure]]\nat_s = 1\nfraction = 1.5\n");
  EXPECT_NE(e.find("s.toml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("'fraction'"), std::string::npos) << e;
  const std::string e2 =
      error_of("[[churn]]\nuntil_s = 9\nsession = { distribution = \"zipf\" }\n");
  EXPECT_NE(e2.find("s.toml:3:"), std::string::npos) << e2;
  EXPECT_NE(e2.find("zipf"), std::string::npos) << e2;
}

TEST(ScenarioFile, MissingRequiredKeyIsNamed) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const std::string e = error_of("[[partition]]\nat_s = 1\n");
  EXPECT_NE(e.find("'until_s'"), std::string::npos) << e;
  EXPECT_NE(e.find("required"), std::string::npos) << e;
}

TEST(ScenarioFile, SyntaxErrorNamesItsLine) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const std::string e = error_of("end_s = 5\nsample_every_s = = 3\n");
  EXPECT_EQ(e.rfind("s.toml:2:", 0), 0u) << e;
}

TEST(SiteMatrix, ReadsASquareTableAndRefusesARagged) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto good = dir / "p2p_sites_good.csv", bad = dir / "p2p_sites_bad.csv";
  std::ofstream(good) << "# sites\n1, 80\n80, 2.5\n";
  std::ofstream(bad) << "1,2\n3\n";
  const SiteMatrix m = load_site_matrix(good);
  EXPECT_EQ(m.count, 2u);
  EXPECT_EQ(m.between(0, 1), 80 * kMillisecond);
  EXPECT_EQ(m.between(1, 1), 2500);
  try {
    load_site_matrix(bad);
    ADD_FAILURE() << "a ragged matrix was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace p2p::sim

namespace p2p::sim {
namespace {

TEST(ScenarioFile, NamesTheRuleLimitsSizeAndSeeds) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const ScenarioFile f = parse_scenario(R"(rule = "hyparview"
min_connections = 2
max_connections = 9
nodes = 300
arrival_interval_ms = 5
seeds = "1..4"
resilience_runs = 3
)",
                                        "s.toml");
  EXPECT_EQ(f.rule, "hyparview");
  EXPECT_EQ(f.min_connections, 2);
  EXPECT_EQ(f.max_connections, 9);
  EXPECT_EQ(f.nodes, 300u);
  EXPECT_EQ(f.arrival_interval, 5 * kMillisecond);
  EXPECT_EQ(f.seeds, "1..4");
  EXPECT_EQ(f.resilience_runs, 3);
  EXPECT_FALSE(f.has_sweep);
  EXPECT_TRUE(parse_scenario("[sweep]\nrule = [\"seed\"]\n", "s.toml").has_sweep);
}

TEST(ScenarioFile, NamesTheAnalysisOptions) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const ScenarioFile f = parse_scenario(R"(paths = false
exact_paths_up_to = 500
path_samples = 32
spectral = false
spectral_up_to = 100
)",
                                        "s.toml");
  EXPECT_EQ(f.paths, false);
  EXPECT_EQ(f.exact_paths_up_to, 500u);
  EXPECT_EQ(f.path_samples, 32u);
  EXPECT_EQ(f.spectral, false);
  EXPECT_EQ(f.spectral_up_to, 100u);
  EXPECT_FALSE(parse_scenario("nodes = 5\n", "s.toml").spectral_up_to.has_value());
  EXPECT_NE(error_of("path_samples = 0\n").find("path_samples"), std::string::npos);
  EXPECT_NE(error_of("spectral = 3\n").find("true or false"), std::string::npos);
}

TEST(ScenarioFile, APhaseAfterTheEndIsAnError) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  EXPECT_NE(
      error_of("end_s = 10\n[[mass_failure]]\nat_s = 11\nfraction = 0.1\n").find("after end_s"),
      std::string::npos);
  EXPECT_NE(error_of("end_s = 10\n[snapshots]\nat_s = [5, 20]\n").find("after end_s"),
            std::string::npos);
  EXPECT_EQ(error_of("end_s = 10\n[[mass_failure]]\nat_s = 10\nfraction = 0.1\n"), "");
  EXPECT_NE(error_of("nodes = 5\n[[arrivals]]\ncount = 3\n").find("not both"), std::string::npos);
  EXPECT_NE(error_of("arrival_interval_ms = 5\n").find("needs nodes"), std::string::npos);
}

TEST(ScenarioFile, AFolderOrAMissingFileSaysWhy) {
  if (!scenario_files_supported()) GTEST_SKIP() << "built without toml++";
  const auto dir = std::filesystem::temp_directory_path();
  try {
    load_scenario(dir);
    FAIL() << "a folder was read as a scenario";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder"), std::string::npos) << e.what();
  }
  try {
    load_scenario(dir / "p2p-no-such-scenario.toml");
    FAIL() << "a missing file was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace p2p::sim
