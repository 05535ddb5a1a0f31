#include "experiment/output_folder.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace p2p::experiment {
namespace fs = std::filesystem;
namespace {

bool is_partial(const std::string& name) {
  return name.size() > 9 && name[0] == '.' && name.ends_with(".partial");
}

// ".NAME.partial", built by appends (GCC 12 warns wrongly about operator+ chains here).
std::string hidden_partial(const fs::path& name) {
  std::string s(1, '.');
  s += name.string();
  s += ".partial";
  return s;
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

void remove_owned(const fs::path& out) {
  std::vector<fs::path> doomed;
  for (const fs::directory_entry& e : fs::directory_iterator(out))
    if (owned_by_p2p(e.path())) doomed.push_back(e.path());
  for (const fs::path& p : doomed) fs::remove_all(p);
}

}  // namespace

bool owned_by_p2p(const fs::path& entry) {
  static const char* const kFiles[] = {
      "summary.csv",    "degree_distribution.csv", "edges.csv",      "nodes.csv",
      "resilience.csv", "timeseries.csv",          "broadcasts.csv", "manifest.json",
      "runs.csv",       "aggregate.csv",           "comparison.csv"};
  const std::string name = entry.filename().string();
  for (const char* f : kFiles)
    if (name == f) return true;
  if (is_partial(name)) return true;
  std::error_code ec;
  if (!fs::is_directory(entry, ec)) return false;
  // Snapshots, replications and a campaign's run folders (each holds its own manifest).
  return name == "snapshots" || name.starts_with("seed=") ||
         fs::exists(entry / "manifest.json", ec);
}

FolderState prepare_output(const fs::path& out, const std::string& manifest_json, bool force) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw std::invalid_argument("cannot create " + quoted(out) + ": " + ec.message());
  if (!fs::is_directory(out)) throw std::invalid_argument(quoted(out) + " is not a folder");
  {
    const fs::path probe = out / ".p2p-write-check";
    std::ofstream f(probe);
    if (!f)
      throw std::invalid_argument("cannot write in " + quoted(out) + ": " + std::strerror(errno));
    f.close();
    fs::remove(probe, ec);
  }
  bool foreign = false;
  for (const fs::directory_entry& e : fs::directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    if (is_partial(name))
      fs::remove_all(e.path(), ec);  // left by an interrupted run
    else
      foreign = true;
  }
  if (!foreign) return FolderState::Fresh;
  const std::string previous = read_file(out / "manifest.json");
  if (!previous.empty() && previous == manifest_json) return FolderState::SameRun;
  if (!force)
    throw std::invalid_argument(
        quoted(out) +
        (previous.empty() ? " is not empty and holds no manifest.json of this run"
                          : " holds the output of another run (its manifest.json differs)") +
        ": choose another --out, or pass --force to remove the files p2p wrote there");
  remove_owned(out);
  return FolderState::Fresh;
}

fs::path partial_path(const fs::path& dir) {
  fs::path d = dir;
  if (!d.has_filename()) d = d.parent_path();
  return d.parent_path() / hidden_partial(d.filename());
}

void commit_folder(const fs::path& partial, const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::rename(partial, dir);
    return;
  }
  std::vector<fs::path> entries;
  for (const fs::directory_entry& e : fs::directory_iterator(partial))
    if (e.path().filename() != "manifest.json") entries.push_back(e.path());
  entries.push_back(partial / "manifest.json");
  // The manifest goes first out of the way and last into place: a folder with a manifest is
  // complete.
  fs::remove(dir / "manifest.json", ec);
  for (const fs::path& from : entries) {
    if (!fs::exists(from, ec)) continue;
    const fs::path to = dir / from.filename();
    if (fs::is_directory(to, ec)) fs::remove_all(to);
    fs::rename(from, to);
  }
  fs::remove_all(partial);
}

void write_file(const fs::path& path, std::string_view text) {
  const fs::path tmp = path.parent_path() / hidden_partial(path.filename());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out)
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  fs::rename(tmp, path);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace p2p::experiment
