// `p2p plot DIR [...]`: figures from an output folder. The plotting lives in Python (the plot
// directory: p2p_plot.py and its package); this command finds it, hands it every argument
// unchanged, and exits with its status, so `p2p plot --help` shows the plotting script's own help.
// No path is compiled in: the directory is found beside the executable, so a build tree, an
// installed copy and a relocated install all work the same way.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "usage_error.hpp"

extern char** environ;

namespace p2p::runner {
namespace {

// The directory of the running executable, from /proc/self/exe (symlinks resolved, so a link to
// the binary still finds the tree the binary lives in); empty when it cannot be read.
std::filesystem::path executable_dir() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path{} : self.parent_path();
}

// Where the plotting script lives: $P2P_PLOT_DIR if set; else <exe dir>/../share/p2p/plot (an
// installed tree: bin/p2p beside share/); else <exe dir>/share/p2p/plot (the build tree, which
// stages a link to the sources' plot/ there).
std::filesystem::path plot_script() {
  constexpr const char* kScript = "p2p_plot.py";
  if (const char* dir = std::getenv("P2P_PLOT_DIR"); dir != nullptr && *dir != '\0') {
    return std::filesystem::path{dir} / kScript;
  }
  const auto here = executable_dir();
  if (here.empty()) return {};
  const std::filesystem::path candidates[] = {
      here.parent_path() / "share" / "p2p" / "plot" / kScript,
      here / "share" / "p2p" / "plot" / kScript,
  };
  for (const auto& candidate : candidates) {
    if (std::filesystem::is_regular_file(candidate)) return candidate;
  }
  return candidates[0];
}

bool executable(const std::filesystem::path& path) {
  return ::access(path.c_str(), X_OK) == 0 && !std::filesystem::is_directory(path);
}

// $P2P_PYTHON; else Debian's python3 when Debian's matplotlib is installed (the packages
// scripts/install-deps installs); else the first python3 on PATH; else Debian's. Debian's comes
// before PATH because a version-manager shim first on PATH (pyenv) costs more to start than a
// whole default plot takes, and the interpreter behind it often lacks the packages anyway; the
// script itself moves to Debian's python3 when the one found lacks them.
std::string find_python() {
  if (const char* python = std::getenv("P2P_PYTHON"); python != nullptr && *python != '\0') {
    return python;
  }
  constexpr const char* kDebianPython = "/usr/bin/python3";
  if (executable(kDebianPython) &&
      std::filesystem::is_directory("/usr/lib/python3/dist-packages/matplotlib")) {
    return kDebianPython;
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string dirs{path};
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      const std::string dir = dirs.substr(start, end - start);
      if (!dir.empty()) {
        const auto candidate = std::filesystem::path{dir} / "python3";
        if (executable(candidate)) return candidate.string();
      }
      start = end + 1;
    }
  }
  if (executable(kDebianPython)) return kDebianPython;
  throw UsageError(
      "plot needs python3 with matplotlib, pandas and networkx, and none was found (Debian: "
      "apt-get install python3-matplotlib python3-pandas python3-networkx)");
}

int run_plot(const std::vector<std::string>& passed) {
  const auto script = plot_script();
  if (script.empty() || !std::filesystem::is_regular_file(script)) {
    throw UsageError("plot: the plotting script " +
                     (script.empty() ? std::string{"p2p_plot.py"} : script.string()) +
                     " is missing (set P2P_PLOT_DIR to the plot directory)");
  }
  const std::string python = find_python();
  std::vector<std::string> args{python, script.string()};
  args.insert(args.end(), passed.begin(), passed.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::cout.flush();
  std::cerr.flush();
  pid_t child = 0;
  const int spawned = ::posix_spawn(&child, python.c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) {
    throw UsageError("plot: cannot run " + python + ": " + std::strerror(spawned));
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string{"waitpid: "} + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto* plot = app.add_subcommand(
      "plot",
      "PNG and SVG figures beside an output folder's CSV, a network drawing and --animate "
      "FILE.gif; `p2p plot --help` lists the options");
  // Every argument, --help included, belongs to the plotting script.
  plot->set_help_flag();
  plot->allow_extras();
  plot->prefix_command();
  plot->callback([plot] {
    const int status = run_plot(plot->remaining());
    if (status != 0) {
      // main() knows only success, usage error and failure; the script's own status (2 for a
      // malformed file, 1 for a missing package) is passed on as is.
      std::cout.flush();
      std::exit(status);
    }
  });
}

}  // namespace p2p::runner
