#pragma once
// Networks that mix join rules: which share of the nodes runs which rule, and the topology and
// delivery figures split by group. `p2p sim --rule seed --rule hyparview@20%` and a scenario's
// [[rules]] tables both come here.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "sim/network.hpp"

namespace p2p::sim {

// One item of a mix: a rule spec and, optionally, its share of the nodes.
struct RuleShare {
  std::string spec;
  std::optional<double> share;  // in [0, 1]
};

// "hyparview@20%", "fixed:p=0.3@0.25", "seed". Throws std::invalid_argument (one line).
RuleShare parse_rule_share(std::string_view text);

// The Configs of a mix, each `base` with its own rule (and max_hops if the spec names it). Items
// without a share split what the others leave equally; shares must not exceed 1 in all, and
// must sum to 1 when every item has one. Every Config is validated.
struct RuleMix {
  std::vector<Config> configs;
  std::vector<double> shares;
  // For Network::set_groups; points into `configs`, so the mix must outlive the network.
  std::vector<NodeGroup> groups() const;
};
RuleMix make_rule_mix(const Config& base, std::span<const RuleShare> items, bool simulated);

// The live nodes of one group and what they hold.
struct GroupSummary {
  std::string rule;  // canonical spec
  double share = 0;
  std::uint64_t nodes = 0;
  std::uint64_t link_ends = 0;     // links held by the group's nodes (a link inside counts twice)
  std::uint64_t links_within = 0;  // links with both ends in the group
  std::uint64_t links_across = 0;  // links with one end in another group
  std::uint64_t isolated = 0;
  std::uint64_t min_degree = 0, max_degree = 0;
  double mean_degree = 0;
  // The last flood said through schedule_say: how many of the group's reachable nodes got it.
  std::uint64_t flood_reachable = 0, flood_deliveries = 0;
};
std::vector<GroupSummary> summarize_groups(const Network& net);

// What attackers (rules whose traits say adversary) do to the honest nodes of `net`; each NaN
// when it does not apply (no attacker in the network, or nothing honest to measure).
// - adversary_link_share: of the link ends honest live nodes hold towards live nodes, the share
//   whose far end is an attacker (a doubled link counts twice, as the node holds it twice).
// - honest_delivery_ratio: over the finished broadcasts said by honest nodes, the deliveries at
//   honest nodes over the honest nodes alive (the author excluded) when each was said.
bool has_adversaries(const Network& net);
double adversary_link_share(const Network& net);
double honest_delivery_ratio(const Network& net);

// groups.csv: group,rule,share,nodes,mean_degree,min_degree,max_degree,isolated_nodes,
// links_within,links_across,flood_reachable,flood_deliveries,flood_coverage.
void write_groups_csv(std::ostream& out, const std::vector<GroupSummary>& groups);

}  // namespace p2p::sim
