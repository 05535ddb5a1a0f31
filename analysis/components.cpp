#include "analysis/components.hpp"
#include "protocol/huge_pages.hpp"

#include <limits>

namespace p2p::analysis {

std::vector<NodeId> Components::members(std::uint32_t c) const {
  std::vector<NodeId> nodes;
  nodes.reserve(size[c]);
  for (std::size_t v = 0; v < id.size(); ++v) {
    if (id[v] == c) nodes.push_back(static_cast<NodeId>(v));
  }
  return nodes;
}

Components connected_components(const Graph& g) {
  constexpr std::uint32_t unseen = std::numeric_limits<std::uint32_t>::max();
  const std::size_t n = g.node_count();
  Components c;
  c.id.assign(n, unseen);
  // Breadth-first with one flat queue reused for every component: each node enters it once.
  HugePageVector<NodeId> queue(n);
  const auto offsets = g.offsets();
  const auto targets = g.targets();
  for (NodeId root = 0; root < n; ++root) {
    if (c.id[root] != unseen) continue;
    const auto label = static_cast<std::uint32_t>(c.size.size());
    std::size_t head = 0;
    std::size_t tail = 0;
    queue[tail++] = root;
    c.id[root] = label;
    while (head < tail) {
      const NodeId v = queue[head++];
      for (std::uint64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
        const NodeId w = targets[i];
        if (c.id[w] == unseen) {
          c.id[w] = label;
          queue[tail++] = w;
        }
      }
    }
    c.size.push_back(tail);
    if (tail > c.size[c.largest]) c.largest = label;
  }
  return c;
}

}  // namespace p2p::analysis
