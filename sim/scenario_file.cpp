#include "sim/scenario_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#if P2P_HAVE_TOML
#include <toml++/toml.h>
#endif

namespace p2p::sim {

SiteMatrix load_site_matrix(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw std::invalid_argument(path.string() +
                                ": cannot read the site matrix: " + std::strerror(errno));
  SiteMatrix m;
  std::string line;
  std::size_t line_no = 0, rows = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<Time> row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      std::size_t used = 0;
      double ms = 0;
      try {
        ms = std::stod(cell, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      while (used < cell.size() && std::isspace(static_cast<unsigned char>(cell[used]))) ++used;
      if (used == 0 || used != cell.size() || !(ms >= 0) || ms > 1e9)
        throw std::invalid_argument(path.string() + ":" + std::to_string(line_no) +
                                    ": not a latency in milliseconds: '" + cell + "'");
      row.push_back(static_cast<Time>(std::llround(ms * kMillisecond)));
    }
    if (m.count == 0) m.count = row.size();
    if (row.size() != m.count || rows >= m.count)
      throw std::invalid_argument(path.string() + ":" + std::to_string(line_no) +
                                  ": the matrix must be square (" + std::to_string(m.count) +
                                  " columns on every line, as many lines)");
    m.latency.insert(m.latency.end(), row.begin(), row.end());
    ++rows;
  }
  if (m.count == 0 || rows != m.count)
    throw std::invalid_argument(path.string() + ": the matrix must be square and not empty");
  return m;
}

#if P2P_HAVE_TOML

bool scenario_files_supported() {
  return true;
}

namespace {

// One table of the file, read key by key; every key it does not ask for is an error.
class Section {
 public:
  Section(const toml::table& t, std::string name, const std::string& source)
      : t_(t), name_(std::move(name)), source_(source) {}

  [[noreturn]] void fail(const toml::node* n, std::string_view key, const std::string& what) const {
    const auto line = n ? n->source().begin.line : t_.source().begin.line;
    std::string where = name_.empty() ? "" : " in " + name_;
    throw std::invalid_argument(source_ + ":" + std::to_string(line) + ": key '" +
                                std::string(key) + "'" + where + ": " + what);
  }

  const toml::node* get(std::string_view key) {
    used_.insert(std::string(key));
    return t_.get(key);
  }

  std::optional<double> number(std::string_view key, double lo, double hi) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    std::optional<double> v;
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    if (n->is_floating_point()) v = n->as_floating_point()->get();
    if (!v) fail(n, key, "expected a number");
    if (!(*v >= lo && *v <= hi))
      fail(n, key, "must be between " + fmt(lo) + " and " + fmt(hi) + ", got " + fmt(*v));
    return v;
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(n, key, "expected an integer");
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      fail(n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(n, key, "expected true or false");
    return n->as_boolean()->get();
  }

  std::optional<std::string> text(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(n, key, "expected a string");
    return n->as_string()->get();
  }

  // A string that must be one of `choices`; returns its index.
  std::optional<std::size_t> choice(std::string_view key,
                                    std::initializer_list<const char*> choices) {
    const auto s = text(key);
    if (!s) return std::nullopt;
    std::size_t i = 0;
    std::string all;
    for (const char* c : choices) {
      if (*s == c) return i;
      all += (i++ ? ", " : "") + std::string(c);
    }
    fail(get(key), key, "'" + *s + "' is not one of " + all);
  }

  // Time in seconds from KEY_s or in milliseconds from KEY_ms (not both).
  std::optional<Time> duration(std::string_view key, double max_s = 1e9) {
    const auto s = number(std::string(key) + "_s", 0, max_s);
    const auto ms = number(std::string(key) + "_ms", 0, max_s * 1000);
    if (s && ms)
      fail(get(std::string(key) + "_ms"), std::string(key) + "_ms",
           "give " + std::string(key) + "_s or " + std::string(key) + "_ms, not both");
    if (s) return static_cast<Time>(std::llround(*s * kSecond));
    if (ms) return static_cast<Time>(std::llround(*ms * kMillisecond));
    return std::nullopt;
  }

  Time required_duration(std::string_view key) {
    const auto t = duration(key);
    if (!t) fail(nullptr, std::string(key) + "_s", "is required");
    return *t;
  }

  const toml::table* subtable(std::string_view key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, key, "expected a table");
    return n->as_table();
  }

  void finish() const {
    for (auto&& [k, v] : t_) {
      if (!used_.count(std::string(k.str())))
        fail(&v, k.str(), "unknown key" + (name_.empty() ? "" : " for " + name_));
    }
  }

  const std::string& source() const { return source_; }
  const std::string& name() const { return name_; }

 private:
  static std::string fmt(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }

  const toml::table& t_;
  std::string name_;
  const std::string& source_;
  std::set<std::string> used_;
};

Sessions read_sessions(Section& s) {
  Sessions out;
  const toml::table* t = s.subtable("session");
  if (!t) s.fail(nullptr, "session", "is required");
  Section d(*t, s.name() + ".session", s.source());
  const auto kind =
      d.choice("distribution", {"fixed", "exponential", "pareto", "lognormal", "weibull"});
  if (!kind) d.fail(nullptr, "distribution", "is required");
  using K = Distribution::Kind;
  auto need = [&](std::string_view key, double lo, double hi) {
    const auto v = d.number(key, lo, hi);
    if (!v) d.fail(nullptr, key, "is required for this distribution");
    return *v;
  };
  switch (*kind) {
    case 0:
      out.length = {K::Fixed, need("value_s", 0, 1e9), 0};
      break;
    case 1:
      out.length = {K::Exponential, need("mean_s", 1e-6, 1e9), 0};
      break;
    case 2:
      out.length = {K::Pareto, need("scale_s", 1e-6, 1e9), need("shape", 1e-3, 1e3)};
      break;
    case 3:
      out.length = {K::LogNormal, need("mu", -50, 50), need("sigma", 0, 20)};
      break;
    default:
      out.length = {K::Weibull, need("scale_s", 1e-6, 1e9), need("shape", 1e-3, 1e3)};
      break;
  }
  d.finish();
  out.crash_fraction = s.number("crash_fraction", 0, 1).value_or(0);
  out.detection = s.duration("detection_delay").value_or(out.detection);
  return out;
}

// Calls `each` on every table of the array of tables `key` ([[key]]).
template <typename F>
void each_table(Section& top, std::string_view key, F each) {
  const toml::node* n = top.get(key);
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr) top.fail(n, key, "expected an array of tables: [[" + std::string(key) + "]]");
  for (const toml::node& item : *arr) {
    if (!item.is_table()) top.fail(&item, key, "expected a table");
    Section s(*item.as_table(), "[[" + std::string(key) + "]]", top.source());
    each(s);
    s.finish();
  }
}

// With end_s set, a phase that starts after it would silently never happen: refuse it.
void check_end(Section& top, const Scenario& sc) {
  if (sc.end == 0) return;
  auto late = [&](Time t, const char* what) {
    if (t > sc.end) {
      std::ostringstream os;
      os << what << " at " << static_cast<double>(t) / kSecond << " s is after end_s ("
         << static_cast<double>(sc.end) / kSecond << " s) and would never happen";
      top.fail(top.get("end_s") ? top.get("end_s") : top.get("end_ms"), "end_s", os.str());
    }
  };
  for (const ArrivalPhase& a : sc.arrivals) late(a.at, "an [[arrivals]] phase");
  for (const ChurnPhase& c : sc.churn) late(c.at, "a [[churn]] phase");
  for (const MassFailure& m : sc.failures) late(m.at, "a [[mass_failure]]");
  for (const PartitionPhase& p : sc.partitions) late(p.at, "a [[partition]]");
  for (const BroadcastPhase& b : sc.broadcasts) late(b.at, "a [[broadcasts]] phase");
  for (Time t : sc.snapshots) late(t, "a snapshot");
}

void check_window(Section& s, Time at, Time until) {
  if (until < at) s.fail(s.get("until_s"), "until_s", "must not be before at_s");
}

}  // namespace

ScenarioFile parse_scenario(std::string_view text, const std::string& source_name,
                            const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw std::invalid_argument(source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                                std::string(e.description()));
  }
  ScenarioFile f;
  Scenario& sc = f.scenario;
  sc.entry_node = true;
  sc.final_flood = true;
  Section top(root, "", source_name);
  sc.end = top.duration("end").value_or(0);
  sc.sample_every = top.duration("sample_every").value_or(0);
  sc.final_flood = top.boolean("final_flood").value_or(true);
  sc.message = top.text("message").value_or(sc.message);
  sc.entry_node = top.boolean("entry_node").value_or(true);
  if (auto k = top.integer("join_requests", 1, 1000)) f.join_requests = static_cast<int>(*k);
  if (auto h = top.integer("max_hops", 0, 255)) f.max_hops = static_cast<int>(*h);
  f.rule = top.text("rule");
  f.signing = top.boolean("signed");
  if (auto m = top.integer("min_connections", 0, 1000)) f.min_connections = static_cast<int>(*m);
  if (auto m = top.integer("max_connections", 0, 100000)) f.max_connections = static_cast<int>(*m);
  if (auto r = top.integer("resilience_runs", 1, 10000)) f.resilience_runs = static_cast<int>(*r);
  f.paths = top.boolean("paths");
  if (auto l = top.integer("exact_paths_up_to", 0, 0x7FFFFFFE)) f.exact_paths_up_to = *l;
  if (auto k = top.integer("path_samples", 1, 1000000)) f.path_samples = *k;
  f.spectral = top.boolean("spectral");
  if (auto l = top.integer("spectral_up_to", 0, 0x7FFFFFFE)) f.spectral_up_to = *l;
  if (auto n = top.integer("nodes", 1, 0x7FFFFFFE)) f.nodes = static_cast<std::uint32_t>(*n);
  f.arrival_interval = top.duration("arrival_interval", 1e6);
  if (f.arrival_interval && !f.nodes)
    top.fail(top.get("arrival_interval_ms"), "arrival_interval_ms", "needs nodes");
  if (const toml::node* n = top.get("seeds")) {
    if (n->is_integer() && n->as_integer()->get() >= 0)
      f.seeds = std::to_string(n->as_integer()->get());
    else if (n->is_string())
      f.seeds = n->as_string()->get();
    else
      top.fail(n, "seeds", "expected \"A..B\" or a non-negative integer");
  }
  if (const toml::node* n = top.get("sweep")) {
    if (!n->is_table()) top.fail(n, "sweep", "expected a table: [sweep]");
    f.has_sweep = true;
  }

  if (const toml::table* lt = top.subtable("latency")) {
    Section s(*lt, "[latency]", source_name);
    LatencyModel m;
    const auto model = s.choice("model", {"uniform", "lognormal", "matrix"}).value_or(0);
    m.kind = model == 0   ? LatencyKind::Uniform
             : model == 1 ? LatencyKind::LogNormal
                          : LatencyKind::Matrix;
    m.min = s.duration("min", 1e6).value_or(model == 2 ? 0 : m.min);
    m.max = s.duration("max", 1e6).value_or(model == 2 ? 0 : model == 1 ? 10 * kSecond : m.max);
    if (m.max < m.min) s.fail(s.get("max_ms"), "max_ms", "must not be below min_ms");
    m.mu = s.number("mu", -20, 20).value_or(m.mu);
    m.sigma = s.number("sigma", 0, 10).value_or(m.sigma);
    if (auto file = s.text("matrix_file")) {
      if (model != 2) s.fail(s.get("matrix_file"), "matrix_file", "needs model = \"matrix\"");
      std::filesystem::path p(*file);
      if (p.is_relative()) p = base_dir / p;
      m.sites = std::make_shared<SiteMatrix>(load_site_matrix(p));
    } else if (model == 2) {
      s.fail(nullptr, "matrix_file", "is required by the matrix model");
    }
    if (auto loss = s.number("loss", 0, 1)) f.loss = loss;
    s.finish();
    f.latency = m;
  }

  each_table(top, "arrivals", [&](Section& s) {
    ArrivalPhase a;
    a.at = s.duration("at").value_or(0);
    const auto count = s.integer("count", 0, 0x7FFFFFF0);
    if (!count) s.fail(nullptr, "count", "is required");
    a.count = static_cast<std::uint64_t>(*count);
    const auto interval = s.duration("interval", 1e6);
    const auto rate = s.number("rate_per_s", 1e-9, 1e9);
    if (interval && rate)
      s.fail(s.get("rate_per_s"), "rate_per_s", "give interval or rate, not both");
    if (interval) a.interval = *interval;
    if (rate) a.rate = *rate;
    a.random_entry = s.choice("entry", {"first", "random"}).value_or(0) == 1;
    if (s.get("session")) {
      a.has_sessions = true;
      a.sessions = read_sessions(s);
    } else if (s.get("crash_fraction") || s.get("detection_delay_s") ||
               s.get("detection_delay_ms")) {
      s.fail(nullptr, "session", "is required with crash_fraction or detection_delay");
    }
    sc.arrivals.push_back(a);
  });
  each_table(top, "churn", [&](Section& s) {
    ChurnPhase c;
    c.at = s.duration("at").value_or(0);
    c.until = s.required_duration("until");
    check_window(s, c.at, c.until);
    c.sessions = read_sessions(s);
    c.replace = s.boolean("replace").value_or(true);
    sc.churn.push_back(c);
  });
  each_table(top, "mass_failure", [&](Section& s) {
    MassFailure m;
    m.at = s.required_duration("at");
    const auto fraction = s.number("fraction", 0, 1);
    if (!fraction) s.fail(nullptr, "fraction", "is required");
    m.fraction = *fraction;
    m.by_degree = s.choice("order", {"random", "degree"}).value_or(0) == 1;
    m.crash = s.choice("departure", {"crash", "graceful"}).value_or(0) == 0;
    m.detection = s.duration("detection_delay").value_or(m.detection);
    sc.failures.push_back(m);
  });
  each_table(top, "partition", [&](Section& s) {
    PartitionPhase p;
    p.at = s.required_duration("at");
    p.until = s.required_duration("until");
    check_window(s, p.at, p.until);
    p.fraction = s.number("fraction", 0, 1).value_or(0.5);
    sc.partitions.push_back(p);
  });
  each_table(top, "broadcasts", [&](Section& s) {
    BroadcastPhase b;
    b.at = s.duration("at").value_or(0);
    b.until = s.required_duration("until");
    check_window(s, b.at, b.until);
    const auto rate = s.number("rate_per_s", 1e-9, 1e6);
    if (!rate) s.fail(nullptr, "rate_per_s", "is required");
    b.rate = *rate;
    if (b.rate * static_cast<double>(b.until - b.at) / kSecond > 1e7)
      s.fail(s.get("rate_per_s"), "rate_per_s", "more than ten million broadcasts in the window");
    b.poisson = s.choice("process", {"poisson", "fixed"}).value_or(0) == 0;
    b.text = s.text("text").value_or(b.text);
    sc.broadcasts.push_back(b);
  });
  if (const toml::table* st = top.subtable("snapshots")) {
    Section s(*st, "[snapshots]", source_name);
    if (const toml::node* n = s.get("at_s")) {
      const toml::array* arr = n->as_array();
      if (!arr) s.fail(n, "at_s", "expected an array of seconds");
      for (const toml::node& v : *arr) {
        std::optional<double> x;
        if (v.is_integer()) x = static_cast<double>(v.as_integer()->get());
        if (v.is_floating_point()) x = v.as_floating_point()->get();
        if (!x || !(*x >= 0 && *x <= 1e9)) s.fail(&v, "at_s", "expected seconds >= 0");
        sc.snapshots.push_back(static_cast<Time>(std::llround(*x * kSecond)));
      }
    }
    if (const auto every = s.duration("every")) {
      const Time until = s.required_duration("until");
      if (*every <= 0) s.fail(s.get("every_s"), "every_s", "must be positive");
      if (until / *every > 100000) s.fail(s.get("every_s"), "every_s", "too many snapshots");
      for (Time t = *every; t <= until; t += *every) sc.snapshots.push_back(t);
    }
    s.finish();
    std::sort(sc.snapshots.begin(), sc.snapshots.end());
  }
  top.finish();
  if (f.nodes && !sc.arrivals.empty())
    top.fail(top.get("nodes"), "nodes", "give nodes or [[arrivals]], not both");
  check_end(top, sc);
  return f;
}

ScenarioFile load_scenario(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::invalid_argument(path.string() + ": is a folder, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::invalid_argument(path.string() +
                                ": cannot read the scenario file: " + std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (text.size() > (1u << 20)) throw std::invalid_argument(path.string() + ": larger than 1 MiB");
  return parse_scenario(text, path.string(), path.parent_path());
}

#else

bool scenario_files_supported() {
  return false;
}

ScenarioFile parse_scenario(std::string_view, const std::string& source_name,
                            const std::filesystem::path&) {
  throw std::invalid_argument(source_name +
                              ": this build cannot read scenario files (toml++ was "
                              "not found when it was built)");
}

ScenarioFile load_scenario(const std::filesystem::path& path) {
  return parse_scenario({}, path.string());
}

#endif

}  // namespace p2p::sim
