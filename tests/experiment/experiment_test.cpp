// The experiment layer's parts: CSV quoting, seed ranges, Student's t, the thread pool, manifests,
// output folders, run descriptions and single runs.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "experiment/csv.hpp"
#include "experiment/description.hpp"
#include "experiment/manifest.hpp"
#include "experiment/metrics.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/parallel.hpp"
#include "experiment/run.hpp"
#include "experiment/seeds.hpp"
#include "experiment/stats.hpp"

namespace p2p::experiment {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("p2p-experiment-test-" + name);
  fs::remove_all(d);
  return d;
}

void touch(const fs::path& p, const std::string& text = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Csv, QuotesFieldsWithCommasQuotesAndLineBreaks) {
  EXPECT_EQ(csv_field("seed"), "seed");
  EXPECT_EQ(csv_field("fixed:p=0.5,warmup=2"), "\"fixed:p=0.5,warmup=2\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("a\nb"), "\"a\nb\"");
  CsvWriter w({"rule", "x"});
  w.text("a,b").number(0.1 + 0.2).end_row();
  w.text("c").number(std::nan("")).end_row();
  EXPECT_EQ(w.str(), "rule,x\n\"a,b\",0.30000000000000004\nc,\n");
  EXPECT_EQ(split_csv_line("\"a,b\",\"x\"\"y\",3"), (std::vector<std::string>{"a,b", "x\"y", "3"}));
}

TEST(Csv, NumbersAreShortestRoundTrip) {
  EXPECT_EQ(csv_number(0.4894), "0.4894");
  EXPECT_EQ(csv_number(3), "3");
  EXPECT_EQ(std::stod(csv_number(1.0 / 3)), 1.0 / 3);
}

TEST(SeedRange, ParsesRangesAndSingleSeeds) {
  EXPECT_EQ(parse_seed_range("3..5"), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(parse_seed_range("7"), (std::vector<std::uint64_t>{7}));
  for (const char* bad : {"5..2", "a..b", "1..", "-1", "0..100000", "", "1...3"})
    EXPECT_THROW(parse_seed_range(bad), std::invalid_argument) << bad;
  EXPECT_EQ(parse_seed_range("1..100000").size(), 100000u);
}

TEST(Stats, StudentTQuantilesMatchTheTables) {
  // Two-sided 95% quantiles as printed in every statistics table.
  EXPECT_NEAR(t95(1), 12.706, 1e-3);
  EXPECT_NEAR(t95(4), 2.776, 1e-3);
  EXPECT_NEAR(t95(30), 2.042, 1e-3);
  EXPECT_NEAR(t95(1000), 1.962, 1e-3);
}

TEST(Stats, SummarizeSkipsNaNAndGivesTheInterval) {
  const std::vector<double> xs{1, 2, 3, std::nan("")};
  const Interval s = summarize(xs);
  EXPECT_EQ(s.runs, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_DOUBLE_EQ(s.stddev, 1);
  EXPECT_NEAR(s.ci95_high - s.mean, t95(2) / std::sqrt(3.0), 1e-12);
  const Interval one = summarize(std::vector<double>{5});
  EXPECT_EQ(one.stddev, 0);
  EXPECT_EQ(one.ci95_low, 5);
}

TEST(Parallel, EveryTaskRunsOnceAndTheLowestFailureIsRethrown) {
  std::vector<std::atomic<int>> hits(100);
  parallel_for(100, 3, [&](std::size_t i) { ++hits[i]; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  try {
    parallel_for(50, 4, [](std::size_t i) {
      if (i == 7 || i == 30) throw std::runtime_error("task " + std::to_string(i));
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task 7");
  }
  EXPECT_EQ(resolve_jobs(8, 3), 3u);
  EXPECT_GE(resolve_jobs(0, 1000), 1u);
}

TEST(Manifest, IsValidJsonWithTheFileAndItsHash) {
  Manifest m;
  m.command = "p2p sim";
  m.options = {{"rule", "fixed:p=0.5"}, {"message", "say \"hi\"\n"}};
  m.seed = 7;
  m.file_name = "s.toml";
  m.file_text = "nodes = 3\n";
  const std::string json = to_json(m);
  EXPECT_NE(json.find("\"seed\": 7"), std::string::npos);
  EXPECT_NE(json.find("\"message\": \"say \\\"hi\\\"\\n\""), std::string::npos);
  EXPECT_NE(json.find(text_hash("nodes = 3\n")), std::string::npos);
  EXPECT_EQ(json, to_json(m));
  EXPECT_NE(text_hash("a"), text_hash("b"));
  EXPECT_EQ(text_hash(""), "cbf29ce484222325");  // FNV-1a's offset basis
}

TEST(OutputFolder, RefusesAnotherRunsFolderUnlessForcedAndForceKeepsForeignFiles) {
  const fs::path out = fresh_dir("folder");
  EXPECT_EQ(prepare_output(out, "A", false), FolderState::Fresh);
  write_file(out / "manifest.json", "A");
  touch(out / "summary.csv");
  touch(out / "snapshots" / "t=1" / "edges.csv");
  EXPECT_EQ(prepare_output(out, "A", false), FolderState::SameRun);
  EXPECT_THROW(prepare_output(out, "B", false), std::invalid_argument);
  touch(out / "notes.txt");
  EXPECT_EQ(prepare_output(out, "B", true), FolderState::Fresh);
  EXPECT_TRUE(fs::exists(out / "notes.txt"));
  EXPECT_FALSE(fs::exists(out / "summary.csv"));
  EXPECT_FALSE(fs::exists(out / "snapshots"));
  // Files but no manifest: someone else's folder.
  EXPECT_THROW(prepare_output(out, "B", false), std::invalid_argument);
  fs::remove_all(out);
}

TEST(OutputFolder, AFolderThatCannotBeMadeIsRefusedWithTheReason) {
  const fs::path file = fresh_dir("a-file");
  touch(file);
  try {
    prepare_output(file / "sub", "A", false);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
  }
  fs::remove(file);
}

TEST(OutputFolder, CommitMovesEverythingAndLeavesNoPartialFolder) {
  const fs::path out = fresh_dir("commit");
  const fs::path partial = partial_path(out / "run");
  touch(partial / "summary.csv", "new");
  touch(partial / "manifest.json", "M");
  commit_folder(partial, out / "run");
  EXPECT_EQ(read_file(out / "run" / "summary.csv"), "new");
  EXPECT_FALSE(fs::exists(partial));
  touch(out / "run" / "extra.txt");
  touch(partial / "summary.csv", "newer");
  touch(partial / "manifest.json", "M2");
  commit_folder(partial, out / "run");
  EXPECT_EQ(read_file(out / "run" / "summary.csv"), "newer");
  EXPECT_EQ(read_file(out / "run" / "manifest.json"), "M2");
  EXPECT_TRUE(fs::exists(out / "run" / "extra.txt"));
  fs::remove_all(out);
}

RunSettings small(std::uint32_t nodes = 120) {
  RunSettings s;
  s.nodes = nodes;
  s.analysis.resilience_runs = 1;
  return s;
}

TEST(Description, OptionsNameTheCanonicalRuleAndEverySetting) {
  RunSettings s = small();
  s.rule = "fixed";
  const RunDescription d = describe(s);
  const Options o = d.options();
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o[0].first, "rule");
  EXPECT_EQ(o[0].second.rfind("fixed:p=", 0), 0u) << o[0].second;
  s.rule = "nope";
  EXPECT_THROW(describe(s), std::invalid_argument);
  s.rule = "hyparview:shuffles=0";
  EXPECT_THROW(describe(s), std::invalid_argument);
  s.rule = "seed";
  s.latency_min_ms = 60;
  EXPECT_THROW(describe(s), std::invalid_argument);
}

TEST(Run, SameSeedSameSummaryAndEveryMetricIsDefined) {
  RunSettings s = small();
  s.comparison_measures = true;
  s.crash = 0.3;
  const RunDescription d = describe(s);
  const RunResult a = run(d, 4), b = run(d, 4);
  EXPECT_EQ(a.report.summary, b.report.summary);
  bool any_simulation_metric = false;
  for (const auto& [name, value] : a.report.summary) {
    if (find_metric(name)) any_simulation_metric = true;
    EXPECT_FALSE(std::isnan(value)) << name;
  }
  EXPECT_TRUE(any_simulation_metric);
  for (const char* m : {"flood_coverage", "degree_stddev", "entry_link_share", "lcc_after_crash"})
    EXPECT_FALSE(std::isnan(summary_value(a.report, m))) << m;
  EXPECT_EQ(summary_value(a.report, "duplicate_links"),
            summary_value(a.report, "duplicate_edges_dropped"));
}

// The report's graph, built from the network's link buckets after the network is freed, holds
// every link between live nodes once, under the live nodes' new ids, and counts each doubling.
// The oracle reads the network's links at the end through a map of pairs.
TEST(Run, TheGraphHoldsEveryLiveLinkOnceAndCountsTheDoubledOnes) {
  const std::string text =
      "nodes = 600\narrival_interval_ms = 10\n"
      "[[mass_failure]]\nat_s = 8\nfraction = 0.2\ndeparture = \"crash\"\ndetection_delay_s = 1\n";
  const sim::ScenarioFile file = sim::parse_scenario(text, "crash.toml");
  RunDescription d = describe(small(), file, "crash.toml", text);
  // A pair's fingerprint, summed exactly in a double's 53 bits.
  auto mix = [](std::uint64_t a, std::uint64_t b) {
    std::uint64_t x = (a << 32 | b) * 0x9E3779B97F4A7C15ull;
    return (x ^ (x >> 29)) >> 24;
  };
  auto oracle = [mix](const sim::Network& n, int what) {
    std::vector<std::uint64_t> rank(n.size(), 0);
    std::uint64_t next = 0;
    for (std::uint32_t i = 0; i < n.size(); ++i)
      if (n.alive(i)) rank[i] = next++;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> by_lower;
    for (std::uint32_t i = 0; i < n.size(); ++i) {
      if (!n.alive(i)) continue;
      n.for_each_peer(i, [&](std::uint32_t j) {
        if (j == i || !n.alive(j)) return;
        by_lower[{std::min(i, j), std::max(i, j)}] += i < j ? 1 : 0;
      });
    }
    std::uint64_t doubles = 0, print = 0;
    for (const auto& [pair, count] : by_lower) {
      doubles += count > 1 ? count - 1 : 0;
      print = (print + mix(rank[pair.first], rank[pair.second])) % (std::uint64_t{1} << 50);
    }
    return static_cast<double>(what == 0 ? by_lower.size() : what == 1 ? doubles : print);
  };
  for (int what = 0; what < 3; ++what)
    d.custom_metrics.push_back({"oracle_" + std::to_string(what), "", "",
                                [oracle, what](const sim::Network& n) { return oracle(n, what); }});
  const RunResult r = run(d, 3);
  std::uint64_t print = 0;
  for (analysis::NodeId v = 0; v < r.graph.node_count(); ++v)
    for (analysis::NodeId w : r.graph.neighbors(v))
      if (v < w) print = (print + mix(v, w)) % (std::uint64_t{1} << 50);
  EXPECT_LT(r.graph.node_count(), 600u);  // some crashed: the live nodes were renumbered
  EXPECT_EQ(r.labels.size(), r.graph.node_count());
  EXPECT_EQ(static_cast<double>(r.graph.edge_count()), summary_value(r.report, "oracle_0"));
  EXPECT_GT(summary_value(r.report, "oracle_1"), 0);  // the seed's rule doubles some links
  EXPECT_EQ(summary_value(r.report, "duplicate_edges_dropped"),
            summary_value(r.report, "oracle_1"));
  EXPECT_EQ(static_cast<double>(print), summary_value(r.report, "oracle_2"));
}

TEST(Run, SummaryDescribesTheNetworkAtTheEndTheScenarioSets) {
  const std::string text = "end_s = 3\nnodes = 400\narrival_interval_ms = 10\n";
  const sim::ScenarioFile file = sim::parse_scenario(text, "end.toml");
  const RunDescription d = describe(small(), file, "end.toml", text);
  const RunResult r = run(d, 1);
  EXPECT_EQ(summary_value(r.report, "virtual_time_s"), 3);
  // Arrivals run to 4 s: at 3 s some 300 nodes had arrived, and only they are in the graph.
  EXPECT_LT(summary_value(r.report, "nodes"), 320);
  EXPECT_GT(summary_value(r.report, "flood_time_s"), 3);
  ASSERT_FALSE(r.samples.empty());
  EXPECT_EQ(r.samples.back().time, 3 * kSecond);
}

TEST(Run, BroadcastReachingNobodyHasNoLatency) {
  // One node: the final flood reaches nobody.
  const RunDescription d = describe(small(1));
  const RunResult r = run(d, 1);
  const fs::path out = fresh_dir("lonely");
  write_run(out, r);
  const std::string csv = read_file(out / "broadcasts.csv");
  std::string row = csv.substr(csv.find('\n') + 1);
  row.pop_back();
  const std::vector<std::string> f = split_csv_line(row);
  ASSERT_EQ(f.size(), 14u) << csv;
  EXPECT_EQ(f[3], "0");  // reachable
  for (std::size_t i : {5, 8, 9, 10, 11, 12}) EXPECT_EQ(f[i], "") << i << ": " << csv;
  fs::remove_all(out);
}

TEST(Metrics, NamesAreUniqueAndDefined) {
  std::set<std::string_view> names;
  for (const MetricDefinition& m : simulation_metrics()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_FALSE(m.unit.empty()) << m.name;
    EXPECT_FALSE(m.definition.empty()) << m.name;
    EXPECT_EQ(find_metric(m.name), &m);
  }
  EXPECT_EQ(find_metric("no_such_metric"), nullptr);
}

TEST(Metrics, EveryDefinitionIsInTheOutputContract) {
  const std::string doc = read_file(fs::path(P2P_SOURCE_DIR) / "docs" / "output.md");
  ASSERT_FALSE(doc.empty());
  for (const MetricDefinition& m : simulation_metrics()) {
    std::string quoted(1, '`');
    quoted += m.name;
    quoted += '`';
    EXPECT_NE(doc.find(quoted), std::string::npos) << m.name;
  }
}

}  // namespace
}  // namespace p2p::experiment
