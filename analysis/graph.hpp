#pragma once
// The graph every analysis works on: a compact CSR adjacency of a simple undirected graph.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/huge_pages.hpp"

namespace p2p::analysis {

using NodeId = std::uint32_t;

// One undirected link as given by a caller; orientation carries no meaning.
struct Edge {
  NodeId source;
  NodeId target;
};

// Simple undirected graph over nodes 0..node_count()-1 in compressed sparse rows. Invariants:
// no self-loops, no parallel edges, every neighbour list sorted ascending, u in N(v) iff v in N(u).
class Graph {
 public:
  Graph() = default;

  // Self-loops and duplicate edges (in either direction) are dropped and counted. Throws
  // std::invalid_argument if an endpoint is >= node_count or node_count does not fit a NodeId.
  static Graph from_edges(std::size_t node_count, std::span<const Edge> edges);
  // The graph of node_count = row_start.size() - 1 nodes whose neighbours above v are
  // uppers[row_start[v] .. row_start[v + 1]), ascending and distinct: each edge given once, by
  // its lower end. `duplicates_dropped` is what the caller dropped before (duplicates_dropped()
  // reports it). Throws std::invalid_argument if the rows are not of that form.
  static Graph from_upper_rows(std::span<const std::uint64_t> row_start,
                               std::span<const NodeId> uppers, std::size_t duplicates_dropped = 0);

  std::size_t node_count() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::size_t edge_count() const { return targets_.size() / 2; }
  std::size_t degree(NodeId v) const { return offsets_[v + 1] - offsets_[v]; }
  std::span<const NodeId> neighbors(NodeId v) const {
    return {targets_.data() + offsets_[v], targets_.data() + offsets_[v + 1]};
  }
  std::size_t self_loops_dropped() const { return self_loops_dropped_; }
  std::size_t duplicates_dropped() const { return duplicates_dropped_; }

  // Raw CSR arrays for kernels that stream the whole adjacency: N(v) is
  // targets()[offsets()[v] .. offsets()[v+1]).
  std::span<const std::uint64_t> offsets() const { return offsets_; }
  std::span<const NodeId> targets() const { return targets_; }

 private:
  friend Graph induced_subgraph(const Graph& g, std::span<const NodeId> nodes);

  HugePageVector<std::uint64_t> offsets_;
  HugePageVector<NodeId> targets_;
  std::size_t self_loops_dropped_ = 0;
  std::size_t duplicates_dropped_ = 0;
};

// The subgraph induced by `nodes` (any order, no repeats), renumbered 0..k-1 in the order given.
Graph induced_subgraph(const Graph& g, std::span<const NodeId> nodes);

}  // namespace p2p::analysis
