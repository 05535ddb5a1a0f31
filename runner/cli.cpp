// The `p2p` command line: parses it and hands over to one subcommand. No protocol logic lives
// here.
#include "runner/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.inc"
#include "usage_error.hpp"

namespace p2p::cli {
namespace {

// Levenshtein distance, for suggesting the subcommand a typo meant.
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "p2p simm": an unknown subcommand is named, with the nearest known one when it is close.
bool refuse_unknown_subcommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  const std::string given = argv[1];
  std::string nearest;
  std::size_t best = ~std::size_t{0};
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == given) return false;
    const std::size_t d = distance(given, sub->get_name());
    if (d < best) best = d, nearest = sub->get_name();
  }
  std::cerr << "p2p: unknown command '" << given << "'";
  if (best <= 2) std::cerr << " (did you mean '" << nearest << "'?)";
  std::cerr << "; see p2p --help\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"p2p: design, simulate and run peer-to-peer overlay networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "p2p " P2P_VERSION);
  runner::add_commands(app);
  if (refuse_unknown_subcommand(app, argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, not CLI11's usage dump.
    std::cerr << "p2p: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const runner::UsageError& e) {
    std::cerr << "p2p: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "p2p: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace p2p::cli
