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
#include <optional>
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
#include "runner/run_flags.hpp"

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

// A keyword and the `p2p sim` flag it stands for. The keywords become a command line parsed by
// the command line's own flag tables (runner/run_flags.hpp), so every value is checked by the
// same code and a bad one gets the same message.
enum class Kind { Integer, Real, Text, Path, NoFlag, Flag };
struct Keyword {
  const char* name;
  const char* flag;
  Kind kind;
};
constexpr Keyword kKeywords[] = {
    {"rule", nullptr, Kind::Text},  // each command adds --rule its own way: set directly
    {"nodes", "--nodes", Kind::Integer},
    {"join_requests", "--join-requests", Kind::Integer},
    {"max_hops", "--max-hops", Kind::Integer},
    {"min_connections", "--min-connections", Kind::Integer},
    {"max_connections", "--max-connections", Kind::Integer},
    {"arrival_interval_ms", "--arrival-interval", Kind::Real},
    {"scenario", "--scenario", Kind::Path},
    {"latency_model", "--latency-model", Kind::Text},
    {"latency_min_ms", "--latency-min", Kind::Real},
    {"latency_max_ms", "--latency-max", Kind::Real},
    {"latency_mu", "--latency-mu", Kind::Real},
    {"latency_sigma", "--latency-sigma", Kind::Real},
    {"site_matrix", "--site-matrix", Kind::Path},
    {"loss", "--loss", Kind::Real},
    {"sample_every_s", "--sample-every", Kind::Real},
    {"flood", "--no-flood", Kind::NoFlag},
    {"message", "--message", Kind::Text},
    {"signed", "--signed", Kind::Flag},
    {"resilience_runs", "--resilience-runs", Kind::Integer},
    {"exact_paths_up_to", "--exact-paths-up-to", Kind::Integer},
    {"path_samples", "--path-samples", Kind::Integer},
    {"paths", "--no-paths", Kind::NoFlag},
    {"spectral", "--no-spectral", Kind::NoFlag},
    {"spectral_up_to", "--spectral-up-to", Kind::Integer},
    {"crash", "--crash", Kind::Real},
    {"settle_s", "--settle", Kind::Real},
    {"repair_s", "--repair", Kind::Real},
};

// The flag's text for a keyword's value; TypeError for a value of the wrong type.
std::string flag_value(const Keyword& k, const py::handle& v, const char* function) {
  auto wrong = [&](const char* wanted) {
    return py::type_error(std::string(function) + "(): " + k.name + " must be " + wanted +
                          ", not " + std::string(py::str(py::type::of(v).attr("__name__"))));
  };
  const bool is_bool = py::isinstance<py::bool_>(v);
  switch (k.kind) {
    case Kind::Integer:
      if (is_bool || !py::isinstance<py::int_>(v)) throw wrong("an int");
      return py::str(v);
    case Kind::Real:
      if (is_bool || !(py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v)))
        throw wrong("a number");
      return py::str(py::repr(py::reinterpret_steal<py::object>(PyNumber_Float(v.ptr()))));
    case Kind::Text:
      if (!py::isinstance<py::str>(v)) throw wrong("a str");
      return v.cast<std::string>();
    case Kind::Path:
      if (!py::isinstance<py::str>(v) && !py::hasattr(v, "__fspath__")) throw wrong("a path");
      return py::module_::import("os").attr("fspath")(v).cast<std::string>();
    case Kind::NoFlag:
    case Kind::Flag:
      if (!is_bool) throw wrong("True or False");
      return {};
  }
  return {};
}

ex::RunSettings settings_from(const py::dict& kwargs, const char* function,
                              bool comparison = false) {
  std::vector<std::string> args{"p2p"};
  std::optional<std::string> rule;
  for (auto [key, value] : kwargs) {
    const std::string name = py::str(key);
    const Keyword* k = nullptr;
    for (const Keyword& candidate : kKeywords)
      if (name == candidate.name) k = &candidate;
    if (k == nullptr)
      throw py::type_error(std::string(function) + "() got an unexpected keyword argument '" +
                           name + "'");
    const std::string text = flag_value(*k, value, function);
    if (k->flag == nullptr) {
      rule = text;
    } else if (k->kind == Kind::NoFlag) {
      if (!value.cast<bool>()) args.push_back(k->flag);
    } else if (k->kind == Kind::Flag) {
      if (value.cast<bool>()) args.push_back(k->flag);
    } else {
      args.push_back(std::string(k->flag) + "=" + text);
    }
  }
  ex::RunSettings s;
  if (comparison) {
    // `p2p compare`'s defaults: the comparison's measures and a crash run.
    s.comparison_measures = true;
    s.crash = 0.5;
    s.analysis.resilience_runs = 5;
    s.analysis.exact_path_limit = 2000;
    s.analysis.spectral = false;
  }
  CLI::App app;
  runner::add_protocol_flags(&app, s);
  runner::add_network_flags(&app, s);
  runner::add_analysis_flags(&app, s.analysis);
  runner::add_crash_flags(&app, s);
  app.add_flag("--signed", s.signing);  // `p2p sim --signed` (runner/sim_command.cpp)
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    runner::refuse_ignored(&app, s);
  } catch (const CLI::ParseError& e) {
    throw py::value_error(std::string(e.what()) + " (see --help)");
  } catch (const runner::UsageError& e) {
    throw py::value_error(e.what());
  }
  if (rule) s.rule = *rule;
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
  void write(const std::string& folder, bool force) const {
    const fs::path out(folder);
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
  ex::RunDescription d = ex::describe(settings_from(kw, "simulate"));
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
                                                  const py::object& progress, bool comparison,
                                                  const py::kwargs& kw) {
  if (rules.empty()) throw std::invalid_argument("campaign(): name at least one rule");
  ex::Campaign c;
  c.command = "compare";
  c.parameters = {"rule"};
  c.seeds = ex::parse_seed_range(seeds);
  const ex::RunSettings base = settings_from(kw, "campaign", comparison);
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
  ex::RunSettings s = settings_from(kw, "analyze");
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
        py::arg("jobs") = 0, py::arg("force") = false, py::arg("progress") = py::none(),
        py::arg("comparison") = false);
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
