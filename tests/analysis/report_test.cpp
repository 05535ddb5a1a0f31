#include "analysis/report.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>

#include "test_graphs.hpp"

namespace p2p::analysis {
namespace {

using testing::cycle;
using testing::random_graph;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, double> as_map(const Report& r) {
  return {r.summary.begin(), r.summary.end()};
}

class ReportFiles : public ::testing::Test {
 protected:
  std::filesystem::path dir(const std::string& name) {
    const auto base = std::filesystem::temp_directory_path() /
                      ("p2p_report_test_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(base);
    made_.push_back(base);
    return base;
  }
  void TearDown() override {
    for (const auto& d : made_) std::filesystem::remove_all(d);
  }

 private:
  std::vector<std::filesystem::path> made_;
};

TEST(FormatNumber, PrintsIntegersPlainAndRealsShortestRoundTrip) {
  EXPECT_EQ(format_number(34), "34");
  EXPECT_EQ(format_number(0.5706384782076823), "0.5706384782076823");
  EXPECT_EQ(format_number(-0.25), "-0.25");
  for (double x : {0.1, 1.0 / 3, 2.408199643493761, 1e-300, 123456789.125}) {
    const std::string s = format_number(x);
    double back = 0;
    std::from_chars(s.data(), s.data() + s.size(), back);
    EXPECT_EQ(back, x) << s;
  }
}

TEST(Report, SummaryFollowsTheContractOrder) {
  const Report r = compute_report(cycle(30), ReportOptions{});
  std::vector<std::string> names;
  for (const auto& row : r.summary) names.push_back(row.first);
  const std::vector<std::string> required{"nodes",
                                          "edges",
                                          "min_degree",
                                          "mean_degree",
                                          "max_degree",
                                          "average_clustering",
                                          "transitivity",
                                          "components",
                                          "largest_component_fraction",
                                          "isolated_nodes",
                                          "bridges",
                                          "articulation_points",
                                          "mean_shortest_path",
                                          "diameter",
                                          "algebraic_connectivity"};
  std::size_t at = 0;
  for (const auto& name : names) {
    if (at < required.size() && name == required[at]) ++at;
  }
  EXPECT_EQ(at, required.size()) << "missing or out of order: " << required[at];
}

TEST(Report, OmitsMetricsThatDoNotApply) {
  // Three isolated nodes: no edges, so no assortativity, no paths, no spectrum.
  const auto s = as_map(compute_report(Graph::from_edges(3, {}), ReportOptions{}));
  EXPECT_EQ(s.at("isolated_nodes"), 3);
  EXPECT_EQ(s.at("components"), 3);
  EXPECT_EQ(s.count("degree_assortativity"), 0u);
  EXPECT_EQ(s.count("mean_shortest_path"), 0u);
  EXPECT_EQ(s.count("diameter"), 0u);
  EXPECT_EQ(s.count("algebraic_connectivity"), 0u);
  // A regular graph has degrees but no assortativity.
  EXPECT_EQ(as_map(compute_report(cycle(8), ReportOptions{})).count("degree_assortativity"), 0u);
}

TEST(Report, ResilienceHalfFractionsAreInTheSummary) {
  const auto s = as_map(compute_report(testing::star(9), ReportOptions{}));
  EXPECT_DOUBLE_EQ(s.at("degree_removal_half_fraction"), 0.1);
  EXPECT_GT(s.at("random_removal_half_fraction"), 0.0);
}

TEST_F(ReportFiles, SameGraphAndSeedGiveIdenticalBytes) {
  const Graph g = random_graph(2000, 5000, 9);
  ReportOptions options;
  options.seed = 42;
  options.exact_path_limit = 100;  // exercise the sampled path too
  const auto a = dir("a");
  const auto b = dir("b");
  write_report(a, g, compute_report(g, options));
  write_report(b, g, compute_report(g, options));
  for (const char* f :
       {"summary.csv", "degree_distribution.csv", "edges.csv", "nodes.csv", "resilience.csv"}) {
    const std::string bytes = slurp(a / f);
    EXPECT_FALSE(bytes.empty()) << f;
    EXPECT_EQ(bytes, slurp(b / f)) << f;
  }
  options.seed = 43;
  const auto c = dir("c");
  write_report(c, g, compute_report(g, options));
  EXPECT_NE(slurp(a / "resilience.csv"), slurp(c / "resilience.csv"));
}

TEST_F(ReportFiles, EveryThreadCountGivesIdenticalBytes) {
  const Graph g = random_graph(3000, 7000, 4);
  ReportOptions options;
  options.exact_path_limit = 500;  // several batches of sampled sources
  options.path_samples = 200;
  std::string first_dir;
  for (unsigned threads : {1u, 2u, 4u}) {
    options.threads = threads;
    const auto out = dir("threads" + std::to_string(threads));
    write_report(out, g, compute_report(g, options));
    if (first_dir.empty()) {
      first_dir = out.string();
      continue;
    }
    for (const char* f :
         {"summary.csv", "degree_distribution.csv", "edges.csv", "nodes.csv", "resilience.csv"}) {
      EXPECT_EQ(slurp(out / f), slurp(std::filesystem::path(first_dir) / f))
          << f << " with " << threads << " threads";
    }
  }
}

TEST_F(ReportFiles, WritesTidyFilesWithLabels) {
  const std::vector<Edge> e{{1, 0}, {2, 1}, {0, 2}, {3, 3}};
  const Graph g = Graph::from_edges(4, e);
  const std::vector<std::string> labels{"a", "b", "c", "d"};
  const auto out = dir("labels");
  write_report(out, g, compute_report(g, ReportOptions{}), labels);
  EXPECT_EQ(slurp(out / "edges.csv"), "source,target\na,b\na,c\nb,c\n");
  EXPECT_EQ(slurp(out / "degree_distribution.csv"), "degree,count\n0,1\n2,3\n");
  const std::string nodes = slurp(out / "nodes.csv");
  EXPECT_EQ(nodes.substr(0, nodes.find('\n')),
            "node,degree,clustering,component,core_number,articulation_point");
  EXPECT_NE(nodes.find("\nd,0,0,1,0,0\n"), std::string::npos);
  const std::string summary = slurp(out / "summary.csv");
  EXPECT_EQ(summary.substr(0, 28), "metric,value\nnodes,4\nedges,3");
  EXPECT_NE(summary.find("\nself_loops_dropped,1\n"), std::string::npos);
  const std::string resilience = slurp(out / "resilience.csv");
  EXPECT_EQ(std::count(resilience.begin(), resilience.end(), '\n'), 1 + 2 * 101);
}

TEST_F(ReportFiles, RefusesAReportOfAnotherGraph) {
  const Report r = compute_report(cycle(5), ReportOptions{});
  EXPECT_THROW(write_report(dir("mismatch"), cycle(6), r), std::invalid_argument);
}

TEST(Report, PrintsAnAlignedTable) {
  std::ostringstream os;
  print_summary(os, compute_report(cycle(5), ReportOptions{}));
  std::istringstream lines(os.str());
  std::string line;
  std::size_t width = 0;
  while (std::getline(lines, line)) {
    if (width == 0) width = line.size();
    EXPECT_EQ(line.size(), width) << line;
  }
  EXPECT_NE(os.str().find("diameter"), std::string::npos);
}

TEST(Report, CallsProgressForEachPhase) {
  ReportOptions options;
  std::vector<std::string> phases;
  options.progress = [&phases](const std::string& phase) { phases.push_back(phase); };
  compute_report(cycle(40), options);
  ASSERT_GE(phases.size(), 2u);
  EXPECT_NE(phases.front().find("clustering"), std::string::npos);
  EXPECT_NE(phases.back().find("resilience"), std::string::npos);
}

TEST(Report, SaysOnceWhenAlgebraicConnectivityIsSkippedAndHowToAsk) {
  ReportOptions options;
  options.spectral_limit = 20;
  const Report r = compute_report(cycle(30), options);
  EXPECT_EQ(as_map(r).count("algebraic_connectivity"), 0u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].metric, "algebraic_connectivity");
  std::ostringstream os;
  print_summary(os, r);
  const std::string text = os.str();
  const auto at = text.find("algebraic_connectivity skipped");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(text.find("algebraic_connectivity skipped", at + 1), std::string::npos);
  EXPECT_NE(text.find("--spectral-up-to 30"), std::string::npos) << text;

  options.spectral_limit = 30;  // at the limit it is computed, and nothing is said
  const Report computed = compute_report(cycle(30), options);
  EXPECT_NEAR(as_map(computed).at("algebraic_connectivity"),
              2 * (1 - std::cos(2 * std::numbers::pi / 30)), 1e-9);
  EXPECT_TRUE(computed.skipped.empty());
  options.spectral = false;  // asked not to compute it: nothing to say either
  EXPECT_TRUE(compute_report(cycle(30), options).skipped.empty());
}

}  // namespace
}  // namespace p2p::analysis
