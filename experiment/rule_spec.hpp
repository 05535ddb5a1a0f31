#pragma once
// A join rule as the experiment layer sees it: a spec string ("fixed:p=0.3"). This is the one
// place that hands specs to the protocol, so the rest of the layer never depends on how a rule
// is represented.
#include <memory>
#include <string>
#include <vector>

#include "protocol/config.hpp"
#include "sim/rule_mix.hpp"

namespace p2p::experiment {

// Parses `spec` into config.rule (config.max_hops is updated when the spec names max_hops).
// Throws std::invalid_argument with a one-line message for an unknown or bad spec, or a rule the
// simulator cannot run to an end.
void apply_rule(const std::string& spec, Config& config);
// The canonical spec with every parameter the rule reads.
std::string canonical_rule(const Config& config);
// A spec naming several rules joined by '+', each with an optional share of the nodes after '@'
// ("seed+hyparview@20%"): the mix, or null for a single rule without a share (then apply_rule).
std::shared_ptr<const sim::RuleMix> parse_rule_mix(const std::string& spec, const Config& base);
// The mix's canonical spec: every rule's canonical spec with its share.
std::string canonical_mix(const sim::RuleMix& mix);
// Rule specs from arguments holding comma-separated specs, where a piece without ':' but with
// '=' is one more parameter of the rule before it: "fixed:p=0.5,warmup=2,mh_walk" is two rules.
// No argument: every built-in rule with its defaults.
std::vector<std::string> split_rule_list(const std::vector<std::string>& args);

// The rule names, comma-separated, for help texts.
std::string known_rules();

}  // namespace p2p::experiment
