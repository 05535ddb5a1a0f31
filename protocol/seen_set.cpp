#include "protocol/seen_set.hpp"

#include <algorithm>
#include <new>

#include "protocol/random.hpp"

namespace p2p {

template <class Slot>
std::size_t SeenSet::find_slot_in(const Slot* s, std::uint64_t id) const {
  const Entry* r = ring();
  const std::size_t mask = word_;
  std::size_t i = mix64(id) & mask;
  while (s[i] != 0 && r[s[i] - 1].id != id) i = (i + 1) & mask;
  return i;
}

std::size_t SeenSet::find_slot(std::uint64_t id) const {
  if (word_ < kNarrowSlots)
    return find_slot_in(reinterpret_cast<const std::uint16_t*>(table()), id);
  return find_slot_in(reinterpret_cast<const std::uint32_t*>(table()), id);
}

bool SeenSet::contains(std::uint64_t id) const {
  if (!block_) return id != 0 && word_ == id;
  return slot(find_slot(id)) != 0;
}

bool SeenSet::refuses(std::uint64_t id, Time now, const SeenPolicy& policy) const {
  if (!block_) return contains(id);  // the inline id has no time: it is never forgotten
  const std::uint32_t at = slot(find_slot(id));
  // insert() first forgets the ids whose time is up, oldest first. The ring is in the order the
  // ids were seen, so it forgets this one exactly when this one's own time is up.
  return at != 0 && ring()[at - 1].seen + policy.ttl > now;
}

// Backward-shift deletion keeps every probe chain unbroken without tombstones, so a long-lived
// set never degrades.
void SeenSet::erase_slot(std::size_t hole) {
  const Entry* r = ring();
  const std::size_t mask = word_;
  std::size_t j = hole;
  for (;;) {
    j = (j + 1) & mask;
    const std::uint32_t at = slot(j);
    if (at == 0) break;
    const std::size_t home = mix64(r[at - 1].id) & mask;
    // Move j's entry into the hole unless its home lies cyclically in (hole, j].
    const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_between) {
      set_slot(hole, at);
      hole = j;
    }
  }
  set_slot(hole, 0);
}

void SeenSet::pop_oldest() {
  Header& h = header();
  erase_slot(find_slot(ring()[h.head].id));
  h.head = (h.head + 1) % h.places;
  if (--h.count > 0) h.oldest = ring()[h.head].seen;
}

// The ring grows by half up to the budget (the table stays at most half full, so probes stay
// short); entries keep their order and are re-indexed in a new block. Growing by half rather than
// doubling leaves a set at most a third empty, where doubling could leave it half empty: in a
// run with many messages, the seen sets are most of the memory.
void SeenSet::grow(std::uint32_t budget) {
  const std::uint32_t old_places = block_ ? header().places : 0;
  const std::size_t wanted = old_places == 0 ? 8 : std::size_t{old_places} + old_places / 2;
  const auto places = static_cast<std::uint32_t>(std::min<std::size_t>(wanted, budget));
  std::size_t slots = 16;
  while (slots < 2 * std::size_t{places}) slots *= 2;
  const std::size_t slot_size = slots <= kNarrowSlots ? 2 : 4;
  auto block = std::make_unique<std::byte[]>(sizeof(Header) + slots * slot_size +
                                             places * sizeof(Entry));  // zeroed: no slot used
  Header h;
  h.places = places;
  if (block_) {
    const Header& old = header();
    const Entry* r = ring();
    h.count = old.count;
    h.early = old.early;
    h.oldest = old.oldest;
    Entry* to = reinterpret_cast<Entry*>(block.get() + sizeof(Header) + slots * slot_size);
    for (std::uint32_t k = 0; k < old.count; ++k) to[k] = r[(old.head + k) % old.places];
  }
  new (block.get()) Header(h);
  block_ = std::move(block);
  word_ = slots - 1;
  const Entry* r = ring();
  for (std::uint32_t k = 0; k < h.count; ++k) set_slot(find_slot(r[k].id), k + 1);
}

bool SeenSet::insert(std::uint64_t id, Time now, const SeenPolicy& policy) {
  // Forget what has lived its time.
  if (block_)
    while (header().count > 0 && header().oldest + policy.ttl <= now) pop_oldest();
  if (contains(id)) return false;
  if (policy.budget == 0) return true;
  if (!block_) {
    if (word_ == 0 && id != 0) {
      word_ = id;
      return true;
    }
    // A second id (or an id 0, which cannot be held inline): the inline one, if any, moves into
    // the ring (as seen now), then `id` goes in.
    const std::uint64_t first = word_;
    grow(policy.budget);
    if (first != 0) {
      ring()[0] = Entry{first, now};
      set_slot(find_slot(first), 1);
      header().count = 1;
      header().oldest = now;
    }
  }
  if (header().count == header().places) {
    if (header().places < policy.budget) {
      grow(policy.budget);
    } else {
      pop_oldest();  // the budget is full: the oldest goes before its time
      ++header().early;
    }
  }
  Header& h = header();
  const std::uint32_t at = (h.head + h.count) % h.places;
  ring()[at] = Entry{id, now};
  set_slot(find_slot(id), at + 1);
  if (h.count++ == 0) h.oldest = now;
  return true;
}

}  // namespace p2p
