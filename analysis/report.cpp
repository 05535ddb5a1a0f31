#include "analysis/report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "analysis/clustering.hpp"
#include "analysis/components.hpp"
#include "analysis/cores.hpp"
#include "analysis/cuts.hpp"
#include "analysis/degrees.hpp"
#include "analysis/paths.hpp"
#include "analysis/spectral.hpp"
#include "analysis/tasks.hpp"

namespace p2p::analysis {

namespace {

// Writes the shortest text that reads back as `value` at `out` (64 bytes are always enough) and
// returns its end.
char* put_number(char* out, double value) {
  // Integral values below 2^53 are exact as integers; print them without an exponent.
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_chars(out, out + 64, static_cast<std::int64_t>(value)).ptr;
  }
  return std::to_chars(out, out + 64, value).ptr;
}

}  // namespace

std::string format_number(double value) {
  char buffer[64];
  return std::string(buffer, put_number(buffer, value));
}

Report compute_report(const Graph& g, const ReportOptions& options) {
  Report r;
  const std::size_t n = g.node_count();
  auto add = [&r](std::string name, double value) {
    r.summary.emplace_back(std::move(name), value);
  };
  auto phase = [&options](const std::string& name) {
    if (options.progress) options.progress(name);
  };

  // The passes are independent but for two: the shortest paths and the spectrum are defined on
  // one connected piece, the largest component, which the bridges' search finds. They follow it
  // as soon as it is done, ahead of the passes not yet started, so that no core waits for the
  // slowest pass of a first round (on a million-node graph the bridges' search took twice as long
  // as the rest of such a round). Each pass writes its own result; the rows are added afterwards
  // in a fixed order.
  phase("degrees, clustering, components, cuts, cores");
  DegreeStats degrees;
  std::optional<double> assortativity;
  Clustering triangles;
  Cuts cut;
  ResilienceOrders orders(g, options.seed, options.resilience_runs);
  std::optional<PathStats> paths;
  std::optional<double> lambda2;
  std::vector<NodeId> members;
  Graph core;
  std::vector<std::function<void(FollowUps&)>> tasks;
  tasks.emplace_back([&](FollowUps& follow) {
    cut = cuts(g);
    phase("shortest paths, resilience");  // what is left once the components are known
    const Components& components = cut.components;
    const bool connected_piece = n > 0 && components.size[components.largest] >= 2;
    const bool spectral = connected_piece && options.spectral;
    const bool spectral_fits =
        spectral && components.size[components.largest] <= options.spectral_limit;
    if (connected_piece && (options.paths || spectral_fits)) {
      members = components.members(components.largest);
    }
    // The spectrum works on its own copy of the piece (at most spectral_limit nodes); the paths
    // search the piece inside g (on a graph of a million nodes the copy cost about as much as a
    // batch of searches).
    if (spectral_fits && members.size() < n) core = induced_subgraph(g, members);
    if (connected_piece && options.paths) {
      follow.emplace_back([&] {
        paths =
            path_stats(g, members, options.exact_path_limit, options.path_samples, options.seed, 1);
      });
    }
    if (spectral_fits) {
      follow.emplace_back(
          [&] { lambda2 = algebraic_connectivity(members.size() == n ? g : core); });
    } else if (spectral) {
      const std::size_t largest = components.size[components.largest];
      r.skipped.push_back({"algebraic_connectivity",
                           "the largest component has " + std::to_string(largest) +
                               " nodes, above the limit of " +
                               std::to_string(options.spectral_limit),
                           "--spectral-up-to " + std::to_string(largest)});
    }
  });
  tasks.emplace_back([&](FollowUps&) { triangles = clustering(g); });
  tasks.emplace_back([&](FollowUps&) { r.core_number = core_numbers(g); });
  tasks.emplace_back([&](FollowUps&) {
    degrees = degree_stats(g);
    assortativity = degree_assortativity(g);
  });
  for (std::size_t i = 0; i < orders.count(); ++i) {
    tasks.emplace_back([&orders, i](FollowUps&) { orders.compute(i); });
  }
  run_tasks_with_follow_ups(tasks, options.threads);

  add("nodes", static_cast<double>(n));
  add("edges", static_cast<double>(g.edge_count()));
  add("self_loops_dropped", static_cast<double>(g.self_loops_dropped()));
  add("duplicate_edges_dropped", static_cast<double>(g.duplicates_dropped()));
  r.degree_distribution = degrees.distribution;
  if (n > 0) {
    add("min_degree", static_cast<double>(degrees.min));
    add("mean_degree", degrees.mean);
    add("max_degree", static_cast<double>(degrees.max));
  }
  r.clustering = std::move(triangles.local);
  if (n > 0) {
    add("average_clustering", triangles.average);
    add("transitivity", triangles.transitivity);
    add("triangles", static_cast<double>(triangles.total_triangles));
  }
  Components& components = cut.components;  // the bridges' search found them
  add("components", static_cast<double>(components.count()));
  if (n > 0) {
    const std::size_t largest = components.size[components.largest];
    add("largest_component_fraction", static_cast<double>(largest) / static_cast<double>(n));
    add("largest_component_nodes", static_cast<double>(largest));
  }
  add("isolated_nodes", static_cast<double>(degrees.isolated));
  add("bridges", static_cast<double>(cut.bridges.size()));
  add("articulation_points", static_cast<double>(cut.articulation_points));
  r.articulation_point = std::move(cut.articulation);
  if (n > 0) {
    add("max_core_number",
        static_cast<double>(*std::max_element(r.core_number.begin(), r.core_number.end())));
  }
  if (assortativity) add("degree_assortativity", *assortativity);
  if (paths) {
    add("mean_shortest_path", paths->mean_distance);
    add("diameter", static_cast<double>(paths->diameter));
    if (!paths->exact) add("path_samples", static_cast<double>(paths->samples));
  }
  if (lambda2) add("algebraic_connectivity", *lambda2);
  r.component = std::move(components.id);
  r.resilience = orders.curves();
  for (const ResilienceCurve& curve : r.resilience) {
    if (curve.half_fraction && (curve.strategy != "random" || curve.runs > 0)) {
      add(curve.strategy + "_removal_half_fraction", *curve.half_fraction);
    }
  }
  return r;
}

namespace {

// Streams a CSV file through a fixed buffer into a hidden `.NAME.partial` beside it, renamed to
// NAME once complete, so an interrupted run never leaves a half-written NAME (the output folder
// removes stale partial files). A fixed buffer instead of the whole text in memory: no copies as
// it grows, no fresh pages for a copy of a file of hundreds of megabytes.
class CsvFile {
 public:
  explicit CsvFile(const std::filesystem::path& path) : path_(path) {
    std::string hidden(1, '.');  // appends: GCC 12 warns wrongly about an operator+ chain here
    hidden += path.filename().string();
    hidden += ".partial";
    partial_ = path.parent_path() / hidden;
    file_ = std::fopen(partial_.c_str(), "wb");
    if (file_ == nullptr) throw std::runtime_error("cannot write " + path_.string());
    buffer_.reserve(kFlushAt + kRowRoom);
  }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  ~CsvFile() {
    if (file_ == nullptr) return;
    std::fclose(file_);
    std::error_code ignored;
    std::filesystem::remove(partial_, ignored);
  }
  CsvFile& text(std::string_view s) {
    buffer_.append(s);
    return spill();
  }
  CsvFile& integer(std::uint64_t v) {
    char digits[24];
    buffer_.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
    return spill();
  }
  CsvFile& real(double v) {
    char digits[64];
    buffer_.append(digits, put_number(digits, v));
    return spill();
  }
  CsvFile& comma() {
    buffer_.push_back(',');
    return *this;
  }
  CsvFile& end_row() {
    buffer_.push_back('\n');
    return spill();
  }
  void write() {
    flush();
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    std::error_code error;
    if (closed) std::filesystem::rename(partial_, path_, error);
    if (!closed || error) {
      std::filesystem::remove(partial_, error);
      throw std::runtime_error("cannot write " + path_.string());
    }
  }

 private:
  static constexpr std::size_t kFlushAt = std::size_t{1} << 20;
  static constexpr std::size_t kRowRoom = 4096;  // a row or a label past the mark fits too

  CsvFile& spill() {
    if (buffer_.size() >= kFlushAt) flush();
    return *this;
  }
  void flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      throw std::runtime_error("cannot write " + path_.string());
    }
    buffer_.clear();
  }

  std::filesystem::path path_;
  std::filesystem::path partial_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

}  // namespace

void write_report(const std::filesystem::path& dir, const Graph& g, const Report& r,
                  std::span<const std::string> labels) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw std::runtime_error("cannot create " + dir.string() + ": " + error.message());
  const std::size_t n = g.node_count();
  if (r.clustering.size() != n || r.component.size() != n || r.core_number.size() != n ||
      r.articulation_point.size() != n) {
    throw std::invalid_argument("write_report: the report was computed for another graph");
  }
  if (!labels.empty() && labels.size() != n) {
    throw std::invalid_argument("write_report: one label per node expected");
  }
  auto node = [&](CsvFile& f, NodeId v) -> CsvFile& {
    return labels.empty() ? f.integer(v) : f.text(labels[v]);
  };

  CsvFile summary(dir / "summary.csv");
  summary.text("metric,value\n");
  for (const auto& [name, value] : r.summary) summary.text(name).comma().real(value).end_row();
  summary.write();

  CsvFile distribution(dir / "degree_distribution.csv");
  distribution.text("degree,count\n");
  for (const auto& [degree, count] : r.degree_distribution) {
    distribution.integer(degree).comma().integer(count).end_row();
  }
  distribution.write();

  CsvFile edges(dir / "edges.csv");
  edges.text("source,target\n");
  // A target's label is a random read (a million labels take 32 MB): ask for the label a few
  // rows ahead, or the writing waits on memory at every row.
  constexpr std::size_t kAhead = 64;
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  for (NodeId v = 0; v < g.node_count(); ++v) {
    for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
      if (!labels.empty() && i + kAhead < targets.size()) {
        __builtin_prefetch(&labels[targets[i + kAhead]]);
      }
      const NodeId w = targets[i];
      if (v < w) node(node(edges, v).comma(), w).end_row();
    }
  }
  edges.write();

  CsvFile nodes(dir / "nodes.csv");
  nodes.text("node,degree,clustering,component,core_number,articulation_point\n");
  for (NodeId v = 0; v < g.node_count(); ++v) {
    node(nodes, v).comma().integer(g.degree(v)).comma().real(r.clustering[v]).comma();
    nodes.integer(r.component[v]).comma().integer(r.core_number[v]).comma();
    nodes.integer(r.articulation_point[v]).end_row();
  }
  nodes.write();

  CsvFile resilience(dir / "resilience.csv");
  resilience.text(
      "strategy,fraction_removed,nodes_removed,largest_component_fraction,"
      "largest_component_fraction_std,runs\n");
  for (const ResilienceCurve& curve : r.resilience) {
    if (curve.runs == 0 || g.node_count() == 0) continue;
    for (const ResiliencePoint& p : curve.points) {
      resilience.text(curve.strategy).comma().real(p.fraction_removed).comma();
      resilience.integer(p.nodes_removed).comma().real(p.mean).comma().real(p.stddev).comma();
      resilience.integer(static_cast<std::uint64_t>(curve.runs)).end_row();
    }
  }
  resilience.write();
}

void print_summary(std::ostream& os, const Report& r) {
  std::size_t width = 6;
  for (const auto& row : r.summary) width = std::max(width, row.first.size());
  std::vector<std::string> values;
  std::size_t value_width = 5;
  for (const auto& row : r.summary) {
    values.push_back(format_number(row.second));
    value_width = std::max(value_width, values.back().size());
  }
  os << "metric" << std::string(width - 6 + 2, ' ') << std::string(value_width - 5, ' ')
     << "value\n";
  for (std::size_t i = 0; i < r.summary.size(); ++i) {
    const auto& name = r.summary[i].first;
    os << name << std::string(width - name.size() + 2, ' ')
       << std::string(value_width - values[i].size(), ' ') << values[i] << '\n';
  }
  for (const SkippedMetric& m : r.skipped) {
    os << m.metric << " skipped: " << m.reason << "; " << m.how_to_ask << " computes it\n";
  }
}

}  // namespace p2p::analysis
