// Times each part of the topology report on a generated 1,000,000-node, ~4,000,000-edge graph,
// and the same kernels in igraph's C library on the same graph.
//
//   analysis_bench [--nodes N] [benchmark flags]      time the report's parts (default N = 1e6)
//   analysis_bench --nodes N --write-edges FILE       write the graph as CSV (for networkx)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "analysis/clustering.hpp"
#include "analysis/components.hpp"
#include "analysis/cores.hpp"
#include "analysis/cuts.hpp"
#include "analysis/degrees.hpp"
#include "analysis/paths.hpp"
#include "analysis/random.hpp"
#include "analysis/report.hpp"
#include "analysis/resilience.hpp"
#include "analysis/spectral.hpp"

#ifdef P2P_BENCH_IGRAPH
#include <igraph/igraph.h>
#endif

namespace {

using namespace p2p::analysis;

std::size_t g_nodes = 1'000'000;
constexpr std::size_t kLinksPerNode = 4;

// Preferential attachment (Barabasi-Albert, m = 4) by sampling the list of edge ends: each new
// node links to 4 earlier nodes chosen in proportion to degree. Hubs of a few thousand links make
// it harder for triangle counting than a uniform random graph of the same size.
std::vector<Edge> preferential_attachment(std::size_t n, std::uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<Edge> edges;
  edges.reserve(n * kLinksPerNode);
  std::vector<NodeId> ends;
  ends.reserve(2 * n * kLinksPerNode);
  for (NodeId v = 0; v <= kLinksPerNode; ++v) {  // a small clique to start from
    for (NodeId w = 0; w < v; ++w) {
      edges.push_back({w, v});
      ends.push_back(w);
      ends.push_back(v);
    }
  }
  for (std::size_t v = kLinksPerNode + 1; v < n; ++v) {
    const std::size_t available = ends.size();
    for (std::size_t k = 0; k < kLinksPerNode; ++k) {
      const NodeId w = ends[rng.below(available)];
      edges.push_back({w, static_cast<NodeId>(v)});
      ends.push_back(w);
      ends.push_back(static_cast<NodeId>(v));
    }
  }
  return edges;
}

const std::vector<Edge>& edges() {
  static const std::vector<Edge> e = preferential_attachment(g_nodes, 2024);
  return e;
}

const Graph& graph() {
  static const Graph g = Graph::from_edges(g_nodes, edges());
  return g;
}

void set_counters(benchmark::State& state) {
  state.counters["nodes"] = static_cast<double>(graph().node_count());
  state.counters["edges"] = static_cast<double>(graph().edge_count());
}

void BM_BuildGraph(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Graph::from_edges(g_nodes, edges()));
  set_counters(state);
}

void BM_Degrees(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(degree_stats(graph()));
    benchmark::DoNotOptimize(degree_assortativity(graph()));
  }
}

void BM_Clustering(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(clustering(graph()));
}

void BM_Components(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(connected_components(graph()));
}

void BM_BridgesAndArticulationPoints(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(cuts(graph()));
}

void BM_CoreNumbers(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(core_numbers(graph()));
}

// One whole removal curve (Newman-Ziff), random order drawn outside the timing.
void BM_ResilienceCurve(benchmark::State& state) {
  const auto order = random_removal_order(graph(), 1, 0);
  for (auto _ : state) benchmark::DoNotOptimize(largest_component_by_removal(graph(), order));
}

// resilience.csv as the report computes it: 10 random orders and the degree order.
void BM_ResilienceAllCurves(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(resilience_curves(graph(), 1, 10));
}

void BM_ReportWithoutPathsAndSpectral(benchmark::State& state) {
  ReportOptions options;
  options.paths = false;
  options.spectral = false;
  for (auto _ : state) benchmark::DoNotOptimize(compute_report(graph(), options));
  set_counters(state);
}

void BM_PathsSampled(benchmark::State& state) {
  const Components c = connected_components(graph());
  const Graph lcc = induced_subgraph(graph(), c.members(c.largest));
  for (auto _ : state) benchmark::DoNotOptimize(path_stats(lcc, 10000, 256, 1));
}

void BM_AlgebraicConnectivity(benchmark::State& state) {
  const Components c = connected_components(graph());
  const Graph lcc = induced_subgraph(graph(), c.members(c.largest));
  for (auto _ : state) {
    const auto value = algebraic_connectivity(lcc);
    state.counters["converged"] = value.has_value() ? 1 : 0;
    benchmark::DoNotOptimize(value);
  }
}

void BM_FullReport(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(compute_report(graph(), ReportOptions{}));
}

#ifdef P2P_BENCH_IGRAPH
// The same graph in igraph (duplicates and loops removed by building from our CSR).
struct IgraphGraph {
  igraph_t g;
  IgraphGraph() {
    igraph_vector_int_t list;
    igraph_vector_int_init(&list, 0);
    for (NodeId v = 0; v < graph().node_count(); ++v) {
      for (NodeId w : graph().neighbors(v)) {
        if (v < w) {
          igraph_vector_int_push_back(&list, v);
          igraph_vector_int_push_back(&list, w);
        }
      }
    }
    igraph_create(&g, &list, static_cast<igraph_integer_t>(graph().node_count()),
                  IGRAPH_UNDIRECTED);
    igraph_vector_int_destroy(&list);
  }
  ~IgraphGraph() { igraph_destroy(&g); }
};

const igraph_t& igraph_graph() {
  static IgraphGraph g;
  return g.g;
}

void BM_IgraphClustering(benchmark::State& state) {
  igraph_vector_t local;
  igraph_vector_init(&local, 0);
  for (auto _ : state) {
    igraph_transitivity_local_undirected(&igraph_graph(), &local, igraph_vss_all(),
                                         IGRAPH_TRANSITIVITY_ZERO);
    igraph_real_t global = 0;
    igraph_transitivity_undirected(&igraph_graph(), &global, IGRAPH_TRANSITIVITY_ZERO);
    benchmark::DoNotOptimize(global);
  }
  igraph_vector_destroy(&local);
}

void BM_IgraphComponents(benchmark::State& state) {
  igraph_vector_int_t membership;
  igraph_vector_int_t sizes;
  igraph_vector_int_init(&membership, 0);
  igraph_vector_int_init(&sizes, 0);
  for (auto _ : state) {
    igraph_integer_t count = 0;
    igraph_connected_components(&igraph_graph(), &membership, &sizes, &count, IGRAPH_WEAK);
    benchmark::DoNotOptimize(count);
  }
  igraph_vector_int_destroy(&membership);
  igraph_vector_int_destroy(&sizes);
}

void BM_IgraphBridgesAndArticulationPoints(benchmark::State& state) {
  igraph_vector_int_t bridges;
  igraph_vector_int_t points;
  igraph_vector_int_init(&bridges, 0);
  igraph_vector_int_init(&points, 0);
  for (auto _ : state) {
    igraph_bridges(&igraph_graph(), &bridges);
    igraph_articulation_points(&igraph_graph(), &points);
  }
  igraph_vector_int_destroy(&bridges);
  igraph_vector_int_destroy(&points);
}

void BM_IgraphCoreNumbers(benchmark::State& state) {
  igraph_vector_int_t cores;
  igraph_vector_int_init(&cores, 0);
  for (auto _ : state) igraph_coreness(&igraph_graph(), &cores, IGRAPH_ALL);
  igraph_vector_int_destroy(&cores);
}

// igraph has no percolation curve; its way to the same 101-point curve is a components search of
// the surviving subgraph at each step.
void BM_IgraphResilienceCurve(benchmark::State& state) {
  const auto order = random_removal_order(graph(), 1, 0);
  const std::size_t n = graph().node_count();
  igraph_vector_int_t keep;
  igraph_vector_int_t membership;
  igraph_vector_int_t sizes;
  igraph_vector_int_init(&keep, 0);
  igraph_vector_int_init(&membership, 0);
  igraph_vector_int_init(&sizes, 0);
  for (auto _ : state) {
    for (std::size_t step = 0; step <= 100; ++step) {
      const std::size_t removed = step * n / 100;
      igraph_vector_int_resize(&keep, static_cast<igraph_integer_t>(n - removed));
      for (std::size_t i = removed; i < n; ++i) {
        VECTOR(keep)[i - removed] = order[i];
      }
      igraph_t rest;
      igraph_vs_t vs;
      igraph_vs_vector(&vs, &keep);
      igraph_induced_subgraph(&igraph_graph(), &rest, vs, IGRAPH_SUBGRAPH_AUTO);
      igraph_integer_t count = 0;
      igraph_connected_components(&rest, &membership, &sizes, &count, IGRAPH_WEAK);
      benchmark::DoNotOptimize(count == 0 ? 0 : igraph_vector_int_max(&sizes));
      igraph_destroy(&rest);
    }
  }
  igraph_vector_int_destroy(&keep);
  igraph_vector_int_destroy(&membership);
  igraph_vector_int_destroy(&sizes);
}
#endif

void register_all() {
  auto add = [](const char* name, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark(name, fn)->Unit(benchmark::kMillisecond)->UseRealTime();
  };
  add("BuildGraph", BM_BuildGraph);
  add("Degrees", BM_Degrees);
  add("Clustering", BM_Clustering);
  add("Components", BM_Components);
  add("BridgesAndArticulationPoints", BM_BridgesAndArticulationPoints);
  add("CoreNumbers", BM_CoreNumbers);
  add("ResilienceCurve", BM_ResilienceCurve);
  add("ResilienceAllCurves", BM_ResilienceAllCurves);
  add("ReportWithoutPathsAndSpectral", BM_ReportWithoutPathsAndSpectral);
  add("PathsSampled", BM_PathsSampled);
  add("AlgebraicConnectivity", BM_AlgebraicConnectivity);
  add("FullReport", BM_FullReport);
#ifdef P2P_BENCH_IGRAPH
  add("Igraph/Clustering", BM_IgraphClustering);
  add("Igraph/Components", BM_IgraphComponents);
  add("Igraph/BridgesAndArticulationPoints", BM_IgraphBridgesAndArticulationPoints);
  add("Igraph/CoreNumbers", BM_IgraphCoreNumbers);
  add("Igraph/ResilienceCurve", BM_IgraphResilienceCurve);
#endif
}

void write_edges(const std::string& path) {
  std::ofstream out(path);
  out << "source,target\n";
  for (NodeId v = 0; v < graph().node_count(); ++v) {
    for (NodeId w : graph().neighbors(v)) {
      if (v < w) out << v << ',' << w << '\n';
    }
  }
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Our own flags first; the rest go to Google Benchmark.
  std::vector<char*> rest{argv[0]};
  std::string edges_out;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) {
      g_nodes = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--write-edges") == 0 && i + 1 < argc) {
      edges_out = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (g_nodes <= kLinksPerNode) {
    std::cerr << "--nodes must exceed " << kLinksPerNode << "\n";
    return 2;
  }
  if (!edges_out.empty()) {
    write_edges(edges_out);
    return 0;
  }
  int rest_count = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data())) return 2;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cerr << "peak resident memory: " << usage.ru_maxrss / 1024 << " MiB\n";
  return 0;
}
