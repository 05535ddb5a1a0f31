// A program of its own that links the installed p2p and adds a join rule none of the built-ins
// is: `sqrt_degree` accepts a JOIN_REQ with probability 1/sqrt(degree+1), between the seed's
// 1/(degree+1) and always. With no arguments it simulates small networks under that rule and two
// built-in ones and prints one row per run; with arguments it is the full `p2p` command line with
// the rule added (`custom_rule sim --rule sqrt_degree`, `custom_rule compare --rules
// seed,sqrt_degree`, `custom_rule --help`).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <p2p/protocol/config.hpp>
#include <p2p/protocol/join_rule.hpp>
#include <p2p/protocol/walk_rule.hpp>
#include <p2p/runner/cli.hpp>
#include <p2p/sim/network.hpp>
#include <p2p/sim/scenario.hpp>

namespace {

// A walk like inverse_degree's (never back to the newcomer, never a second link to a peer), with a
// gentler acceptance: high-degree nodes refuse less often than under 1/(degree+1).
class SqrtDegree final : public p2p::WalkRule {
 public:
  using WalkRule::WalkRule;
  static p2p::RuleInfo info() {
    return {"sqrt_degree",
            "accept with 1/sqrt(degree+1) on a walk (examples/custom_rule)",
            {p2p::WalkRule::walk_warmup()},
            {}};
  }
  bool accepts(p2p::NodeContext& node, const p2p::JoinHop& request) const override {
    const double u = node.rng().uniform();
    return eligible(node, request) && u < 1.0 / std::sqrt(static_cast<double>(node.degree() + 1));
  }
};

struct Row {
  std::string rule;  // the canonical spec, every parameter spelled out
  std::uint64_t seed = 0;
  std::size_t links = 0;
  double mean_degree = 0;
  std::size_t max_degree = 0;
  double largest_component_fraction = 0;
  double flood_coverage = 0;
};

// The default scenario of `p2p sim --nodes N --seed S --rule R`: node 0 the entry, a newcomer
// every 10 ms, then one chat message flooded from a random node.
Row simulate(const std::string& spec, std::uint32_t nodes, std::uint64_t seed) {
  p2p::Config config;
  config.rule = p2p::parse_join_rule(spec, config.max_hops);
  p2p::sim::NetworkOptions options;
  options.seed = seed;
  p2p::sim::Network net(config, options);
  const p2p::sim::Scenario scenario = p2p::sim::Scenario::growth(nodes, 10 * p2p::kMillisecond);
  const p2p::sim::ScenarioResult result = p2p::sim::run_scenario(net, scenario, seed);

  Row row;
  row.rule = p2p::to_string(config.rule);
  row.seed = seed;
  // The seed's rule can link two nodes twice; count each pair once, as the report does.
  auto links = net.links();
  links.erase(std::unique(links.begin(), links.end()), links.end());
  std::vector<std::size_t> degree(net.size(), 0);
  for (const auto& [a, b] : links) {
    ++degree[a];
    ++degree[b];
  }
  row.links = links.size();
  row.mean_degree = 2.0 * static_cast<double>(links.size()) / static_cast<double>(net.size());
  row.max_degree = *std::max_element(degree.begin(), degree.end());
  row.largest_component_fraction = p2p::sim::sample_topology(net).largest_component_fraction;
  const p2p::sim::FloodStats* flood = result.flooded ? net.flood(result.flood_id) : nullptr;
  if (flood != nullptr && flood->reachable > 0)
    row.flood_coverage =
        static_cast<double>(flood->deliveries) / static_cast<double>(flood->reachable);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  p2p::register_rule<SqrtDegree>();
  if (argc > 1) return p2p::cli::main(argc, argv);

  constexpr std::uint32_t kNodes = 2000;
  const std::vector<std::string> rules{"sqrt_degree", "inverse_degree", "random_walk"};
  std::cout << kNodes << " nodes, the default scenario of `p2p sim`\n"
            << std::left << std::setw(34) << "rule" << std::right << std::setw(5) << "seed"
            << std::setw(8) << "links" << std::setw(13) << "mean_degree" << std::setw(12)
            << "max_degree" << std::setw(19) << "largest_component" << std::setw(16)
            << "flood_coverage" << '\n';
  for (const std::string& rule : rules) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      const Row row = simulate(rule, kNodes, seed);
      std::cout << std::left << std::setw(34) << row.rule << std::right << std::setw(5) << row.seed
                << std::setw(8) << row.links << std::fixed << std::setprecision(4) << std::setw(13)
                << row.mean_degree << std::setw(12) << row.max_degree << std::setw(19)
                << row.largest_component_fraction << std::setw(16) << row.flood_coverage << '\n';
    }
  }
  return 0;
}
