#pragma once
// The message ids a node has seen, each kept for a time to live, within a budget of ids. An id
// leaves when its time is up, or earlier, oldest first, when the budget is full (counted, since a
// message still circulating could then be delivered again). Lookups are O(1): an open-addressing
// table indexes a ring of (id, time seen) in arrival order. Empty (no heap at all) until the
// second message, so idle simulated nodes cost nothing.
#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/time.hpp"

namespace p2p {

// How long ids are kept and how many at most. A budget of 0 remembers nothing.
struct SeenPolicy {
  Time ttl = 600 * kSecond;
  std::uint32_t budget = 1u << 20;  // 16 MiB of entries at most
};

class SeenSet {
 public:
  // Returns true if `id` was new (and remembers it, seen at `now`), false if it was seen within
  // the time to live. `now` never decreases between calls; `policy` is the same on every call.
  bool insert(std::uint64_t id, Time now, const SeenPolicy& policy);
  bool contains(std::uint64_t id) const;
  // Whether insert(id, now, policy) would return false: `id` was seen within the time to live.
  // Changes nothing.
  bool refuses(std::uint64_t id, Time now, const SeenPolicy& policy) const;
  std::size_t size() const { return table_ ? table_->count : (first_ != 0 ? 1 : 0); }
  // Ids forgotten before their time because the budget was full.
  std::uint64_t early_evictions() const { return table_ ? table_->early : 0; }

 private:
  struct Entry {
    std::uint64_t id;
    Time seen;
  };
  // The ring holds `count` entries from `head` on; it has half as many places as the table.
  // Kept behind one pointer so that a node that has seen at most one id carries 16 bytes.
  struct Table {
    std::vector<Entry> ring;
    std::vector<std::uint32_t> slots;  // linear probing; 1 + ring position, 0 when empty
    std::uint32_t head = 0;
    std::uint32_t count = 0;  // entries in the ring
    std::uint64_t early = 0;
  };
  // The slot holding `id`, or the empty slot where it would go.
  std::size_t find_slot(std::uint64_t id) const;
  void erase_slot(std::size_t slot);
  void pop_oldest();
  void grow(std::uint32_t budget);

  std::unique_ptr<Table> table_;
  // The first id is held inline (0: none; an id 0 goes to the table at once): most simulated
  // nodes see few messages, and a flood over a million nodes would otherwise allocate in each.
  // It is kept until a second id arrives, which moves it into the ring as seen then. So a set
  // is 16 bytes inside its node.
  std::uint64_t first_ = 0;
};
static_assert(sizeof(SeenSet) == 16);

}  // namespace p2p
