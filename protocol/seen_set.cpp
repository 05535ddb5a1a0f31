#include "protocol/seen_set.hpp"

#include "protocol/random.hpp"

namespace p2p {

std::size_t SeenSet::find_slot(std::uint64_t id) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = mix64(id) & mask;
  while (slots_[i] != 0 && ring_[slots_[i] - 1] != id) i = (i + 1) & mask;
  return i;
}

bool SeenSet::contains(std::uint64_t id) const {
  if (slots_.empty()) return has_first_ && first_ == id;
  return slots_[find_slot(id)] != 0;
}

// Backward-shift deletion keeps every probe chain unbroken without tombstones, so a long-lived
// set never degrades.
void SeenSet::erase_slot(std::size_t hole) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t j = hole;
  for (;;) {
    j = (j + 1) & mask;
    if (slots_[j] == 0) break;
    const std::size_t home = mix64(ring_[slots_[j] - 1]) & mask;
    // Move j's entry into the hole unless its home lies cyclically in (hole, j].
    const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = 0;
}

// The table stays at most half full, so probes stay short; it doubles as the ring fills.
void SeenSet::grow() {
  std::vector<std::uint32_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
  for (std::uint32_t k = 0; k < ring_.size(); ++k) slots_[find_slot(ring_[k])] = k + 1;
}

bool SeenSet::insert(std::uint64_t id, std::uint32_t capacity) {
  if (contains(id)) return false;
  if (capacity == 0) return true;
  if (slots_.empty()) {
    if (!has_first_) {
      first_ = id;
      has_first_ = true;
      return true;
    }
    // A second id: the inline one moves into the ring, then `id` goes in as usual.
    has_first_ = false;
    grow();
    ring_.push_back(first_);
    slots_[find_slot(first_)] = 1;
  }
  if (ring_.size() < capacity) {
    if (2 * (ring_.size() + 1) > slots_.size()) grow();
    ring_.push_back(id);
    slots_[find_slot(id)] = static_cast<std::uint32_t>(ring_.size());
  } else {
    erase_slot(find_slot(ring_[next_]));
    ring_[next_] = id;
    slots_[find_slot(id)] = next_ + 1;
    next_ = (next_ + 1) % capacity;
  }
  return true;
}

}  // namespace p2p
