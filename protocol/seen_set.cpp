#include "protocol/seen_set.hpp"

#include <algorithm>

namespace p2p {

bool SeenSet::contains(std::uint64_t id) const {
  return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
}

bool SeenSet::insert(std::uint64_t id, std::uint32_t capacity) {
  if (contains(id)) return false;
  if (capacity == 0) return true;
  if (ids_.size() < capacity) {
    ids_.push_back(id);
  } else {
    ids_[next_] = id;
    next_ = (next_ + 1) % capacity;
  }
  return true;
}

}  // namespace p2p
