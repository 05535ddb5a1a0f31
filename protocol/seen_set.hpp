#pragma once
// The message ids a node has seen, each kept for a time to live, within a budget of ids. An id
// leaves when its time is up, or earlier, oldest first, when the budget is full (counted, since a
// message still circulating could then be delivered again). Lookups are O(1): an open-addressing
// table indexes a ring of (id, time seen) in arrival order, both in one allocation. Empty (no
// heap at all) until the second message, so idle simulated nodes cost nothing.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "protocol/random.hpp"
#include "protocol/time.hpp"

namespace p2p {

// How long ids are kept and how many at most. A budget of 0 remembers nothing.
struct SeenPolicy {
  Time ttl = 600 * kSecond;
  std::uint32_t budget = 1u << 20;  // 16 MiB of entries at most
};

class SeenSet {
 public:
  SeenSet() = default;
  // A set moved from is empty: its word would otherwise read as an id held inline.
  SeenSet(SeenSet&& o) noexcept : block_(std::move(o.block_)), word_(std::exchange(o.word_, 0)) {}
  SeenSet& operator=(SeenSet&& o) noexcept {
    block_ = std::move(o.block_);
    word_ = std::exchange(o.word_, 0);
    return *this;
  }
  // Returns true if `id` was new (and remembers it, seen at `now`), false if it was seen within
  // the time to live. `now` never decreases between calls; `policy` is the same on every call.
  bool insert(std::uint64_t id, Time now, const SeenPolicy& policy);
  bool contains(std::uint64_t id) const;
  // Whether insert(id, now, policy) would return false: `id` was seen within the time to live.
  // Changes nothing.
  bool refuses(std::uint64_t id, Time now, const SeenPolicy& policy) const;
  // Ask the processor for the cache lines a lookup of `id` reads: its slot, then (once the slot
  // is in) the ring entry the slot names. For a driver that knows which ids its nodes look up
  // next, a few events ahead and then one ahead. Always inlined: GCC takes a function whose only
  // effect is a prefetch for one without effects, and drops the calls it does not inline.
  [[gnu::always_inline]] void prefetch_slot(std::uint64_t id) const {
    if (block_) __builtin_prefetch(table() + (mix64(id) & word_) * slot_bytes());
  }
  [[gnu::always_inline]] void prefetch_entry(std::uint64_t id) const {
    if (!block_) return;
    if (const std::uint32_t at = slot(mix64(id) & word_); at != 0)
      __builtin_prefetch(ring() + (at - 1));
  }
  std::size_t size() const { return block_ ? header().count : (word_ != 0 ? 1 : 0); }
  // The bytes of its block on the heap (0 while it holds at most one id, inline).
  std::size_t bytes() const {
    if (!block_) return 0;
    return sizeof(Header) + (word_ + 1) * slot_bytes() + header().places * sizeof(Entry);
  }
  // Ids forgotten before their time because the budget was full.
  std::uint64_t early_evictions() const { return block_ ? header().early : 0; }

 private:
  struct Entry {
    std::uint64_t id;
    Time seen;
  };
  // One allocation: this header, the table's slots (linear probing; 1 + ring position, 0 when
  // empty), then the ring of `places` entries, which holds `count` from `head` on, in the order
  // the ids were seen. The table has at least twice as many slots as the ring has places. A
  // lookup finds the slots without reading the header (the table's size is kept in the set), so
  // it reads two cache lines of the block, the slot's and the entry's, where three separately
  // allocated parts cost three dependent misses in a flood over a large network.
  // A slot takes two bytes while the table has at most kNarrowSlots of them (the ring then has
  // at most half as many places), four beyond.
  // The header keeps the oldest entry's time as well: every new id first asks whether the oldest
  // has lived its time, and the answer then needs only the header's line, not also the ring's
  // head, a miss of its own that could only start once the header had named the head.
  struct Header {
    std::uint32_t head = 0;
    std::uint32_t count = 0;
    std::uint32_t places = 0;
    std::uint64_t early = 0;
    Time oldest = 0;  // ring()[head].seen while count > 0
  };
  static constexpr std::size_t kNarrowSlots = std::size_t{1} << 16;
  Header& header() const { return *reinterpret_cast<Header*>(block_.get()); }
  std::byte* table() const { return block_.get() + sizeof(Header); }
  std::size_t slot_bytes() const { return word_ < kNarrowSlots ? 2 : 4; }
  std::uint32_t slot(std::size_t i) const {
    if (word_ < kNarrowSlots) return reinterpret_cast<const std::uint16_t*>(table())[i];
    return reinterpret_cast<const std::uint32_t*>(table())[i];
  }
  void set_slot(std::size_t i, std::uint32_t at) {
    if (word_ < kNarrowSlots)
      reinterpret_cast<std::uint16_t*>(table())[i] = static_cast<std::uint16_t>(at);
    else
      reinterpret_cast<std::uint32_t*>(table())[i] = at;
  }
  Entry* ring() const { return reinterpret_cast<Entry*>(table() + (word_ + 1) * slot_bytes()); }
  // The slot holding `id`, or the empty slot where it would go.
  std::size_t find_slot(std::uint64_t id) const;
  template <class Slot>
  std::size_t find_slot_in(const Slot* slots, std::uint64_t id) const;
  void erase_slot(std::size_t slot);
  void pop_oldest();
  void grow(std::uint32_t budget);

  std::unique_ptr<std::byte[]> block_;
  // Without a block: the first id, held inline (0: none; an id 0 goes to a block at once): most
  // simulated nodes see few messages, and a flood over a million nodes would otherwise allocate
  // in each. It is kept until a second id arrives, which moves it into the ring as seen then.
  // With a block: the table's slots less one (a power of two less one). So a set is 16 bytes
  // inside its node.
  std::uint64_t word_ = 0;
};
static_assert(sizeof(SeenSet) == 16);

}  // namespace p2p
