#include "experiment/gap.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <stdexcept>

#include "experiment/csv.hpp"
#include "experiment/output_folder.hpp"

namespace p2p::experiment {
namespace fs = std::filesystem;
namespace {

// Rows of a CSV file as (header name -> field), header first.
std::vector<std::map<std::string, std::string>> read_table(const fs::path& path) {
  const std::string text = read_file(path);
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> header;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = nl + 1;
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_csv_line(line);
    if (header.empty()) {
      header = fields;
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

double number(const std::string& s) {
  if (s.empty()) return std::nan("");
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    return used == s.size() ? v : std::nan("");
  } catch (const std::exception&) {
    return std::nan("");
  }
}

MeasuredRun read_run(const fs::path& dir) {
  MeasuredRun r;
  r.dir = dir;
  for (auto& row : read_table(dir / "summary.csv")) r.metrics[row["metric"]] = number(row["value"]);
  if (r.metrics.empty())
    throw std::invalid_argument((dir / "summary.csv").string() + " holds no metric");
  for (auto& row : read_table(dir / "degree_distribution.csv")) {
    const double d = number(row["degree"]), n = number(row["count"]);
    if (!(d >= 0) || !(n >= 0))
      throw std::invalid_argument((dir / "degree_distribution.csv").string() + ": bad row");
    r.degrees[static_cast<std::uint64_t>(d)] += static_cast<std::uint64_t>(n);
  }
  // Derived: hops a JOIN_REQ was passed on per accept, and the broadcasts' latency percentiles
  // (mean over the broadcasts of the run).
  auto& m = r.metrics;
  if (m.count("join_request_hops") && m.count("join_requests_accepted") &&
      m["join_requests_accepted"] > 0)
    m["join_hops_per_accept"] = m["join_request_hops"] / m["join_requests_accepted"];
  auto bc = read_table(dir / "broadcasts.csv");
  for (const char* col : {"latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_max_ms"}) {
    double sum = 0;
    int n = 0;
    for (auto& row : bc)
      if (const double v = number(row[col]); !std::isnan(v)) {
        sum += v;
        ++n;
      }
    if (n > 0) m[col] = sum / n;
  }
  return r;
}

std::map<std::uint64_t, std::uint64_t> pooled(const std::vector<MeasuredRun>& runs,
                                              std::size_t skip = SIZE_MAX) {
  std::map<std::uint64_t, std::uint64_t> h;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (i != skip)
      for (auto [d, n] : runs[i].degrees) h[d] += n;
  return h;
}

// The scalar metrics compared, in gap.csv's order.
constexpr const char* kMetrics[] = {"nodes",
                                    "edges",
                                    "mean_degree",
                                    "max_degree",
                                    "average_clustering",
                                    "transitivity",
                                    "mean_shortest_path",
                                    "diameter",
                                    "largest_component_fraction",
                                    "flood_coverage",
                                    "flood_duplicates",
                                    "latency_p50_ms",
                                    "latency_p90_ms",
                                    "latency_p99_ms",
                                    "latency_max_ms",
                                    "join_requests_accepted",
                                    "join_requests_dropped",
                                    "join_hops_per_accept"};

}  // namespace

std::vector<MeasuredRun> read_runs(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::invalid_argument(dir.string() + " is not a folder");
  if (fs::exists(dir / "summary.csv", ec)) return {read_run(dir)};
  std::vector<fs::path> subs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::exists(e.path() / "summary.csv")) subs.push_back(e.path());
  std::sort(subs.begin(), subs.end());
  if (subs.empty())
    throw std::invalid_argument(dir.string() +
                                " holds no run (no summary.csv in it or a sub-folder)");
  std::vector<MeasuredRun> runs;
  for (const fs::path& p : subs) runs.push_back(read_run(p));
  return runs;
}

double total_variation(const std::map<std::uint64_t, std::uint64_t>& a,
                       const std::map<std::uint64_t, std::uint64_t>& b) {
  double na = 0, nb = 0;
  for (auto [k, v] : a) na += static_cast<double>(v);
  for (auto [k, v] : b) nb += static_cast<double>(v);
  if (na == 0 || nb == 0) return std::nan("");
  std::map<std::uint64_t, std::pair<double, double>> both;
  for (auto [k, v] : a) both[k].first = static_cast<double>(v) / na;
  for (auto [k, v] : b) both[k].second = static_cast<double>(v) / nb;
  double sum = 0;
  for (auto& [k, p] : both) sum += std::abs(p.first - p.second);
  return sum / 2;
}

std::pair<double, double> chi_square(const std::map<std::uint64_t, std::uint64_t>& a,
                                     const std::map<std::uint64_t, std::uint64_t>& b) {
  std::map<std::uint64_t, std::pair<double, double>> both;
  double na = 0, nb = 0;
  for (auto [k, v] : a) {
    both[k].first += static_cast<double>(v);
    na += static_cast<double>(v);
  }
  for (auto [k, v] : b) {
    both[k].second += static_cast<double>(v);
    nb += static_cast<double>(v);
  }
  const double n = na + nb;
  if (na == 0 || nb == 0) return {std::nan(""), std::nan("")};
  // Merge adjacent degrees, lowest first, until each bin expects at least 5 on both sides; a
  // short last bin joins the one before it.
  std::vector<std::pair<double, double>> bins;
  std::pair<double, double> open{0, 0};
  auto enough = [&](const std::pair<double, double>& x) {
    const double col = x.first + x.second;
    return col * na / n >= 5 && col * nb / n >= 5;
  };
  for (auto& [k, x] : both) {
    open.first += x.first;
    open.second += x.second;
    if (enough(open)) {
      bins.push_back(open);
      open = {0, 0};
    }
  }
  if (open.first + open.second > 0) {
    if (bins.empty()) {
      bins.push_back(open);
    } else {
      bins.back().first += open.first;
      bins.back().second += open.second;
    }
  }
  if (bins.size() < 2) return {0, std::nan("")};
  double stat = 0;
  for (auto& [x, y] : bins) {
    const double col = x + y;
    const double ex = col * na / n, ey = col * nb / n;
    stat += (x - ex) * (x - ex) / ex + (y - ey) * (y - ey) / ey;
  }
  const boost::math::chi_squared dist(static_cast<double>(bins.size() - 1));
  return {stat, boost::math::cdf(boost::math::complement(dist, stat))};
}

std::pair<double, double> welch_t(const std::vector<double>& a, const std::vector<double>& b) {
  const Interval x = summarize(a), y = summarize(b);
  if (x.runs < 2 || y.runs < 2) return {std::nan(""), std::nan("")};
  const double va = x.stddev * x.stddev / static_cast<double>(x.runs);
  const double vb = y.stddev * y.stddev / static_cast<double>(y.runs);
  if (va + vb == 0) return {0, x.mean == y.mean ? 1.0 : 0.0};
  const double t = (x.mean - y.mean) / std::sqrt(va + vb);
  const double df =
      (va + vb) * (va + vb) /
      (va * va / static_cast<double>(x.runs - 1) + vb * vb / static_cast<double>(y.runs - 1));
  const boost::math::students_t dist(df);
  return {t, 2 * boost::math::cdf(boost::math::complement(dist, std::abs(t)))};
}

std::vector<GapRow> compute_gap(const std::vector<MeasuredRun>& real,
                                const std::vector<MeasuredRun>& sim) {
  std::vector<GapRow> rows;
  auto rel = [](double diff, double base) { return base != 0 ? diff / base : std::nan(""); };
  for (const char* name : kMetrics) {
    std::vector<double> a, b;
    for (const MeasuredRun& r : real)
      if (auto it = r.metrics.find(name); it != r.metrics.end()) a.push_back(it->second);
    for (const MeasuredRun& r : sim)
      if (auto it = r.metrics.find(name); it != r.metrics.end()) b.push_back(it->second);
    if (a.empty() || b.empty()) continue;  // measured on one side only: nothing to compare
    GapRow g;
    g.metric = name;
    g.real = summarize(a);
    g.sim = summarize(b);
    g.difference = g.real.mean - g.sim.mean;
    g.relative_difference = rel(g.difference, g.sim.mean);
    g.test = "welch_t";
    std::tie(g.statistic, g.p_value) = welch_t(a, b);
    rows.push_back(g);
  }
  // The degree distribution: each real seed against the pooled simulator seeds, and, as the
  // yardstick, each simulator seed against the other simulator seeds pooled.
  const auto sim_all = pooled(sim);
  std::vector<double> real_tvd, sim_tvd;
  for (const MeasuredRun& r : real) real_tvd.push_back(total_variation(r.degrees, sim_all));
  if (sim.size() > 1)
    for (std::size_t i = 0; i < sim.size(); ++i)
      sim_tvd.push_back(total_variation(sim[i].degrees, pooled(sim, i)));
  GapRow g;
  g.metric = "degree_distribution_tvd";
  g.real = summarize(real_tvd);
  g.sim = summarize(sim_tvd);
  const auto real_all = pooled(real);
  g.difference = total_variation(real_all, sim_all);
  g.relative_difference = std::nan("");
  g.test = "chi_square";
  std::tie(g.statistic, g.p_value) = chi_square(real_all, sim_all);
  rows.push_back(g);
  return rows;
}

std::string gap_csv(const std::vector<GapRow>& rows) {
  CsvWriter csv({"metric", "real_runs", "real_mean", "real_ci95_low", "real_ci95_high", "sim_runs",
                 "sim_mean", "sim_ci95_low", "sim_ci95_high", "difference", "relative_difference",
                 "test", "statistic", "p_value"});
  for (const GapRow& g : rows) {
    csv.text(g.metric);
    for (const Interval* s : {&g.real, &g.sim}) {
      csv.integer(s->runs);
      if (s->runs == 0)
        csv.text("").text("").text("");
      else
        csv.number(s->mean).number(s->ci95_low).number(s->ci95_high);
    }
    csv.number(g.difference).number(g.relative_difference).text(g.test).number(g.statistic);
    csv.number(g.p_value);
    csv.end_row();
  }
  return csv.str();
}

}  // namespace p2p::experiment
