// The p2p Python module's compiled half (p2p._core): runs, campaigns and analyses of the
// experiment layer with the interpreter's lock released, and the Python join-rule adapter.
// python/p2p/__init__.py turns what it returns into pandas frames and networkx graphs.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "analysis/edge_list.hpp"
#include "analysis/report.hpp"
#include "conformance.hpp"
#include "experiment/campaign.hpp"
#include "experiment/description.hpp"
#include "experiment/manifest.hpp"
#include "experiment/output_folder.hpp"
#include "experiment/run.hpp"
#include "experiment/seeds.hpp"
#include "experiment/stop.hpp"
#include "experiment/study.hpp"
#include "protocol/join_rule.hpp"
#include "py_rule.hpp"
#include "released.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;
namespace ex = p2p::experiment;

namespace p2p::python {
namespace {

std::atomic<long> g_live_runs{0};

// A folder of our own under the system's temporary directory, removed with this object.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = fs::temp_directory_path() / ("p2p-python-" + std::to_string(rd()));
      if (fs::create_directory(path_)) return;
    }
    throw std::runtime_error("cannot make a temporary folder in " +
                             fs::temp_directory_path().string());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Every file of `dir` (not its subfolders) as name -> bytes.
std::map<std::string, py::bytes> read_folder(const fs::path& dir) {
  std::map<std::string, py::bytes> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file())
      out[entry.path().filename().string()] = py::bytes(ex::read_file(entry.path()));
  return out;
}

// The settings a keyword names; a key that is not one is a TypeError, as Python's own.
void set_setting(ex::RunSettings& s, const std::string& key, const py::handle& v,
                 const char* function) {
  auto& a = s.analysis;
  if (key == "rule")
    s.rule = v.cast<std::string>();
  else if (key == "nodes")
    s.nodes = v.cast<std::uint32_t>();
  else if (key == "join_requests")
    s.join_requests = v.cast<int>();
  else if (key == "max_hops")
    s.max_hops = v.cast<int>();
  else if (key == "min_connections")
    s.min_connections = v.cast<int>();
  else if (key == "max_connections")
    s.max_connections = v.cast<int>();
  else if (key == "arrival_interval_ms")
    s.arrival_interval_ms = v.cast<double>();
  else if (key == "scenario")
    s.scenario = py::str(v).cast<std::string>();
  else if (key == "latency_model")
    s.latency_model = v.cast<std::string>();
  else if (key == "latency_min_ms")
    s.latency_min_ms = v.cast<double>();
  else if (key == "latency_max_ms")
    s.latency_max_ms = v.cast<double>();
  else if (key == "latency_mu")
    s.latency_mu = v.cast<double>();
  else if (key == "latency_sigma")
    s.latency_sigma = v.cast<double>();
  else if (key == "site_matrix")
    s.site_matrix = py::str(v).cast<std::string>();
  else if (key == "loss")
    s.loss = v.cast<double>();
  else if (key == "sample_every_s")
    s.sample_every_s = v.cast<double>();
  else if (key == "flood")
    s.flood = v.cast<bool>();
  else if (key == "message")
    s.message = v.cast<std::string>();
  else if (key == "resilience_runs")
    a.resilience_runs = v.cast<int>();
  else if (key == "exact_paths_up_to")
    a.exact_path_limit = v.cast<std::size_t>();
  else if (key == "path_samples")
    a.path_samples = v.cast<std::size_t>();
  else if (key == "paths")
    a.paths = v.cast<bool>();
  else if (key == "spectral")
    a.spectral = v.cast<bool>();
  else if (key == "spectral_up_to")
    a.spectral_limit = v.cast<std::size_t>();
  else if (key == "crash")
    s.crash = v.cast<double>();
  else if (key == "settle_s")
    s.settle_s = v.cast<double>();
  else if (key == "repair_s")
    s.repair_s = v.cast<double>();
  else if (key == "comparison_measures")
    s.comparison_measures = v.cast<bool>();
  else
    throw py::type_error(std::string(function) + "() got an unexpected keyword argument '" + key +
                         "'");
}

ex::RunSettings settings_from(const py::dict& kwargs, ex::RunSettings s, const char* function) {
  for (auto [k, v] : kwargs) {
    const std::string key = py::str(k);
    try {
      set_setting(s, key, v, function);
    } catch (const py::cast_error&) {
      throw py::type_error(std::string(function) + "(): " + key + " cannot be " +
                           std::string(py::str(py::repr(v))));
    }
  }
  return s;
}

// One finished run: its description, seed and result, and the scenario's snapshots (kept in a
// temporary folder until the run is dropped).
class Run {
 public:
  Run(ex::RunDescription d, std::uint64_t seed) : description_(std::move(d)), seed_(seed) {
    ++g_live_runs;
  }
  ~Run() { --g_live_runs; }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  void simulate(const py::object& progress) {
    ex::RunHooks hooks;
    std::atomic<bool> cancel{false};
    std::atomic<std::int64_t> now{0};
    hooks.progress = [&](const sim::Network& n) {
      if (cancel.load(std::memory_order_relaxed)) throw ex::Stopped();
      now.store(n.now(), std::memory_order_relaxed);
    };
    if (!description_.scenario.snapshots.empty()) {
      snapshots_ = std::make_unique<TempDir>();
      hooks.snapshot_dir = snapshots_->path() / "snapshots";
    }
    const double end = static_cast<double>(description_.scenario.planned_end()) / kSecond;
    run_released([&] { result_ = ex::run(description_, seed_, hooks); },
                 [&] {
                   if (!progress.is_none())
                     progress(static_cast<double>(now.load()) / kSecond, end);
                 },
                 [&] { cancel = true; });
  }

  // The output folder `p2p sim` writes for the same options and seed, byte for byte.
  void write(const fs::path& out, bool force) const {
    const ex::Manifest m{"p2p sim",
                         description_.options(),
                         {},
                         seed_,
                         "",
                         description_.file_name,
                         description_.file_text};
    ex::prepare_output(out, ex::to_json(m), force);
    const fs::path partial = out / ".sim.partial";
    fs::remove_all(partial);
    try {
      ex::write_run(partial, result_);
      if (snapshots_ && fs::exists(snapshots_->path() / "snapshots"))
        fs::copy(snapshots_->path() / "snapshots", partial / "snapshots",
                 fs::copy_options::recursive);
      ex::write_file(partial / "manifest.json", ex::to_json(m));
    } catch (...) {
      std::error_code ec;
      fs::remove_all(partial, ec);
      throw;
    }
    ex::commit_folder(partial, out);
  }

  // Every CSV file of the run's folder, name -> bytes (what the frames are read from).
  std::map<std::string, py::bytes> tables() const {
    TempDir dir;
    ex::write_run(dir.path() / "run", result_);
    return read_folder(dir.path() / "run");
  }

  std::uint64_t seed() const { return seed_; }
  std::string rule() const { return description_.settings.rule; }
  std::uint64_t events() const { return result_.events; }
  double sim_seconds() const { return result_.sim_seconds; }
  double analysis_seconds() const { return result_.analysis_seconds; }
  std::vector<std::string> notes() const {
    return ex::omitted_metrics(description_, result_.report);
  }

 private:
  ex::RunDescription description_;
  std::uint64_t seed_;
  ex::RunResult result_;
  std::unique_ptr<TempDir> snapshots_;
};

std::unique_ptr<Run> simulate(std::uint64_t seed, const py::object& progress,
                              const py::kwargs& kw) {
  ex::RunDescription d = ex::describe(settings_from(kw, {}, "simulate"));
  auto run = std::make_unique<Run>(std::move(d), seed);
  run->simulate(progress);
  return run;
}

// Runs `c` into `out` and returns runs.csv and aggregate.csv as text; KeyboardInterrupt stops it
// with the finished runs kept (run again to resume).
std::map<std::string, std::string> run_campaign(const ex::Campaign& c, const std::string& out,
                                                unsigned jobs, bool force,
                                                const py::object& progress) {
  std::atomic<std::size_t> done{0}, reported{0};
  ex::CampaignSettings s;
  s.out = out;
  s.jobs = jobs;
  s.force = force;
  s.quiet = true;
  s.embedded = true;
  s.progress = [&](std::size_t d, std::size_t) { done = std::max(done.load(), d); };
  const std::size_t n = c.points.size() * c.seeds.size();
  ex::CampaignResult r;
  auto tick = [&] {
    if (progress.is_none() || done.load() == reported.load()) return;
    reported = done.load();
    progress(reported.load(), n);
  };
  ex::clear_stop();
  try {
    run_released([&] { r = ex::run_campaign(c, s); }, tick, [] { ex::request_stop(); });
  } catch (...) {
    ex::clear_stop();
    throw;
  }
  tick();
  ex::write_campaign_tables(c, r, s.out);
  return {{"runs", ex::runs_csv(c, r)},
          {"aggregate", ex::aggregate_csv(c, r)},
          {"ran", std::to_string(r.ran)},
          {"skipped", std::to_string(r.skipped)}};
}

std::map<std::string, std::string> campaign_study(const std::string& study, const std::string& out,
                                                  unsigned jobs, bool force,
                                                  const py::object& progress) {
  const ex::Campaign c = ex::load_study(study);
  return run_campaign(c, out, jobs, force, progress);
}

// The keyword form: rules x seeds on one scenario, as `p2p compare` lays it out.
std::map<std::string, std::string> campaign_rules(const std::vector<std::string>& rules,
                                                  const std::string& seeds, const std::string& out,
                                                  unsigned jobs, bool force,
                                                  const py::object& progress,
                                                  const py::kwargs& kw) {
  if (rules.empty()) throw std::invalid_argument("campaign(): name at least one rule");
  ex::Campaign c;
  c.command = "compare";
  c.parameters = {"rule"};
  c.seeds = ex::parse_seed_range(seeds);
  const ex::RunSettings base = settings_from(kw, {}, "campaign");
  for (const std::string& spec : rules) {
    for (const ex::CampaignPoint& p : c.points)
      if (p.values[0].second == spec)
        throw std::invalid_argument("rules: '" + spec + "' is named twice");
    ex::RunSettings s = base;
    s.rule = spec;
    c.points.push_back({{{"rule", spec}}, ex::describe(s)});
  }
  const ex::RunDescription& first = c.points.front().description;
  c.manifest = {"p2p compare", first.options(), {{"rule", "swept"}}, std::nullopt,
                seeds,         first.file_name, first.file_text};
  std::string names;
  for (const ex::CampaignPoint& p : c.points)
    names += (names.empty() ? "" : "; ") + p.values[0].second;
  c.manifest.options.emplace_back("rules", names);
  return run_campaign(c, out, jobs, force, progress);
}

// `p2p analyze EDGES --out OUT`'s report files, name -> bytes.
std::map<std::string, py::bytes> analyze(const std::string& edges, std::uint64_t seed,
                                         const py::kwargs& kw) {
  ex::RunSettings s = settings_from(kw, {}, "analyze");
  analysis::ReportOptions ro = s.analysis;
  ro.seed = seed;
  if (ro.resilience_runs < 1) throw std::invalid_argument("--resilience-runs must be at least 1");
  if (ro.path_samples < 1) throw std::invalid_argument("--path-samples must be at least 1");
  analysis::EdgeList list;
  try {
    list = analysis::read_edge_list(fs::path(edges));
  } catch (const analysis::EdgeListError& e) {
    throw std::invalid_argument(e.what());
  }
  TempDir dir;
  run_released(
      [&] {
        const analysis::Graph g = analysis::Graph::from_edges(list.node_count, list.edges);
        analysis::write_report(dir.path() / "report", g, analysis::compute_report(g, ro),
                               list.labels);
      },
      {}, [] {});
  return read_folder(dir.path() / "report");
}

py::list rules() {
  py::list out;
  for (const RuleInfo* r : registered_rules()) {
    py::dict params;
    for (const RuleParam& p : r->params) params[py::str(p.name)] = p.value;
    out.append(py::make_tuple(r->name, r->summary, params));
  }
  return out;
}

}  // namespace
}  // namespace p2p::python

PYBIND11_MODULE(_core, m) {
  using namespace p2p::python;
  m.doc() = "p2p's simulator, campaigns and analysis (the compiled half of the p2p package)";
  py::class_<Run>(m, "Run")
      .def("write", &Run::write, py::arg("out"), py::arg("force") = false)
      .def("tables", &Run::tables)
      .def_property_readonly("seed", &Run::seed)
      .def_property_readonly("rule", &Run::rule)
      .def_property_readonly("events", &Run::events)
      .def_property_readonly("sim_seconds", &Run::sim_seconds)
      .def_property_readonly("analysis_seconds", &Run::analysis_seconds)
      .def_property_readonly("notes", &Run::notes);
  m.def("simulate", &simulate, py::arg("seed") = 1, py::arg("progress") = py::none());
  m.def("campaign_study", &campaign_study, py::arg("study"), py::arg("out"), py::arg("jobs") = 0,
        py::arg("force") = false, py::arg("progress") = py::none());
  m.def("campaign_rules", &campaign_rules, py::arg("rules"), py::arg("seeds"), py::arg("out"),
        py::arg("jobs") = 0, py::arg("force") = false, py::arg("progress") = py::none());
  m.def("analyze", &analyze, py::arg("edges"), py::arg("seed") = 1);
  m.def("rules", &rules);
  m.def(
      "live_runs", [] { return g_live_runs.load(); },
      "Runs whose results are still held (what dropping a result frees).");
  m.def("register_rule", &register_python_rule, py::arg("cls"));
  m.def("canonical_spec",
        [](const std::string& spec) { return p2p::parse_join_rule(spec)->spec(); });
  m.def("version", &p2p::experiment::p2p_version);
  bind_rule_api(m);
  bind_conformance(m);
}
