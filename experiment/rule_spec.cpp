#include "experiment/rule_spec.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "protocol/join_rule.hpp"

namespace p2p::experiment {

void apply_rule(const std::string& spec, Config& config) {
  config.rule = parse_join_rule(spec, config.max_hops);
  // A minimum above the rule's cap, or a rule that would never let the simulation end.
  config.validate(/*simulated=*/true);
}

std::shared_ptr<const sim::RuleMix> parse_rule_mix(const std::string& spec, const Config& base) {
  if (spec.find('+') == std::string::npos && spec.find('@') == std::string::npos) return nullptr;
  std::vector<sim::RuleShare> items;
  std::stringstream pieces(spec);
  std::string piece;
  while (std::getline(pieces, piece, '+')) items.push_back(sim::parse_rule_share(piece));
  if (spec.empty() || spec.back() == '+') throw std::invalid_argument("'" + spec + "': empty rule");
  return std::make_shared<const sim::RuleMix>(sim::make_rule_mix(base, items, true));
}

std::string canonical_mix(const sim::RuleMix& mix) {
  std::string out;
  for (std::size_t g = 0; g < mix.configs.size(); ++g) {
    if (!out.empty()) out += '+';
    char share[32];
    std::snprintf(share, sizeof share, "%.10g", mix.shares[g]);
    out += to_string(mix.configs[g].rule) + "@" + share;
  }
  return out;
}

std::string canonical_rule(const Config& config) {
  return to_string(config.rule);
}

std::vector<std::string> split_rule_list(const std::vector<std::string>& args) {
  std::vector<std::string> rules;
  for (const std::string& arg : args) {
    std::stringstream pieces(arg);
    std::string piece;
    bool fresh = true;
    while (std::getline(pieces, piece, ',')) {
      if (!fresh && piece.find(':') == std::string::npos && piece.find('=') != std::string::npos)
        rules.back() += "," + piece;
      else
        rules.push_back(piece);
      fresh = false;
    }
  }
  if (rules.empty())
    rules = {"seed",
             "inverse_degree",
             "fixed:p=0.5",
             "random_walk:length=10",
             "degree_capped:d=8",
             "mh_walk:length=10",
             "hyparview"};
  return rules;
}

std::string known_rules() {
  return rule_names();
}

}  // namespace p2p::experiment
