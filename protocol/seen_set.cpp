#include "protocol/seen_set.hpp"

#include "protocol/random.hpp"

namespace p2p {

std::size_t SeenSet::find_slot(std::uint64_t id) const {
  const Table& t = *table_;
  const std::size_t mask = t.slots.size() - 1;
  std::size_t i = mix64(id) & mask;
  while (t.slots[i] != 0 && t.ring[t.slots[i] - 1].id != id) i = (i + 1) & mask;
  return i;
}

bool SeenSet::contains(std::uint64_t id) const {
  if (!table_) return id != 0 && first_ == id;
  return table_->slots[find_slot(id)] != 0;
}

bool SeenSet::refuses(std::uint64_t id, Time now, const SeenPolicy& policy) const {
  if (!table_) return contains(id);  // the inline id has no time: it is never forgotten
  const std::uint32_t at = table_->slots[find_slot(id)];
  // insert() first forgets the ids whose time is up, oldest first. The ring is in the order the
  // ids were seen, so it forgets this one exactly when this one's own time is up.
  return at != 0 && table_->ring[at - 1].seen + policy.ttl > now;
}

// Backward-shift deletion keeps every probe chain unbroken without tombstones, so a long-lived
// set never degrades.
void SeenSet::erase_slot(std::size_t hole) {
  Table& t = *table_;
  const std::size_t mask = t.slots.size() - 1;
  std::size_t j = hole;
  for (;;) {
    j = (j + 1) & mask;
    if (t.slots[j] == 0) break;
    const std::size_t home = mix64(t.ring[t.slots[j] - 1].id) & mask;
    // Move j's entry into the hole unless its home lies cyclically in (hole, j].
    const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_between) {
      t.slots[hole] = t.slots[j];
      hole = j;
    }
  }
  t.slots[hole] = 0;
}

void SeenSet::pop_oldest() {
  Table& t = *table_;
  erase_slot(find_slot(t.ring[t.head].id));
  t.head = static_cast<std::uint32_t>((t.head + 1) % t.ring.size());
  --t.count;
}

// The ring doubles up to the budget (the table stays at most half full, so probes stay short);
// entries keep their order and are re-indexed.
void SeenSet::grow(std::uint32_t budget) {
  if (!table_) table_ = std::make_unique<Table>();
  Table& t = *table_;
  const std::size_t places = t.ring.empty() ? 8 : t.ring.size() * 2;
  std::vector<Entry> ring;
  ring.reserve(std::min<std::size_t>(places, budget));
  for (std::uint32_t k = 0; k < t.count; ++k) ring.push_back(t.ring[(t.head + k) % t.ring.size()]);
  ring.resize(std::min<std::size_t>(places, budget));
  t.ring.swap(ring);
  t.head = 0;
  std::size_t table = 16;
  while (table < 2 * t.ring.size()) table *= 2;
  t.slots.assign(table, 0);
  for (std::uint32_t k = 0; k < t.count; ++k) t.slots[find_slot(t.ring[k].id)] = k + 1;
}

bool SeenSet::insert(std::uint64_t id, Time now, const SeenPolicy& policy) {
  // Forget what has lived its time.
  if (table_)
    while (table_->count > 0 && table_->ring[table_->head].seen + policy.ttl <= now) pop_oldest();
  if (contains(id)) return false;
  if (policy.budget == 0) return true;
  if (!table_) {
    if (first_ == 0 && id != 0) {
      first_ = id;
      return true;
    }
    // A second id (or an id 0, which cannot be held inline): the inline one, if any, moves into
    // the ring (as seen now), then `id` goes in.
    grow(policy.budget);
    if (first_ != 0) {
      table_->ring[0] = Entry{first_, now};
      table_->slots[find_slot(first_)] = 1;
      table_->count = 1;
      first_ = 0;
    }
  }
  Table& t = *table_;
  if (t.count == t.ring.size()) {
    if (t.ring.size() < policy.budget) {
      grow(policy.budget);
    } else {
      pop_oldest();  // the budget is full: the oldest goes before its time
      ++t.early;
    }
  }
  const auto at = static_cast<std::uint32_t>((t.head + t.count) % t.ring.size());
  t.ring[at] = Entry{id, now};
  t.slots[find_slot(id)] = at + 1;
  ++t.count;
  return true;
}

}  // namespace p2p
