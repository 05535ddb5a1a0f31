// The `p2p` command line: parses it and hands over to one subcommand. No protocol logic lives
// here.
#include "runner/cli.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands.inc"
#include "usage_error.hpp"

namespace p2p::cli {

int main(int argc, char** argv) {
  CLI::App app{"p2p: design, simulate and run peer-to-peer overlay networks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "p2p " P2P_VERSION);
  runner::add_commands(app);
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
