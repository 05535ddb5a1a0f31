#include "experiment/campaign.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "experiment/csv.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/parallel.hpp"
#include "experiment/progress.hpp"
#include "experiment/run.hpp"
#include "experiment/stats.hpp"
#include "experiment/stop.hpp"

namespace p2p::experiment {
namespace fs = std::filesystem;
namespace {

std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
                   c == '_' || c == '='
               ? c
               : '-';
  return out;
}

Manifest run_manifest(const Campaign& c, std::size_t point, std::uint64_t seed) {
  Manifest m;
  m.command = "p2p " + c.command;
  m.options = c.points[point].description.options();
  m.point = c.points[point].values;
  m.seed = seed;
  return m;
}

// summary.csv read back: the numbers were written in shortest round-trip form, so they read back
// exactly.
bool read_summary(const fs::path& path, Metrics& out) {
  std::istringstream in(read_file(path));
  std::string line;
  if (!std::getline(in, line) || line != "metric,value") return false;
  out.clear();
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split_csv_line(line);
    if (f.size() != 2) return false;
    double v = 0;
    const auto [end, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), v);
    if (ec != std::errc{} || end != f[1].data() + f[1].size()) return false;
    out.emplace_back(f[0], v);
  }
  return true;
}

std::vector<std::string> metric_names(const CampaignResult& r) {
  std::vector<std::string> names;
  for (const Metrics& m : r.runs)
    for (const auto& [name, value] : m)
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  return names;
}

std::string param_value(const CampaignPoint& p, const std::string& name) {
  for (const auto& [k, v] : p.values)
    if (k == name) return v;
  return {};
}

double value_of(const Metrics& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  return std::nan("");
}

}  // namespace

std::string run_folder_name(const Campaign& c, std::size_t point, std::uint64_t seed) {
  std::string name;
  for (const auto& [k, v] : c.points[point].values) name += sanitize(k + "=" + v) + "_";
  return name + "seed=" + std::to_string(seed);
}

CampaignResult run_campaign(const Campaign& c, const CampaignSettings& s) {
  // Two points whose folder names collide would overwrite each other.
  for (std::size_t p = 0; p < c.points.size(); ++p)
    for (std::size_t q = 0; q < p; ++q)
      if (run_folder_name(c, p, 0) == run_folder_name(c, q, 0))
        throw std::invalid_argument("two sweep points share the folder name " +
                                    run_folder_name(c, p, 0));
  const FolderState state = prepare_output(s.out, to_json(c.manifest), s.force);
  write_file(s.out / "manifest.json", to_json(c.manifest));
  install_stop_handlers();

  const std::size_t n = c.points.size() * c.seeds.size();
  CampaignResult r;
  r.runs.resize(n);
  r.threads = resolve_jobs(s.jobs, n);
  std::atomic<std::size_t> done{0}, skipped{0};
  ProgressLine line(c.command, !s.quiet);
  auto show = [&] {
    line.show(std::to_string(done.load()) + " / " + std::to_string(n) + " runs done" +
                  (skipped ? ", " + std::to_string(skipped.load()) + " reused" : std::string()),
              true);
  };
  auto task = [&](std::size_t i) {
    const std::size_t point = i / c.seeds.size();
    const std::uint64_t seed = c.seeds[i % c.seeds.size()];
    const fs::path dir = s.out / run_folder_name(c, point, seed);
    const std::string manifest = to_json(run_manifest(c, point, seed));
    if (state == FolderState::SameRun && read_file(dir / "manifest.json") == manifest &&
        read_summary(dir / "summary.csv", r.runs[i])) {
      ++skipped;
    } else {
      const fs::path partial = partial_path(dir);
      fs::remove_all(partial);
      try {
        fs::create_directories(partial);
        RunHooks hooks;
        hooks.snapshot_dir = partial / "snapshots";
        RunResult result = run(c.points[point].description, seed, hooks);
        write_run(partial, result);
        write_file(partial / "manifest.json", manifest);
        r.runs[i] = std::move(result.report.summary);
      } catch (...) {
        std::error_code ec;
        fs::remove_all(partial, ec);
        throw;
      }
      fs::remove_all(dir);
      fs::rename(partial, dir);
    }
    ++done;
    show();
  };
  try {
    parallel_for(n, s.jobs, task);
  } catch (const Stopped&) {
  }
  line.clear();
  if (stop_requested())
    exit_stopped("p2p " + c.command + ": stopped; " + std::to_string(done.load()) + " of " +
                 std::to_string(n) + " runs are complete in " + s.out.string() +
                 "; run the same command again to resume");
  r.skipped = skipped;
  r.ran = n - r.skipped;
  return r;
}

std::string runs_csv(const Campaign& c, const CampaignResult& r) {
  const std::vector<std::string> metrics = metric_names(r);
  std::vector<std::string> header = c.parameters;
  header.push_back("seed");
  for (const std::string& m : metrics)
    header.push_back(std::find(c.parameters.begin(), c.parameters.end(), m) != c.parameters.end()
                         ? "measured_" + m
                         : m);
  CsvWriter csv(header);
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const CampaignPoint& p = c.points[i / c.seeds.size()];
    for (const std::string& param : c.parameters) csv.text(param_value(p, param));
    csv.integer(c.seeds[i % c.seeds.size()]);
    for (const std::string& m : metrics) csv.number(value_of(r.runs[i], m));
    csv.end_row();
  }
  return csv.str();
}

Interval point_interval(const Campaign& c, const CampaignResult& r, std::size_t point,
                        const std::string& metric) {
  std::vector<double> xs;
  for (std::size_t k = 0; k < c.seeds.size(); ++k)
    xs.push_back(value_of(r.runs[point * c.seeds.size() + k], metric));
  return summarize(xs);
}

std::string aggregate_csv(const Campaign& c, const CampaignResult& r) {
  const std::vector<std::string> metrics = metric_names(r);
  std::vector<std::string> header = c.parameters;
  for (const char* h : {"metric", "runs", "mean", "stddev", "ci95_low", "ci95_high"})
    header.push_back(h);
  CsvWriter csv(header);
  for (std::size_t p = 0; p < c.points.size(); ++p)
    for (const std::string& m : metrics) {
      const Interval s = point_interval(c, r, p, m);
      if (s.runs == 0) continue;  // a metric that does not apply is left out, never faked
      for (const std::string& param : c.parameters) csv.text(param_value(c.points[p], param));
      csv.text(m).integer(s.runs).number(s.mean).number(s.stddev).number(s.ci95_low);
      csv.number(s.ci95_high);
      csv.end_row();
    }
  return csv.str();
}

void write_campaign_tables(const Campaign& c, const CampaignResult& r, const fs::path& out) {
  write_file(out / "runs.csv", runs_csv(c, r));
  write_file(out / "aggregate.csv", aggregate_csv(c, r));
}

}  // namespace p2p::experiment
