#include "protocol/join_rule.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace p2p {
namespace {

constexpr RuleKind kAllKinds[] = {
    RuleKind::Seed,         RuleKind::InverseDegree,  RuleKind::Fixed,    RuleKind::RandomWalk,
    RuleKind::DegreeCapped, RuleKind::MetropolisWalk, RuleKind::HyParView};

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("rule '" + std::string(spec) + "': " + why);
}

long long parse_int(std::string_view spec, std::string_view key, std::string_view v, long long lo,
                    long long hi) {
  long long x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || end != v.data() + v.size() || x < lo || x > hi)
    fail(spec, std::string(key) + " must be an integer in [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "], got '" + std::string(v) + "'");
  return x;
}

std::string format_real(double x) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

double parse_real(std::string_view spec, std::string_view key, std::string_view v, double lo,
                  double hi) {
  // std::from_chars for double is in g++12's library; strtod would depend on the locale.
  double x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(x) || x < lo || x > hi)
    fail(spec, std::string(key) + " must be a number in [" + format_real(lo) + ", " +
                   format_real(hi) + "], got '" + std::string(v) + "'");
  return x;
}

// The parameters each rule reads; max_hops is accepted by all.
std::vector<std::string_view> keys_of(RuleKind k) {
  switch (k) {
    case RuleKind::Seed:
      return {};
    case RuleKind::InverseDegree:
      return {"warmup"};
    case RuleKind::Fixed:
      return {"p", "warmup"};
    case RuleKind::RandomWalk:
    case RuleKind::MetropolisWalk:
      return {"length", "warmup"};
    case RuleKind::DegreeCapped:
      return {"d", "warmup"};
    case RuleKind::HyParView:
      return {"active",          "passive",           "length",
              "passive_walk",    "shuffle_active",    "warmup",
              "shuffle_passive", "shuffle_period_ms", "shuffles"};
  }
  return {};
}

}  // namespace

const char* rule_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::Seed:
      return "seed";
    case RuleKind::InverseDegree:
      return "inverse_degree";
    case RuleKind::Fixed:
      return "fixed";
    case RuleKind::RandomWalk:
      return "random_walk";
    case RuleKind::DegreeCapped:
      return "degree_capped";
    case RuleKind::MetropolisWalk:
      return "mh_walk";
    case RuleKind::HyParView:
      return "hyparview";
  }
  return "?";
}

std::string rule_names() {
  std::string out;
  for (RuleKind k : kAllKinds) {
    if (!out.empty()) out += ", ";
    out += rule_name(k);
  }
  return out;
}

JoinRule parse_join_rule(std::string_view spec, int& max_hops) {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  JoinRule rule;
  bool known = false;
  for (RuleKind k : kAllKinds)
    if (name == rule_name(k)) {
      rule.kind = k;
      known = true;
    }
  if (!known) fail(spec, "unknown rule '" + std::string(name) + "' (known: " + rule_names() + ")");
  if (rule.kind == RuleKind::HyParView) {
    rule.length = 6;  // the paper's active random walk length
    // Every newcomer joining the entry itself settles next to the last few newcomers, and the
    // overlay grows into a chain (mean path 26 at 5,000 nodes); ten hops away from the entry
    // first give the paper's shape (mean path 5.9).
    rule.warmup = 10;
  }
  if (colon == std::string_view::npos) return rule;
  std::string_view rest = spec.substr(colon + 1);
  if (rest.empty() || rest.back() == ',') fail(spec, "expected KEY=VALUE after ':' and each ','");
  const auto keys = keys_of(rule.kind);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      fail(spec, "expected KEY=VALUE, got '" + std::string(item) + "'");
    const std::string_view key = item.substr(0, eq), v = item.substr(eq + 1);
    if (key == "max_hops") {
      max_hops = static_cast<int>(parse_int(spec, key, v, 0, 255));
      continue;
    }
    bool reads = false;
    for (auto k : keys) reads = reads || k == key;
    if (!reads) {
      std::string list = "max_hops";
      for (auto k : keys) list += ", " + std::string(k);
      fail(spec, std::string(name) + " has no parameter '" + std::string(key) +
                     "' (it reads: " + list + ")");
    }
    if (key == "p") rule.p = parse_real(spec, key, v, 0.0, 1.0);
    if (key == "length") rule.length = static_cast<int>(parse_int(spec, key, v, 0, 255));
    if (key == "d") rule.d = static_cast<int>(parse_int(spec, key, v, 1, 100000));
    if (key == "warmup") rule.warmup = static_cast<int>(parse_int(spec, key, v, 0, 255));
    if (key == "active") rule.active = static_cast<int>(parse_int(spec, key, v, 1, 1000));
    if (key == "passive") rule.passive = static_cast<int>(parse_int(spec, key, v, 0, 10000));
    if (key == "passive_walk")
      rule.passive_walk = static_cast<int>(parse_int(spec, key, v, 0, 255));
    if (key == "shuffle_active")
      rule.shuffle_active = static_cast<int>(parse_int(spec, key, v, 0, 31));
    if (key == "shuffle_passive")
      rule.shuffle_passive = static_cast<int>(parse_int(spec, key, v, 0, 32));
    if (key == "shuffle_period_ms")
      rule.shuffle_period = parse_int(spec, key, v, 1, 86400000) * kMillisecond;
    if (key == "shuffles") rule.shuffles = static_cast<int>(parse_int(spec, key, v, 0, 1000000));
  }
  return rule;
}

std::string to_string(const JoinRule& r) {
  std::string s = rule_name(r.kind);
  std::string params;
  auto param = [&](const char* key, const std::string& value) {
    params.append(params.empty() ? ":" : ",");
    params.append(key);
    params.push_back('=');
    params.append(value);
  };
  switch (r.kind) {
    case RuleKind::Seed:
    case RuleKind::InverseDegree:
      break;
    case RuleKind::Fixed:
      param("p", format_real(r.p));
      break;
    case RuleKind::RandomWalk:
    case RuleKind::MetropolisWalk:
      param("length", std::to_string(r.length));
      break;
    case RuleKind::DegreeCapped:
      param("d", std::to_string(r.d));
      break;
    case RuleKind::HyParView:
      param("active", std::to_string(r.active));
      param("passive", std::to_string(r.passive));
      param("length", std::to_string(r.length));
      param("passive_walk", std::to_string(r.passive_walk));
      param("shuffles", std::to_string(r.shuffles));
      break;
  }
  if (r.warmup != 0 && !r.is_seed()) param("warmup", std::to_string(r.warmup));
  s.append(params);
  return s;
}

}  // namespace p2p
