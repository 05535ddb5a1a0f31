#include "protocol/seen_set.hpp"

#include "protocol/random.hpp"

namespace p2p {

std::size_t SeenSet::find_slot(std::uint64_t id) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = mix64(id) & mask;
  while (slots_[i] != 0 && ring_[slots_[i] - 1].id != id) i = (i + 1) & mask;
  return i;
}

bool SeenSet::contains(std::uint64_t id) const {
  if (slots_.empty()) return count_ == 1 && first_ == id;
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
    const std::size_t home = mix64(ring_[slots_[j] - 1].id) & mask;
    // Move j's entry into the hole unless its home lies cyclically in (hole, j].
    const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = 0;
}

void SeenSet::pop_oldest() {
  erase_slot(find_slot(ring_[head_].id));
  head_ = static_cast<std::uint32_t>((head_ + 1) % ring_.size());
  --count_;
}

// The ring doubles up to the budget (the table stays at most half full, so probes stay short);
// entries keep their order and are re-indexed.
void SeenSet::grow(std::uint32_t budget) {
  const std::size_t places = ring_.empty() ? 8 : ring_.size() * 2;
  std::vector<Entry> ring;
  ring.reserve(std::min<std::size_t>(places, budget));
  for (std::uint32_t k = 0; k < count_; ++k) ring.push_back(ring_[(head_ + k) % ring_.size()]);
  ring.resize(std::min<std::size_t>(places, budget));
  ring_.swap(ring);
  head_ = 0;
  std::size_t table = 16;
  while (table < 2 * ring_.size()) table *= 2;
  slots_.assign(table, 0);
  for (std::uint32_t k = 0; k < count_; ++k) slots_[find_slot(ring_[k].id)] = k + 1;
}

bool SeenSet::insert(std::uint64_t id, Time now, const SeenPolicy& policy) {
  // Forget what has lived its time.
  while (!ring_.empty() && count_ > 0 && ring_[head_].seen + policy.ttl <= now) pop_oldest();
  if (contains(id)) return false;
  if (policy.budget == 0) return true;
  if (ring_.empty()) {
    if (count_ == 0) {
      first_ = id;
      count_ = 1;
      return true;
    }
    // A second id: the inline one moves into the ring (as seen now), then `id` goes in.
    count_ = 0;
    grow(policy.budget);
    ring_[0] = Entry{first_, now};
    slots_[find_slot(first_)] = 1;
    count_ = 1;
  }
  if (count_ == ring_.size()) {
    if (ring_.size() < policy.budget) {
      grow(policy.budget);
    } else {
      pop_oldest();  // the budget is full: the oldest goes before its time
      ++early_;
    }
  }
  const auto at = static_cast<std::uint32_t>((head_ + count_) % ring_.size());
  ring_[at] = Entry{id, now};
  slots_[find_slot(id)] = at + 1;
  ++count_;
  return true;
}

}  // namespace p2p
