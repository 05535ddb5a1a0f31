#pragma once
// The message ids a node has seen, bounded: the oldest id is forgotten once `capacity` newer ones
// have arrived. Empty until the first message, so idle simulated nodes cost nothing.
#include <cstdint>
#include <vector>

namespace p2p {

class SeenSet {
 public:
  // Returns true if `id` was new (and remembers it), false if it was seen already.
  bool insert(std::uint64_t id, std::uint32_t capacity);
  bool contains(std::uint64_t id) const;
  std::size_t size() const { return ids_.size(); }

 private:
  std::vector<std::uint64_t> ids_;  // a ring once full; `next_` is the oldest slot
  std::uint32_t next_ = 0;
};

}  // namespace p2p
