#include "experiment/rule_spec.hpp"

#include <sstream>
#include <stdexcept>

#include "protocol/join_rule.hpp"

namespace p2p::experiment {

void apply_rule(const std::string& spec, Config& config) {
  config.rule = parse_join_rule(spec, config.max_hops);
  // The simulator runs until no event is left; a rule that shuffles forever would never let it
  // stop. Read from the canonical spec, not the rule's fields.
  const std::string canonical = to_string(config.rule);
  if (canonical.rfind("hyparview", 0) == 0 && (canonical.find(":shuffles=0") != std::string::npos ||
                                               canonical.find(",shuffles=0") != std::string::npos))
    throw std::invalid_argument("hyparview needs shuffles >= 1 in the simulator");
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
