// The pieces of campaigns beyond one process: slices, manifests read back, metrics sent as text,
// and the omitted-metric column of runs.csv.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "experiment/campaign.hpp"
#include "experiment/manifest.hpp"
#include "experiment/study.hpp"

namespace p2p::experiment {
namespace {
namespace fs = std::filesystem;

Campaign small_study() {
  return load_study_text("dist.toml",
                         "seeds = \"1..3\"\nnodes = 40\nresilience_runs = 1\n"
                         "[sweep]\nrule = [\"seed\", \"hyparview\"]\n"
                         "nodes = [40, 50]\n");
}

TEST(Shard, SlicesPartitionTheRunsRoundRobin) {
  const Campaign c = small_study();
  ASSERT_EQ(c.points.size() * c.seeds.size(), 12u);
  for (std::size_t n : {1u, 2u, 5u, 12u, 13u}) {
    std::set<std::size_t> seen;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t run : shard_runs(c, {i, n})) {
        EXPECT_EQ(run % n, i);
        EXPECT_TRUE(seen.insert(run).second) << run << " twice with N=" << n;
      }
    EXPECT_EQ(seen.size(), 12u) << "N=" << n;
  }
  EXPECT_EQ(shard_runs(c, {1, 5}), (std::vector<std::size_t>{1, 6, 11}));
}

TEST(Shard, ParsesIOfN) {
  EXPECT_EQ(parse_shard("1/1").count, 1u);
  EXPECT_EQ(parse_shard("3/8").index, 2u);
  EXPECT_EQ(parse_shard("3/8").count, 8u);
  for (const char* bad : {"0/3", "4/3", "3", "/3", "1/", "a/b", "1/0", "-1/3", "1/3x", "2 /3"})
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
}

TEST(Manifest, ReadsBackWhatItWrites) {
  Campaign c = small_study();
  Manifest m = folder_manifest(c, {1, 3});
  m.file_text += "\n# quotes \" backslash \\ tab \t bell \x07 done";
  const std::string json = to_json(m);
  std::string version;
  const Manifest back = manifest_from_json(json, &version);
  EXPECT_EQ(version, p2p_version());
  EXPECT_EQ(back.shard, "2/3");
  EXPECT_EQ(back.file_text, m.file_text);
  EXPECT_EQ(back.options, m.options);
  EXPECT_EQ(back.point, m.point);
  EXPECT_EQ(to_json(back), json);
  // Another version's manifest reads back, and says whose it is.
  std::string older = json;
  older.replace(older.find(p2p_version()), p2p_version().size(), "0.0.9");
  manifest_from_json(older, &version);
  EXPECT_EQ(version, "0.0.9");
  // Anything to_json would not write is refused.
  for (std::string bad : {std::string("{}x"), json.substr(0, json.size() - 3), std::string("[1]"),
                          json + "{", std::string("")})
    EXPECT_THROW(manifest_from_json(bad), std::invalid_argument) << bad;
  std::string extra = json;
  extra.insert(2, "  \"extra\": \"1\",\n");
  EXPECT_THROW(manifest_from_json(extra), std::invalid_argument);
}

TEST(Metrics, TravelAsTextExactly) {
  const Metrics m{{"nodes", 40}, {"tiny", 1e-300}, {"third", 1.0 / 3}, {"neg", -2.5e17}};
  EXPECT_EQ(parse_metrics(format_metrics(m)), m);
  EXPECT_TRUE(parse_metrics("").empty());
  for (const char* bad : {"x", "=1", "x=", "x=1y", "x=1\ny"})
    EXPECT_THROW(parse_metrics(bad), std::invalid_argument) << bad;
}

TEST(RunsCsv, AnOmittedMetricIsSaidPerRun) {
  Campaign c = load_study_text("o.toml", "seeds = \"1..2\"\nnodes = 40\n");
  ASSERT_EQ(c.points.size(), 1u);
  c.points[0].description.settings.analysis.spectral_limit = 30;
  CampaignResult r;
  // Seed 1: the largest component (36 nodes) is above the limit, so the metric is absent.
  r.runs.push_back({{"nodes", 40}, {"largest_component_fraction", 0.9}, {"mean_degree", 3}});
  // Seed 2: under it (20 nodes), measured.
  r.runs.push_back({{"nodes", 40},
                    {"largest_component_fraction", 0.5},
                    {"mean_degree", 3},
                    {"algebraic_connectivity", 0.25}});
  const std::string csv = runs_csv(c, r);
  std::istringstream in(csv);
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(header,
            "seed,nodes,largest_component_fraction,mean_degree,algebraic_connectivity,omitted");
  EXPECT_NE(first.find(",,\"algebraic_connectivity omitted: the largest component has 36 "
                       "nodes, above --spectral-up-to 30\""),
            std::string::npos)
      << first;
  EXPECT_EQ(second, "2,40,0.5,3,0.25,");
  // With nothing omitted the column is not there at all.
  r.runs[0].emplace_back("algebraic_connectivity", 0.1);
  c.points[0].description.settings.analysis.spectral_limit = 100;
  EXPECT_EQ(runs_csv(c, r).find("omitted"), std::string::npos);
}

TEST(RunsCsv, ASliceHoldsItsOwnRunsOnly) {
  Campaign c = load_study_text("s.toml", "seeds = \"1..4\"\nnodes = 40\n");
  CampaignResult r;
  for (int k = 0; k < 4; ++k) r.runs.push_back({{"nodes", 40.0 + k}});
  r.included = shard_runs(c, {1, 2});
  EXPECT_EQ(runs_csv(c, r), "seed,nodes\n2,41\n4,43\n");
  const Interval s = point_interval(c, r, 0, "nodes");
  EXPECT_EQ(s.runs, 2u);
  EXPECT_DOUBLE_EQ(s.mean, 42);
}

}  // namespace
}  // namespace p2p::experiment
