#include "sim/rule_mix.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>
#include <stdexcept>

#include "sim/address.hpp"

namespace p2p::sim {
namespace {

std::string shortest(double x) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc{} ? std::string(buf, end) : std::string("nan");
}

}  // namespace

RuleShare parse_rule_share(std::string_view text) {
  RuleShare r;
  const auto at = text.rfind('@');
  r.spec = std::string(text.substr(0, at));
  if (r.spec.empty()) throw std::invalid_argument("'" + std::string(text) + "': no rule named");
  if (at == std::string_view::npos) return r;
  std::string_view v = text.substr(at + 1);
  const bool percent = !v.empty() && v.back() == '%';
  if (percent) v.remove_suffix(1);
  double x = -1;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (percent) x /= 100.0;
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || !(x >= 0 && x <= 1))
    throw std::invalid_argument("'" + std::string(text) +
                                "': the share after '@' must be in [0, 1] or [0%, 100%]");
  r.share = x;
  return r;
}

RuleMix make_rule_mix(const Config& base, std::span<const RuleShare> items, bool simulated) {
  if (items.empty()) throw std::invalid_argument("a rule mix needs at least one rule");
  if (items.size() > kMaxGroups) throw std::invalid_argument("too many rules in one mix");
  RuleMix mix;
  double given = 0;
  std::size_t open = 0;
  for (const RuleShare& item : items) {
    Config c = base;
    c.rule = parse_join_rule(item.spec, c.max_hops);
    c.validate(simulated);
    for (const Config& other : mix.configs)
      if (other.rule->spec() == c.rule->spec() && other.max_hops == c.max_hops)
        throw std::invalid_argument("rule '" + item.spec + "' is named twice in the mix");
    mix.configs.push_back(std::move(c));
    if (item.share) {
      given += *item.share;
    } else {
      ++open;
    }
  }
  if (given > 1 + 1e-9) throw std::invalid_argument("the rules' shares add up to more than 100%");
  if (open == 0 && std::abs(given - 1) > 1e-9)
    throw std::invalid_argument("the rules' shares add up to " + shortest(given * 100) +
                                "%, not 100%");
  const double rest = open == 0 ? 0 : std::max(0.0, 1 - given) / static_cast<double>(open);
  for (const RuleShare& item : items) mix.shares.push_back(item.share ? *item.share : rest);
  return mix;
}

std::vector<NodeGroup> RuleMix::groups() const {
  std::vector<NodeGroup> out;
  for (std::size_t g = 0; g < configs.size(); ++g) out.push_back({&configs[g], shares[g]});
  return out;
}

std::vector<GroupSummary> summarize_groups(const Network& net) {
  const std::size_t k = std::max<std::size_t>(net.groups().size(), 1);
  std::vector<GroupSummary> out(k);
  for (std::size_t g = 0; g < k; ++g) {
    out[g].rule = net.groups().empty() ? std::string() : net.groups()[g].config->rule->spec();
    out[g].share = net.groups().empty() ? 1.0 : net.groups()[g].share;
    out[g].min_degree = ~std::uint64_t{0};
  }
  double total_share = 0;
  for (const GroupSummary& s : out) total_share += s.share;
  for (GroupSummary& s : out) s.share /= total_share;
  // Live nodes in index order: sums and extremes do not depend on the order of live().
  for (std::uint32_t i = 0; i < net.size(); ++i) {
    if (!net.alive(i)) continue;
    GroupSummary& s = out[net.group_of(i)];
    if (s.rule.empty()) s.rule = net.node(i).rule().spec();
    std::uint64_t degree = 0;
    for (const Link& l : net.node(i).links()) {
      const std::uint32_t j = l.peer;
      if (j >= net.size() || !net.alive(j)) continue;
      ++degree;
      if (net.group_of(j) == net.group_of(i)) {
        if (i < j) ++s.links_within;
      } else {
        ++s.links_across;
      }
    }
    ++s.nodes;
    s.link_ends += degree;
    s.isolated += degree == 0 ? 1 : 0;
    s.min_degree = std::min(s.min_degree, degree);
    s.max_degree = std::max(s.max_degree, degree);
  }
  for (GroupSummary& s : out) {
    if (s.nodes == 0) s.min_degree = 0;
    s.mean_degree = s.nodes ? static_cast<double>(s.link_ends) / static_cast<double>(s.nodes) : 0;
  }
  if (!net.floods().empty()) {
    const FloodStats& f = net.floods().back();
    for (std::size_t g = 0; g < k; ++g) {
      if (f.reachable_by_group.empty()) {
        out[g].flood_reachable = f.reachable;
        out[g].flood_deliveries = f.deliveries;
      } else {
        out[g].flood_reachable = f.reachable_by_group[g];
        out[g].flood_deliveries = f.deliveries_by_group[g];
      }
    }
  }
  return out;
}

namespace {

// Which groups run an attacker; one entry per group, or one for a network without groups.
std::vector<bool> adversary_groups(const Network& net) {
  if (net.groups().empty()) return {net.size() > 0 && net.node(0).rule().traits().adversary};
  std::vector<bool> out;
  for (const NodeGroup& g : net.groups()) out.push_back(g.config->rule->traits().adversary);
  return out;
}

}  // namespace

bool has_adversaries(const Network& net) {
  const std::vector<bool> adv = adversary_groups(net);
  return std::find(adv.begin(), adv.end(), true) != adv.end();
}

double adversary_link_share(const Network& net) {
  const std::vector<bool> adv = adversary_groups(net);
  if (std::find(adv.begin(), adv.end(), true) == adv.end()) return std::nan("");
  std::uint64_t ends = 0, held = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i) {
    if (!net.alive(i) || adv[net.group_of(i)]) continue;
    for (const Link& l : net.node(i).links()) {
      const std::uint32_t j = l.peer;
      if (j >= net.size() || !net.alive(j)) continue;
      ++ends;
      held += adv[net.group_of(j)] ? 1 : 0;
    }
  }
  return ends > 0 ? static_cast<double>(held) / static_cast<double>(ends) : std::nan("");
}

double honest_delivery_ratio(const Network& net) {
  const std::vector<bool> adv = adversary_groups(net);
  if (std::find(adv.begin(), adv.end(), true) == adv.end()) return std::nan("");
  std::uint64_t reachable = 0, delivered = 0;
  for (const FloodStats& f : net.floods()) {
    if (!f.finished || adv[net.group_of(f.origin)]) continue;
    // A network of attackers alone has no groups and no honest broadcast; with groups, the
    // figures are per group.
    for (std::size_t g = 0; g < f.reachable_by_group.size(); ++g)
      if (!adv[g]) {
        reachable += f.reachable_by_group[g];
        delivered += f.deliveries_by_group[g];
      }
  }
  return reachable > 0 ? static_cast<double>(delivered) / static_cast<double>(reachable)
                       : std::nan("");
}

void write_groups_csv(std::ostream& out, const std::vector<GroupSummary>& groups) {
  out << "group,rule,share,nodes,mean_degree,min_degree,max_degree,isolated_nodes,links_within,"
         "links_across,flood_reachable,flood_deliveries,flood_coverage\n";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const GroupSummary& s = groups[g];
    // A spec holds commas: quote it, doubling any quote (there are none in a valid spec).
    out << g << ",\"" << s.rule << "\"," << shortest(s.share) << ',' << s.nodes << ','
        << shortest(s.mean_degree) << ',' << s.min_degree << ',' << s.max_degree << ','
        << s.isolated << ',' << s.links_within << ',' << s.links_across << ',' << s.flood_reachable
        << ',' << s.flood_deliveries << ',';
    if (s.flood_reachable > 0)
      out << shortest(static_cast<double>(s.flood_deliveries) /
                      static_cast<double>(s.flood_reachable));
    out << '\n';
  }
}

}  // namespace p2p::sim
