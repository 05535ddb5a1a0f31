// Rule parameters, the registry of rules by name, and spec parsing.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "protocol/join_rule.hpp"
#include "protocol/rules/builtin.hpp"

namespace p2p {
namespace {

std::string format_real(double x) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

std::string format_value(const RuleParam& p, double v) {
  return p.kind == RuleParam::Kind::Real ? format_real(v)
                                         : std::to_string(static_cast<long long>(v));
}

// Checks `v` against `p`'s kind and bounds; returns the reason it is refused, or "" if it is not.
std::string refusal(const RuleParam& p, double v) {
  const bool whole = p.kind != RuleParam::Kind::Real;
  if (!std::isfinite(v) || v < p.lo || v > p.hi || (whole && v != std::floor(v)))
    return p.name + " must be " + (whole ? "an integer" : "a number") + " in [" +
           format_value(p, p.lo) + ", " + format_value(p, p.hi) + "]";
  return {};
}

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<RuleInfo>> rules;
};

void add(Registry& r, RuleInfo info) {
  const bool identifier =
      !info.name.empty() && std::all_of(info.name.begin(), info.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!identifier)
    throw std::invalid_argument("rule name '" + info.name +
                                "' must be lower-case letters, digits and '_'");
  if (!info.make) throw std::invalid_argument("rule '" + info.name + "' has no constructor");
  for (const auto& known : r.rules)
    if (known->name == info.name)
      throw std::invalid_argument("rule '" + info.name + "' is registered already");
  for (const RuleParam& p : info.params) {
    if (p.name == "max_hops")
      throw std::invalid_argument("rule '" + info.name +
                                  "': max_hops is every rule's and cannot be declared");
    if (const std::string why = refusal(p, p.value); !why.empty())
      throw std::invalid_argument("rule '" + info.name + "': default of " + why);
  }
  r.rules.push_back(std::make_unique<RuleInfo>(std::move(info)));
}

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;  // never destroyed: rules may be looked up during static teardown
    for (RuleInfo& info : builtin_rules()) add(*reg, std::move(info));
    return reg;
  }();
  return *r;
}

std::uint16_t tag_of(std::string_view name) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
  const auto tag = static_cast<std::uint16_t>(h ^ (h >> 16));
  return tag == 0 ? 1 : tag;
}

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("rule '" + std::string(spec) + "': " + why);
}

}  // namespace

RuleParam RuleParam::integer(std::string name, long long value, long long lo, long long hi,
                             std::string help) {
  return {std::move(name), Kind::Integer, double(value), double(lo), double(hi), std::move(help)};
}

RuleParam RuleParam::real(std::string name, double value, double lo, double hi, std::string help) {
  return {std::move(name), Kind::Real, value, lo, hi, std::move(help)};
}

RuleParam RuleParam::millis(std::string name, long long value, long long lo, long long hi,
                            std::string help) {
  return {std::move(name), Kind::Millis, double(value), double(lo), double(hi), std::move(help)};
}

RuleParams::RuleParams(std::vector<RuleParam> declared) : params_(std::move(declared)) {}

const RuleParam* RuleParams::find(std::string_view name) const {
  for (const RuleParam& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

const RuleParam& RuleParams::at(std::string_view name, RuleParam::Kind kind) const {
  const RuleParam* p = find(name);
  if (p == nullptr || p->kind != kind)
    throw std::logic_error("a rule read parameter '" + std::string(name) +
                           "' that it did not declare with that kind");
  return *p;
}

long long RuleParams::integer(std::string_view name) const {
  return static_cast<long long>(at(name, RuleParam::Kind::Integer).value);
}

double RuleParams::real(std::string_view name) const {
  return at(name, RuleParam::Kind::Real).value;
}

Time RuleParams::duration(std::string_view name) const {
  return static_cast<Time>(at(name, RuleParam::Kind::Millis).value) * kMillisecond;
}

void RuleParams::set(std::string_view name, double value) {
  auto it = std::find_if(params_.begin(), params_.end(),
                         [&](const RuleParam& p) { return p.name == name; });
  if (it == params_.end()) throw std::invalid_argument("no parameter '" + std::string(name) + "'");
  if (const std::string why = refusal(*it, value); !why.empty())
    throw std::invalid_argument(why + ", got " + format_value(*it, value));
  it->value = value;
}

void RuleParams::set(std::string_view name, std::string_view text) {
  const RuleParam* p = find(name);
  if (p == nullptr) throw std::invalid_argument("no parameter '" + std::string(name) + "'");
  double v = 0;
  bool ok = false;
  if (p->kind == RuleParam::Kind::Real) {
    // std::from_chars for double is in g++12's library; strtod would depend on the locale.
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    ok = ec == std::errc{} && end == text.data() + text.size();
  } else {
    long long x = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    ok = ec == std::errc{} && end == text.data() + text.size();
    v = static_cast<double>(x);
  }
  const std::string why = ok ? refusal(*p, v) : std::string();
  if (!ok || !why.empty())
    throw std::invalid_argument((ok ? why : refusal(*p, NAN)) + ", got '" + std::string(text) +
                                "'");
  set(name, v);
}

std::string RuleParams::canonical() const {
  std::string out;
  for (const RuleParam& p : params_) {
    if (!out.empty()) out += ',';
    out += p.name + "=" + format_value(p, p.value);
  }
  return out;
}

void register_rule(RuleInfo info) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  add(r, std::move(info));
}

std::vector<const RuleInfo*> registered_rules() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<const RuleInfo*> out;
  for (const auto& info : r.rules) out.push_back(info.get());
  return out;
}

const RuleInfo* find_rule(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& info : r.rules)
    if (info->name == name) return info.get();
  return nullptr;
}

std::string rule_names() {
  std::string out;
  for (const RuleInfo* info : registered_rules()) {
    if (!out.empty()) out += ", ";
    out += info->name;
  }
  return out;
}

RulePtr make_rule(std::string_view name, RuleParams params) {
  const RuleInfo* info = find_rule(name);
  if (info == nullptr)
    throw std::invalid_argument("unknown rule '" + std::string(name) + "' (known: " + rule_names() +
                                ")");
  std::unique_ptr<JoinRule> rule = info->make(params);
  rule->name_ = info->name;
  rule->tag_ = tag_of(info->name);
  return RulePtr(std::move(rule));
}

RulePtr make_rule(std::string_view name) {
  const RuleInfo* info = find_rule(name);
  if (info == nullptr) return make_rule(name, RuleParams{});  // throws with the known names
  return make_rule(name, RuleParams(info->params));
}

RulePtr parse_join_rule(std::string_view spec, int& max_hops) {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const RuleInfo* info = find_rule(name);
  if (info == nullptr)
    fail(spec, "unknown rule '" + std::string(name) + "' (known: " + rule_names() + ")");
  RuleParams params(info->params);
  if (colon != std::string_view::npos) {
    std::string_view rest = spec.substr(colon + 1);
    if (rest.empty() || rest.back() == ',') fail(spec, "expected KEY=VALUE after ':' and each ','");
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
        fail(spec, "expected KEY=VALUE, got '" + std::string(item) + "'");
      const std::string_view key = item.substr(0, eq), v = item.substr(eq + 1);
      if (key == "max_hops") {
        long long x = -1;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec != std::errc{} || end != v.data() + v.size() || x < 0 || x > 255)
          fail(spec, "max_hops must be an integer in [0, 255], got '" + std::string(v) + "'");
        max_hops = static_cast<int>(x);
        continue;
      }
      if (!params.has(key)) {
        std::string list = "max_hops";
        for (const RuleParam& p : info->params) list += ", " + p.name;
        fail(spec, std::string(name) + " has no parameter '" + std::string(key) +
                       "' (it reads: " + list + ")");
      }
      try {
        params.set(key, v);
      } catch (const std::invalid_argument& e) {
        fail(spec, e.what());
      }
    }
  }
  return make_rule(name, std::move(params));
}

RulePtr parse_join_rule(std::string_view spec) {
  int max_hops = 0;
  return parse_join_rule(spec, max_hops);
}

}  // namespace p2p
