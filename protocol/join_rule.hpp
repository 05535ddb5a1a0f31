#pragma once
// The join rule: which node accepts a JOIN_REQ and where a refused one goes next. One rule, with
// its parameters, is shared by every node of a network; `p2p sim --rule NAME[:k=v,...]` names it.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/time.hpp"

namespace p2p {

enum class RuleKind : std::uint8_t {
  Seed,            // the blog post's code as written, flaws included: accept with 1/(degree+1)
  InverseDegree,   // the seed's acceptance with the join protocol's flaws fixed
  Fixed,           // accept with a fixed probability p at every hop
  RandomWalk,      // walk `length` hops, accept at the end: lands on nodes in proportion to degree
  DegreeCapped,    // accept while degree < d: the post's d-regular idea, with its deadlock
  MetropolisWalk,  // a Metropolis-Hastings walk of `length` steps: ends at a uniform node
  HyParView,       // Leitao et al. 2007: small active view, larger passive view, shuffles
};
inline constexpr int kRuleKindCount = 7;

// A rule and every parameter any rule reads; each rule reads only its own. Defaults are the values
// the rule is usually quoted with.
struct JoinRule {
  RuleKind kind = RuleKind::Seed;
  double p = 0.5;   // fixed: acceptance probability per hop
  int length = 10;  // random_walk, mh_walk: walk length; hyparview: active random walk length
  int d = 8;        // degree_capped: the cap
  // Every rule but seed: hops a request walks before any node may accept it (hyparview: before a
  // node becomes the newcomer's contact), so the entry node is not the first asked every time.
  // 0 by default, so the post's entry-bias argument shows; hyparview's default is 10.
  int warmup = 0;
  // hyparview, with the paper's defaults (active view log10(n)+1 for n near 10^4..10^5).
  int active = 5;           // active view size (links)
  int passive = 30;         // passive view size (addresses kept in reserve)
  int passive_walk = 3;     // a FORWARDJOIN puts its newcomer in the passive view at this hop
  int shuffle_active = 3;   // active addresses in a shuffle
  int shuffle_passive = 4;  // passive addresses in a shuffle
  Time shuffle_period = 10 * kSecond;
  // Shuffles a node makes in its life; 0 means forever. Finite in the simulator, which runs until
  // no event is left.
  int shuffles = 8;

  bool is_seed() const { return kind == RuleKind::Seed; }
  bool is_hyparview() const { return kind == RuleKind::HyParView; }
};

// "inverse_degree", "fixed:p=0.3", "random_walk:length=10,warmup=2", ... Throws
// std::invalid_argument with a one-line message naming the bad part. `max_hops` is set when the
// spec names it (every rule accepts max_hops=N) and left alone otherwise.
JoinRule parse_join_rule(std::string_view spec, int& max_hops);

// The rule's name alone ("mh_walk") and its canonical spec with every parameter it reads.
const char* rule_name(RuleKind kind);
std::string to_string(const JoinRule& rule);

// The names parse_join_rule knows, comma-separated, for help texts.
std::string rule_names();

}  // namespace p2p
