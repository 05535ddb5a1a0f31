#pragma once
// The rules that ship with p2p. Each lives in its own file and goes through the same interface
// and registry as a user's rule; this list only makes sure the linker keeps them.
#include <vector>

#include "protocol/join_rule.hpp"

namespace p2p {

RuleInfo seed_rule();
RuleInfo inverse_degree_rule();
RuleInfo fixed_rule();
RuleInfo random_walk_rule();
RuleInfo degree_capped_rule();
RuleInfo mh_walk_rule();
RuleInfo hyparview_rule();
// Attackers (adversary.hpp), for measuring the defences in a simulation.
RuleInfo flooder_rule();
RuleInfo eclipse_rule();
RuleInfo spoofer_rule();

inline std::vector<RuleInfo> builtin_rules() {
  std::vector<RuleInfo> out;
  out.push_back(seed_rule());
  out.push_back(inverse_degree_rule());
  out.push_back(fixed_rule());
  out.push_back(random_walk_rule());
  out.push_back(degree_capped_rule());
  out.push_back(mh_walk_rule());
  out.push_back(hyparview_rule());
  out.push_back(flooder_rule());
  out.push_back(eclipse_rule());
  out.push_back(spoofer_rule());
  return out;
}

}  // namespace p2p
