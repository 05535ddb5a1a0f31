#pragma once
// The message ids a node has seen, bounded: the oldest id is forgotten once `capacity` newer ones
// have arrived. A lookup is O(1): an open-addressing table indexes a FIFO ring of the ids. Empty
// (no heap at all) until the first message, so idle simulated nodes cost nothing.
#include <cstdint>
#include <vector>

namespace p2p {

class SeenSet {
 public:
  // Returns true if `id` was new (and remembers it), false if it was seen already. `capacity`
  // must be the same on every call; 0 remembers nothing.
  bool insert(std::uint64_t id, std::uint32_t capacity);
  bool contains(std::uint64_t id) const;
  std::size_t size() const { return ring_.empty() ? (has_first_ ? 1 : 0) : ring_.size(); }

 private:
  // The slot holding `id`, or the empty slot where it would go.
  std::size_t find_slot(std::uint64_t id) const;
  void erase_slot(std::size_t slot);
  void grow();

  std::vector<std::uint64_t> ring_;   // ids in arrival order; a ring once full, `next_` oldest
  std::vector<std::uint32_t> slots_;  // linear probing; 1 + index into ring_, 0 when empty
  // The first id is held inline: most simulated nodes see few messages, and a flood over a
  // million nodes would otherwise allocate two small blocks in every node at once.
  std::uint64_t first_ = 0;
  std::uint32_t next_ = 0;
  bool has_first_ = false;  // `first_` holds an id and the ring is still empty
};

}  // namespace p2p
