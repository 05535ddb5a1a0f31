// Study files and campaigns: sweeps expand as written, the bytes do not depend on the thread
// count, and a second run reuses every finished run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "experiment/campaign.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/study.hpp"
#include "sim/observer.hpp"

namespace p2p::experiment {
namespace {
namespace fs = std::filesystem;

fs::path write_study(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "p2p-campaign-test";
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

std::string error_of(const fs::path& p) {
  try {
    load_study(p);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Study, AGridIsEveryCombinationFirstKeySlowest) {
  const Campaign c = load_study(write_study("grid.toml", R"(seeds = "2..3"
nodes = 50
resilience_runs = 1
[sweep]
rule = ["seed", "fixed:p=0.5"]
nodes = [30, 40, 50]
latency.max_ms = [50]
)"));
  EXPECT_EQ(c.parameters, (std::vector<std::string>{"rule", "nodes", "latency.max_ms"}));
  ASSERT_EQ(c.points.size(), 6u);
  EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(c.points[0].values[0].second, "seed");
  EXPECT_EQ(c.points[1].values[1].second, "40");
  EXPECT_EQ(c.points[3].values[0].second, "fixed:p=0.5");
  EXPECT_EQ(c.points[4].description.settings.nodes, 40u);
  EXPECT_EQ(c.points[4].description.settings.rule, "fixed:p=0.5");
  EXPECT_EQ(run_folder_name(c, 3, 2), "rule=fixed-p=0.5_nodes=30_latency.max_ms=50_seed=2");
}

TEST(Study, ListedPointsAndTheirOwnKeys) {
  const Campaign c = load_study(write_study("points.toml", R"(nodes = 50
[[sweep.points]]
rule = "seed"
[[sweep.points]]
rule = "hyparview"
join_requests = 2
)"));
  ASSERT_EQ(c.points.size(), 2u);
  EXPECT_EQ(c.parameters, (std::vector<std::string>{"rule", "join_requests"}));
  EXPECT_EQ(c.points[1].description.settings.join_requests, 2);
  EXPECT_EQ(c.points[0].description.settings.join_requests, 4);
  EXPECT_EQ(c.seeds, (std::vector<std::uint64_t>{1}));
}

TEST(Study, BadFilesSayWhereAndWhat) {
  EXPECT_NE(error_of(write_study("unknown.toml", "nodes = 5\nrulee = \"seed\"\n"))
                .find("unknown.toml:2: key 'rulee'"),
            std::string::npos);
  EXPECT_NE(error_of(write_study("badpoint.toml", "[sweep]\nrule = [\"seed\", \"nope\"]\n"))
                .find("rule=nope"),
            std::string::npos);
  EXPECT_NE(error_of(write_study("notalist.toml", "[sweep]\nnodes = 5\n")).find("list of values"),
            std::string::npos);
  EXPECT_NE(error_of(write_study("seeds.toml", "[sweep]\nseeds = [\"1\", \"2\"]\n")).find("seeds"),
            std::string::npos);
  EXPECT_NE(
      error_of(write_study("both.toml", "nodes = 5\n[[arrivals]]\ncount = 3\n")).find("nodes"),
      std::string::npos);
  EXPECT_NE(error_of(fs::temp_directory_path() / "p2p-no-such-study.toml").find("No such file"),
            std::string::npos);
}

TEST(Campaign, SameBytesWhateverTheThreadsAndASecondRunReusesEveryRun) {
  const Campaign c = load_study(write_study("small.toml", R"(seeds = "1..3"
nodes = 60
resilience_runs = 1
[sweep]
rule = ["seed", "inverse_degree"]
)"));
  const fs::path root = fs::temp_directory_path() / "p2p-campaign-test";
  fs::remove_all(root / "j1");
  fs::remove_all(root / "j3");
  const CampaignResult one = run_campaign(c, {root / "j1", 1, false, true});
  const CampaignResult three = run_campaign(c, {root / "j3", 3, false, true});
  EXPECT_EQ(one.ran, 6u);
  EXPECT_EQ(runs_csv(c, one), runs_csv(c, three));
  EXPECT_EQ(aggregate_csv(c, one), aggregate_csv(c, three));
  for (std::size_t p = 0; p < 2; ++p)
    for (std::uint64_t s = 1; s <= 3; ++s) {
      const std::string name = run_folder_name(c, p, s);
      EXPECT_EQ(read_file(root / "j1" / name / "edges.csv"),
                read_file(root / "j3" / name / "edges.csv"));
      EXPECT_EQ(read_file(root / "j1" / name / "manifest.json"),
                read_file(root / "j3" / name / "manifest.json"));
    }
  const CampaignResult again = run_campaign(c, {root / "j1", 2, false, true});
  EXPECT_EQ(again.skipped, 6u);
  EXPECT_EQ(again.ran, 0u);
  EXPECT_EQ(runs_csv(c, again), runs_csv(c, one));
  // A changed study is not mixed into the old folder.
  const Campaign changed = load_study(write_study("small.toml", R"(seeds = "1..3"
nodes = 61
resilience_runs = 1
[sweep]
rule = ["seed", "inverse_degree"]
)"));
  EXPECT_THROW(run_campaign(changed, {root / "j1", 1, false, true}), std::invalid_argument);
}

TEST(Campaign, ACustomMetricBecomesAColumn) {
  Campaign c =
      load_study(write_study("custom.toml", "seeds = \"1..2\"\nnodes = 40\nresilience_runs = 1\n"));
  c.points[0].description.custom_metrics.push_back(
      {"hub_degree", "links", "node 0's degree at the end",
       [](const sim::Network& n) { return static_cast<double>(n.node(0).degree()); }});
  const fs::path out = fs::temp_directory_path() / "p2p-campaign-test" / "custom";
  fs::remove_all(out);
  const CampaignResult r = run_campaign(c, {out, 1, false, true});
  const std::string csv = runs_csv(c, r);
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_TRUE(header.ends_with(",hub_degree")) << header;
  for (const Metrics& m : r.runs) {
    ASSERT_EQ(m.back().first, "hub_degree");
    EXPECT_GT(m.back().second, 0);
  }
  c.points[0].description.custom_metrics[0].name = "edges";
  fs::remove_all(out);
  EXPECT_THROW(run_campaign(c, {out, 1, false, true}), std::invalid_argument);
}

// Counts what it is fed; its columns must agree with the simulator's own counts.
struct Tally : sim::Observer {
  double messages = 0, deliveries = 0, accepted = 0, samples = 0;
  void on_send(const sim::Network&, std::uint32_t, std::uint32_t, const Packet& p) override {
    if (p.type == PacketType::Message) ++messages;
  }
  void on_deliver(const sim::Network&, std::uint32_t, const Deliver&) override { ++deliveries; }
  void on_note(const sim::Network&, std::uint32_t, const Note& n) override {
    if (n.kind == NoteKind::JoinAccepted) ++accepted;
  }
  void on_sample(const sim::Network&, const sim::TimeSample&) override { ++samples; }
};

TEST(Campaign, ACustomObserverSeesTheRunAndItsColumnsAppear) {
  Campaign c = load_study(
      write_study("observer.toml", "seeds = \"1..2\"\nnodes = 60\nresilience_runs = 1\n"));
  c.points[0].description.scenario.sample_every = 100 * kMillisecond;
  CustomObserver o;
  o.make = [] { return std::make_unique<Tally>(); };
  o.columns = {CustomObserver::column<Tally>("seen_messages", "count", "chat copies sent",
                                             [](const Tally& t) { return t.messages; }),
               CustomObserver::column<Tally>("seen_deliveries", "count", "first deliveries",
                                             [](const Tally& t) { return t.deliveries; }),
               CustomObserver::column<Tally>("seen_accepts", "count", "JOIN_REQs accepted",
                                             [](const Tally& t) { return t.accepted; }),
               CustomObserver::column<Tally>("seen_samples", "count", "samples taken",
                                             [](const Tally& t) { return t.samples; })};
  c.points[0].description.custom_observers.push_back(o);
  const fs::path out = fs::temp_directory_path() / "p2p-campaign-test" / "observer";
  fs::remove_all(out);
  const CampaignResult r = run_campaign(c, {out, 1, false, true});
  const std::string csv = runs_csv(c, r);
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_TRUE(header.ends_with(",seen_messages,seen_deliveries,seen_accepts,seen_samples"))
      << header;
  ASSERT_EQ(r.runs.size(), 2u);
  for (const Metrics& m : r.runs) {
    auto value = [&](std::string_view name) {
      for (const auto& [k, v] : m)
        if (k == name) return v;
      ADD_FAILURE() << "no " << name;
      return -1.0;
    };
    // The final flood is the only chat message, so the observer saw exactly its copies, and each
    // node but the origin delivered it once.
    EXPECT_GT(value("seen_messages"), 0);
    EXPECT_EQ(value("seen_messages"), value("flood_messages"));
    EXPECT_EQ(value("seen_deliveries"), value("flood_coverage") * 59);
    EXPECT_EQ(value("seen_accepts"), value("join_requests_accepted"));
    EXPECT_GT(value("seen_samples"), 1);
  }
}

}  // namespace
}  // namespace p2p::experiment
