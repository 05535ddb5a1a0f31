// Writes a deterministic test graph as a SNAP edge list (one `u<TAB>v` line per edge, node ids
// 0..n-1, no comment line so that igraph's plain edge-list reader takes the same file), for
// benchmarks of `p2p analyze` against other tools on the same file.
//
//   graph_gen --shape random  --nodes N --edges M [--seed S]   uniform G(n, m): M distinct edges
//   graph_gen --shape pa      --nodes N [--links K] [--seed S] preferential attachment, K per node
//   graph_gen --shape lattice --nodes N                         square grid, 4 neighbours,
//   row-major
//
// The graph goes to standard output. Every shape is simple (no self-loops, no repeated edge), so
// tools that keep multi-edges read the same graph as tools that drop them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "analysis/random.hpp"

namespace {

using p2p::analysis::Rng;
using Pair = std::pair<std::uint32_t, std::uint32_t>;

// Uniform over simple graphs with n nodes and m edges: draw pairs, drop loops and repeats, draw
// again until m remain.
std::vector<Pair> random_graph(std::uint64_t n, std::uint64_t m, std::uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<Pair> edges;
  edges.reserve(m);
  while (edges.size() < m) {
    while (edges.size() < m) {
      auto a = static_cast<std::uint32_t>(rng.below(n));
      auto b = static_cast<std::uint32_t>(rng.below(n));
      if (a == b) continue;
      edges.emplace_back(std::min(a, b), std::max(a, b));
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  }
  // Written in a random order, as a crawl would list them.
  for (std::size_t i = edges.size(); i > 1; --i) std::swap(edges[i - 1], edges[rng.below(i)]);
  return edges;
}

// Barabasi-Albert: each newcomer links to `links` distinct earlier nodes drawn in proportion to
// their degree (by sampling the list of edge ends).
std::vector<Pair> preferential_attachment(std::uint64_t n, std::uint64_t links,
                                          std::uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<Pair> edges;
  std::vector<std::uint32_t> ends;
  for (std::uint32_t v = 0; v <= links && v < n; ++v) {
    for (std::uint32_t w = 0; w < v; ++w) {
      edges.emplace_back(w, v);
      ends.push_back(w);
      ends.push_back(v);
    }
  }
  std::vector<std::uint32_t> chosen;
  for (auto v = static_cast<std::uint32_t>(links + 1); v < n; ++v) {
    chosen.clear();
    const std::size_t available = ends.size();
    while (chosen.size() < links) {
      const std::uint32_t w = ends[rng.below(available)];
      if (std::find(chosen.begin(), chosen.end(), w) == chosen.end()) chosen.push_back(w);
    }
    for (std::uint32_t w : chosen) {
      edges.emplace_back(w, v);
      ends.push_back(w);
      ends.push_back(v);
    }
  }
  return edges;
}

// A side x side grid (side = floor(sqrt(n))): the large-diameter extreme.
std::vector<Pair> lattice(std::uint64_t n) {
  const auto side = static_cast<std::uint32_t>(std::sqrt(static_cast<double>(n)));
  std::vector<Pair> edges;
  for (std::uint32_t r = 0; r < side; ++r) {
    for (std::uint32_t c = 0; c < side; ++c) {
      const std::uint32_t v = r * side + c;
      if (c + 1 < side) edges.emplace_back(v, v + 1);
      if (r + 1 < side) edges.emplace_back(v, v + side);
    }
  }
  return edges;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "graph_gen: %s\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string shape;
  std::uint64_t nodes = 0;
  std::uint64_t edge_count = 0;
  std::uint64_t links = 4;
  std::uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    const char* value = argv[++i];
    if (flag == "--shape") {
      shape = value;
    } else if (flag == "--nodes") {
      nodes = std::strtoull(value, nullptr, 10);
    } else if (flag == "--edges") {
      edge_count = std::strtoull(value, nullptr, 10);
    } else if (flag == "--links") {
      links = std::strtoull(value, nullptr, 10);
    } else if (flag == "--seed") {
      seed = std::strtoull(value, nullptr, 10);
    } else {
      usage(("unknown flag " + flag).c_str());
    }
  }
  if (nodes < 2 || nodes > 0xFFFFFFFFu) usage("--nodes must be in [2, 2^32)");
  std::vector<Pair> edges;
  if (shape == "random") {
    if (edge_count == 0 || edge_count > nodes * (nodes - 1) / 4) {
      usage("--edges must be positive and at most half of all node pairs");
    }
    edges = random_graph(nodes, edge_count, seed);
  } else if (shape == "pa") {
    if (links == 0 || links >= nodes) usage("--links must be in [1, nodes)");
    edges = preferential_attachment(nodes, links, seed);
  } else if (shape == "lattice") {
    edges = lattice(nodes);
  } else {
    usage("--shape must be random, pa or lattice");
  }
  std::string out;
  out.reserve(1 << 20);
  for (const auto& [a, b] : edges) {
    out += std::to_string(a);
    out += '\t';
    out += std::to_string(b);
    out += '\n';
    if (out.size() > (1 << 20) - 64) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
