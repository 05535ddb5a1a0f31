#pragma once
// Reading a user's edge list: CSV with a `source,target` header, or SNAP-style whitespace pairs.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/graph.hpp"

namespace p2p::analysis {

// A parsed edge list. Nodes are renumbered 0..node_count-1 in ascending order of their input id
// (numerically for integer ids, bytewise for string ids), so ids keep their order; labels[i] is
// node i's id as written. Self-loops and duplicates are kept: Graph::from_edges drops and counts
// them.
struct EdgeList {
  std::size_t node_count = 0;
  std::vector<Edge> edges;
  std::vector<std::string> labels;
};

// Malformed input; what() is one line and names the line number where one applies.
struct EdgeListError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The format is chosen by the first line that is neither blank nor a `#` comment: with a comma it
// is CSV and must be the header `source,target`; otherwise whitespace-separated pairs. Every data
// line holds exactly two ids, all integers or all non-integers. No line longer than
// `max_line_bytes` is ever held in memory. `on_bytes`, if set, sees every byte read, in order and
// in pieces, before it is parsed: a caller hashes the input this way without reading it twice.
using ByteObserver = std::function<void(std::string_view)>;
EdgeList read_edge_list(std::istream& in, std::size_t max_line_bytes = 4096,
                        const ByteObserver& on_bytes = {});
EdgeList read_edge_list(const std::filesystem::path& path, std::size_t max_line_bytes = 4096,
                        const ByteObserver& on_bytes = {});

}  // namespace p2p::analysis
