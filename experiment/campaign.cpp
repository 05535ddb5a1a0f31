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

std::vector<std::size_t> included_runs(const CampaignResult& r) {
  if (!r.included.empty()) return r.included;
  std::vector<std::size_t> all(r.runs.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

std::vector<std::string> metric_names(const CampaignResult& r) {
  std::vector<std::string> names;
  for (std::size_t i : included_runs(r))
    for (const auto& [name, value] : r.runs[i])
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

Shard parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  auto number = [&](std::string_view s, std::size_t& v) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
  };
  std::size_t i = 0, n = 0;
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), i) ||
      !number(std::string_view(text).substr(slash + 1), n) || n == 0 || i == 0 || i > n ||
      n > 100000)
    throw std::invalid_argument("--shard " + text +
                                ": expected I/N with 1 <= I <= N <= 100000, e.g. 2/8");
  return {i - 1, n};
}

std::vector<std::size_t> shard_runs(const Campaign& c, Shard shard) {
  std::vector<std::size_t> runs;
  for (std::size_t i = shard.index; i < c.points.size() * c.seeds.size(); i += shard.count)
    runs.push_back(i);
  return runs;
}

Manifest folder_manifest(const Campaign& c, Shard shard) {
  Manifest m = c.manifest;
  if (shard.count > 1)
    m.shard = std::to_string(shard.index + 1) + "/" + std::to_string(shard.count);
  return m;
}

FolderState open_campaign_folder(const Campaign& c, const CampaignSettings& s) {
  // Two points whose folder names collide would overwrite each other.
  for (std::size_t p = 0; p < c.points.size(); ++p)
    for (std::size_t q = 0; q < p; ++q)
      if (run_folder_name(c, p, 0) == run_folder_name(c, q, 0))
        throw std::invalid_argument("two sweep points share the folder name " +
                                    run_folder_name(c, p, 0));
  const std::string manifest = to_json(folder_manifest(c, s.shard));
  const FolderState state = prepare_output(s.out, manifest, s.force);
  write_file(s.out / "manifest.json", manifest);
  if (!s.embedded) install_stop_handlers();
  return state;
}

std::string run_manifest_json(const Campaign& c, std::size_t i) {
  return to_json(run_manifest(c, i / c.seeds.size(), c.seeds[i % c.seeds.size()]));
}

bool read_finished_run(const Campaign& c, std::size_t i, const fs::path& dir, Metrics& out) {
  return read_file(dir / "manifest.json") == run_manifest_json(c, i) &&
         read_summary(dir / "summary.csv", out);
}

Metrics execute_run(const Campaign& c, std::size_t i, const fs::path& out) {
  const std::size_t point = i / c.seeds.size();
  const std::uint64_t seed = c.seeds[i % c.seeds.size()];
  const fs::path dir = out / run_folder_name(c, point, seed);
  const fs::path partial = partial_path(dir);
  fs::remove_all(partial);
  Metrics metrics;
  try {
    fs::create_directories(partial);
    RunHooks hooks;
    hooks.snapshot_dir = partial / "snapshots";
    RunResult result = run(c.points[point].description, seed, hooks);
    write_run(partial, result);
    write_file(partial / "manifest.json", run_manifest_json(c, i));
    metrics = std::move(result.report.summary);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(partial, ec);
    throw;
  }
  fs::remove_all(dir);
  fs::rename(partial, dir);
  return metrics;
}

std::string stopped_message(const Campaign& c, std::size_t done, std::size_t total,
                            const fs::path& out) {
  return "p2p " + c.command + ": stopped; " + std::to_string(done) + " of " +
         std::to_string(total) + " runs are complete in " + out.string() +
         "; run the same command again to resume";
}

std::string format_metrics(const Metrics& metrics) {
  std::string text;
  for (const auto& [name, value] : metrics)
    text += name + "=" + analysis::format_number(value) + "\n";
  return text;
}

Metrics parse_metrics(const std::string& text) {
  Metrics out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::size_t eq = line.rfind('=');
    double v = 0;
    const char* first = line.data() + (eq == std::string::npos ? 0 : eq + 1);
    const auto [end, ec] = std::from_chars(first, line.data() + line.size(), v);
    if (eq == std::string::npos || eq == 0 || ec != std::errc{} || end != line.data() + line.size())
      throw std::invalid_argument("malformed metric line '" + line + "'");
    out.emplace_back(line.substr(0, eq), v);
  }
  return out;
}

std::vector<std::size_t> plan_runs(const Campaign& c, const CampaignSettings& s,
                                   CampaignResult& r) {
  const FolderState state = open_campaign_folder(c, s);
  r.runs.resize(c.points.size() * c.seeds.size());
  if (s.shard.count > 1) r.included = shard_runs(c, s.shard);
  std::vector<std::size_t> todo;
  for (std::size_t i : shard_runs(c, s.shard))
    if (state == FolderState::SameRun &&
        read_finished_run(
            c, i, s.out / run_folder_name(c, i / c.seeds.size(), c.seeds[i % c.seeds.size()]),
            r.runs[i]))
      ++r.skipped;
    else
      todo.push_back(i);
  return todo;
}

CampaignResult run_campaign(const Campaign& c, const CampaignSettings& s) {
  CampaignResult r;
  const std::vector<std::size_t> todo = plan_runs(c, s, r);
  const std::size_t n = todo.size() + r.skipped;
  r.threads = resolve_jobs(s.jobs, todo.size());
  std::atomic<std::size_t> done{r.skipped};
  ProgressLine line(c.command, !s.quiet);
  auto show = [&] {
    line.show(std::to_string(done.load()) + " / " + std::to_string(n) + " runs done" +
                  (r.skipped ? ", " + std::to_string(r.skipped) + " reused" : std::string()),
              true);
  };
  try {
    parallel_for(todo.size(), s.jobs, [&](std::size_t k) {
      r.runs[todo[k]] = execute_run(c, todo[k], s.out);
      ++done;
      show();
      if (s.progress) s.progress(done.load(), n);
    });
  } catch (const Stopped&) {
  }
  line.clear();
  if (stop_requested() && s.embedded) throw Stopped();
  if (stop_requested()) exit_stopped(stopped_message(c, done.load(), n, s.out));
  r.ran = todo.size();
  return r;
}

std::string runs_csv(const Campaign& c, const CampaignResult& r) {
  const std::vector<std::string> metrics = metric_names(r);
  std::vector<std::string> notes;
  bool any_note = false;
  for (std::size_t i : included_runs(r)) {
    analysis::Report report;
    report.summary = r.runs[i];
    std::string note;
    for (const std::string& line :
         omitted_metrics(c.points[i / c.seeds.size()].description, report))
      note += (note.empty() ? "" : "; ") + line;
    any_note = any_note || !note.empty();
    notes.push_back(std::move(note));
  }
  std::vector<std::string> header = c.parameters;
  header.push_back("seed");
  for (const std::string& m : metrics)
    header.push_back(std::find(c.parameters.begin(), c.parameters.end(), m) != c.parameters.end()
                         ? "measured_" + m
                         : m);
  if (any_note) header.push_back("omitted");
  CsvWriter csv(header);
  std::size_t row = 0;
  for (std::size_t i : included_runs(r)) {
    const CampaignPoint& p = c.points[i / c.seeds.size()];
    for (const std::string& param : c.parameters) csv.text(param_value(p, param));
    csv.integer(c.seeds[i % c.seeds.size()]);
    for (const std::string& m : metrics) csv.number(value_of(r.runs[i], m));
    if (any_note) csv.text(notes[row]);
    ++row;
    csv.end_row();
  }
  return csv.str();
}

Interval point_interval(const Campaign& c, const CampaignResult& r, std::size_t point,
                        const std::string& metric) {
  std::vector<double> xs;
  for (std::size_t k = 0; k < c.seeds.size(); ++k) {
    const std::size_t i = point * c.seeds.size() + k;
    if (r.included.empty() || std::binary_search(r.included.begin(), r.included.end(), i))
      xs.push_back(value_of(r.runs[i], metric));
  }
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
