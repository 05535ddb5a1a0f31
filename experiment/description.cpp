#include "experiment/description.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>

#include "experiment/output_folder.hpp"
#include "experiment/rule_spec.hpp"

namespace p2p::experiment {
namespace {

Time ms_to_time(double ms) {
  return static_cast<Time>(std::llround(ms * kMillisecond));
}

double time_to_ms(Time t) {
  return static_cast<double>(t) / kMillisecond;
}

std::string number(double v) {
  return analysis::format_number(v);
}

const char* model_name(sim::LatencyKind k) {
  switch (k) {
    case sim::LatencyKind::Uniform:
      return "uniform";
    case sim::LatencyKind::LogNormal:
      return "lognormal";
    case sim::LatencyKind::Matrix:
      return "matrix";
  }
  return "uniform";
}

// The settings' latency model; a site matrix is loaded from its file.
sim::LatencyModel latency_of(const RunSettings& s, bool from_file) {
  if (s.latency_min_ms > s.latency_max_ms)
    throw std::invalid_argument("--latency-min must not exceed --latency-max");
  sim::LatencyModel lat;
  lat.min = ms_to_time(s.latency_min_ms);
  lat.max = ms_to_time(s.latency_max_ms);
  lat.mu = s.latency_mu;
  lat.sigma = s.latency_sigma;
  if (s.latency_model == "uniform") {
    lat.kind = sim::LatencyKind::Uniform;
  } else if (s.latency_model == "lognormal") {
    lat.kind = sim::LatencyKind::LogNormal;
  } else if (s.latency_model == "matrix") {
    lat.kind = sim::LatencyKind::Matrix;
  } else {
    throw std::invalid_argument("--latency-model: '" + s.latency_model +
                                "' is not one of uniform, lognormal, matrix");
  }
  if (!s.site_matrix.empty()) {
    if (lat.kind != sim::LatencyKind::Matrix)
      throw std::invalid_argument("--site-matrix needs --latency-model matrix");
    lat.sites = std::make_shared<sim::SiteMatrix>(sim::load_site_matrix(s.site_matrix));
  } else if (lat.kind == sim::LatencyKind::Matrix && !from_file) {
    throw std::invalid_argument("--latency-model matrix needs --site-matrix FILE");
  }
  return lat;
}

RunDescription finish(RunSettings s, const sim::ScenarioFile* file) {
  RunDescription d;
  if (file) {
    const sim::ScenarioFile& f = *file;
    if (f.rule) s.rule = *f.rule;
    if (f.join_requests) s.join_requests = *f.join_requests;
    if (f.max_hops) s.max_hops = *f.max_hops;
    if (f.min_connections) s.min_connections = *f.min_connections;
    if (f.max_connections) s.max_connections = *f.max_connections;
    if (f.resilience_runs) s.analysis.resilience_runs = *f.resilience_runs;
    if (f.paths) s.analysis.paths = *f.paths;
    if (f.exact_paths_up_to) s.analysis.exact_path_limit = *f.exact_paths_up_to;
    if (f.path_samples) s.analysis.path_samples = *f.path_samples;
    if (f.spectral) s.analysis.spectral = *f.spectral;
    if (f.spectral_up_to) s.analysis.spectral_limit = *f.spectral_up_to;
    if (f.loss) s.loss = *f.loss;
    if (f.signing) s.signing = *f.signing;
    if (f.latency) {
      s.latency_model = model_name(f.latency->kind);
      s.latency_min_ms = time_to_ms(f.latency->min);
      s.latency_max_ms = time_to_ms(f.latency->max);
      s.latency_mu = f.latency->mu;
      s.latency_sigma = f.latency->sigma;
      s.site_matrix.clear();
    }
  }
  d.config.join_requests = s.join_requests;
  d.config.max_hops = s.max_hops;
  d.config.min_connections = s.min_connections;
  d.config.max_connections = s.max_connections;
  try {
    d.mix = parse_rule_mix(s.rule, d.config);
    if (d.mix)
      d.config = d.mix->configs.front();
    else
      apply_rule(s.rule, d.config);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("rule: ") + e.what());
  }
  s.max_hops = d.config.max_hops;
  d.network.latency = file && file->latency ? *file->latency : latency_of(s, file != nullptr);
  if (d.network.latency.kind == sim::LatencyKind::Matrix && !d.network.latency.sites)
    throw std::invalid_argument("the matrix latency model needs a site matrix");
  d.network.loss = s.loss;

  if (file) {
    d.scenario = file->scenario;
    if (file->nodes) {
      s.nodes = *file->nodes;
      if (file->arrival_interval) s.arrival_interval_ms = time_to_ms(*file->arrival_interval);
      const sim::Scenario growth =
          sim::Scenario::growth(s.nodes, ms_to_time(s.arrival_interval_ms));
      d.scenario.arrivals = growth.arrivals;
    }
    if (!s.flood) d.scenario.final_flood = false;
    if (s.sample_every_s > 0)
      d.scenario.sample_every = static_cast<Time>(std::llround(s.sample_every_s * kSecond));
    s.flood = d.scenario.final_flood;
    s.message = d.scenario.message;
    s.sample_every_s = static_cast<double>(d.scenario.sample_every) / kSecond;
  } else {
    d.scenario = sim::Scenario::growth(s.nodes, ms_to_time(s.arrival_interval_ms));
    d.scenario.final_flood = s.flood;
    d.scenario.message = s.message;
    d.scenario.sample_every = static_cast<Time>(std::llround(s.sample_every_s * kSecond));
  }
  if (s.analysis.resilience_runs < 1) throw std::invalid_argument("resilience runs must be >= 1");
  if (s.analysis.path_samples < 1) throw std::invalid_argument("path samples must be >= 1");
  d.settings = std::move(s);
  return d;
}

}  // namespace

Options RunDescription::options() const {
  const RunSettings& s = settings;
  Options o;
  auto add = [&](const char* k, std::string v) { o.emplace_back(k, std::move(v)); };
  add("rule", mix ? canonical_mix(*mix) : canonical_rule(config));
  add("join_requests", std::to_string(s.join_requests));
  add("max_hops", std::to_string(s.max_hops));
  add("min_connections", std::to_string(s.min_connections));
  add("max_connections", std::to_string(s.max_connections));
  add("scenario", file_name.empty() ? "default" : file_name);
  if (!file_name.empty()) add("scenario_fnv1a64", text_hash(file_text));
  if (file_name.empty() || !scenario.arrivals.empty()) {
    add("nodes", std::to_string(s.nodes));
    add("arrival_interval_ms", number(s.arrival_interval_ms));
  }
  add("latency_model", s.latency_model);
  add("latency_min_ms", number(s.latency_min_ms));
  add("latency_max_ms", number(s.latency_max_ms));
  add("latency_mu", number(s.latency_mu));
  add("latency_sigma", number(s.latency_sigma));
  if (!s.site_matrix.empty()) {
    add("site_matrix", s.site_matrix);
    add("site_matrix_fnv1a64", text_hash(read_file(s.site_matrix)));
  }
  add("loss", number(s.loss));
  if (network.service_time > 0) add("service_time_us", std::to_string(network.service_time));
  add("sample_every_s", number(s.sample_every_s));
  add("final_flood", s.flood ? "true" : "false");
  add("message", s.message);
  if (s.signing) add("signed", "true");  // absent when off, so earlier manifests still match
  add("resilience_runs", std::to_string(s.analysis.resilience_runs));
  add("exact_paths_up_to", std::to_string(s.analysis.exact_path_limit));
  add("path_samples", std::to_string(s.analysis.path_samples));
  add("paths", s.analysis.paths ? "true" : "false");
  add("spectral", s.analysis.spectral ? "true" : "false");
  add("spectral_up_to", std::to_string(s.analysis.spectral_limit));
  for (const CustomMetric& m : custom_metrics) add("custom_metric", m.name);
  for (const CustomObserver& o : custom_observers)
    for (const CustomObserver::Column& c : o.columns) add("custom_metric", c.name);
  if (s.comparison_measures) {
    add("crash", number(s.crash));
    add("settle_s", number(s.settle_s));
    add("repair_s", number(s.repair_s));
  }
  return o;
}

RunDescription describe(RunSettings settings) {
  if (settings.scenario.empty()) return finish(std::move(settings), nullptr);
  const std::string name = settings.scenario;
  const std::filesystem::path path(name);
  sim::ScenarioFile file = sim::load_scenario(path);
  if (file.has_sweep)
    throw std::invalid_argument(name + ": a [sweep] runs with `p2p run " + name + "`");
  return describe(std::move(settings), file, name, read_file(path));
}

RunDescription describe(RunSettings settings, const sim::ScenarioFile& file,
                        const std::string& name, const std::string& text) {
  RunDescription d = finish(std::move(settings), &file);
  d.file_name = name;
  d.file_text = text;
  return d;
}

}  // namespace p2p::experiment
