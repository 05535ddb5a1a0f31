#pragma once
// Graph-only measures that join rules are compared by, beside the report's own.
#include "analysis/graph.hpp"

namespace p2p::analysis {

// Population standard deviation of the degrees; 0 for an empty graph.
double degree_stddev(const Graph& g);
// Node v's degree over the number of edges (the share of links that touch v); NaN without edges.
double link_share(const Graph& g, NodeId v);

}  // namespace p2p::analysis
