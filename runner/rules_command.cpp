// `p2p rules [NAME]`: the registered join rules, their parameters, defaults and help; with NAME,
// that rule alone. A rule a program registered before handing over to the command line is listed
// like a built-in.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "protocol/join_rule.hpp"
#include "usage_error.hpp"

namespace p2p::runner {
namespace {

std::string bounds(const RuleParam& p) {
  auto number = [&](double v) {
    return p.kind == RuleParam::Kind::Real ? CLI::detail::to_string(v)
                                           : std::to_string(static_cast<long long>(v));
  };
  return "[" + number(p.lo) + ", " + number(p.hi) + "]";
}

void print_rule(const RuleInfo& info) {
  const RulePtr rule = make_rule(info.name);
  std::cout << info.name << ": " << info.summary << "\n  spec: " << rule->spec() << "\n";
  for (const RuleParam& p : info.params)
    std::cout << "  " << p.name << " " << bounds(p) << ": " << p.help << "\n";
  std::cout << "  max_hops [0, 255]: every rule's hop limit (default --max-hops)\n";
}

}  // namespace

void add_rules_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "rules", "List the registered join rules with their parameters, defaults and help");
  cmd->add_option("name", *name, "Show only this rule");
  cmd->callback([name] {
    if (!name->empty()) {
      const RuleInfo* info = find_rule(*name);
      if (info == nullptr)
        throw UsageError("no rule '" + *name + "' (known: " + rule_names() + ")");
      print_rule(*info);
      return;
    }
    for (const RuleInfo* info : registered_rules()) print_rule(*info);
  });
}

}  // namespace p2p::runner
