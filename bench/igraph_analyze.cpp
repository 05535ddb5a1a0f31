// igraph's C core on the task `p2p analyze` is measured against (bench/analyze-vs-igraph): load a
// plain edge list (ids 0..n-1, one pair a line) with igraph's reader, then every node's local
// clustering and the connected components. The part of `p2p analyze`'s report that igraph offers
// as ready-made calls, with no interpreter in the way.
//
//   igraph_analyze EDGES
//
// Prints one line: `igraph nodes=N edges=M components=C seconds=S` (S: the three calls' wall time).
#include <igraph/igraph.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: igraph_analyze EDGES\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::FILE* file = std::fopen(argv[1], "r");
  if (file == nullptr) {
    std::fprintf(stderr, "igraph_analyze: cannot open %s\n", argv[1]);
    return 2;
  }
  igraph_t g;
  if (igraph_read_graph_edgelist(&g, file, 0, IGRAPH_UNDIRECTED) != IGRAPH_SUCCESS) return 1;
  std::fclose(file);
  igraph_vector_t clustering;
  igraph_vector_init(&clustering, 0);
  igraph_transitivity_local_undirected(&g, &clustering, igraph_vss_all(), IGRAPH_TRANSITIVITY_ZERO);
  igraph_vector_int_t membership;
  igraph_vector_int_t sizes;
  igraph_integer_t components = 0;
  igraph_vector_int_init(&membership, 0);
  igraph_vector_int_init(&sizes, 0);
  igraph_connected_components(&g, &membership, &sizes, &components, IGRAPH_WEAK);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("igraph nodes=%lld edges=%lld components=%lld seconds=%.3f\n",
              static_cast<long long>(igraph_vcount(&g)), static_cast<long long>(igraph_ecount(&g)),
              static_cast<long long>(components), seconds);
  igraph_vector_int_destroy(&sizes);
  igraph_vector_int_destroy(&membership);
  igraph_vector_destroy(&clustering);
  igraph_destroy(&g);
  return 0;
}
