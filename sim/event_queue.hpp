#pragma once
// The simulator's agenda: events ordered by (virtual time, sending entity, that entity's own send
// counter). The order never depends on memory addresses or on how nodes are laid out, so a run can
// later be split across workers and still give the same bytes.
#include <cstdint>
#include <vector>

#include "protocol/time.hpp"

namespace p2p::sim {

struct EventKey {
  Time at = 0;
  std::uint32_t sender = 0;
  std::uint64_t seq = 0;

  friend bool operator<(const EventKey& a, const EventKey& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.sender != b.sender) return a.sender < b.sender;
    return a.seq < b.seq;
  }
};

// A binary min-heap of keys, each naming a payload slot; payloads live in a recycled pool so the
// heap moves 24-byte records, not packets.
template <typename Payload>
class EventQueue {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const EventKey& top_key() const { return heap_.front().key; }

  void push(const EventKey& key, Payload payload) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      pool_[slot] = std::move(payload);
    } else {
      slot = static_cast<std::uint32_t>(pool_.size());
      pool_.push_back(std::move(payload));
    }
    heap_.push_back(Entry{key, slot});
    sift_up(heap_.size() - 1);
  }

  // Removes the earliest event, moving its payload into `out`; returns its key.
  EventKey pop(Payload& out) {
    const Entry top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    out = std::move(pool_[top.slot]);
    free_.push_back(top.slot);
    return top.key;
  }

  // Largest number of events ever pending at once (memory high-water mark).
  std::size_t pool_size() const { return pool_.size(); }

 private:
  struct Entry {
    EventKey key;
    std::uint32_t slot;
  };

  void sift_up(std::size_t i) {
    Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!(e.key < heap_[parent].key)) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  void sift_down(std::size_t i) {
    const std::size_t n = heap_.size();
    Entry e = heap_[i];
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].key < heap_[child].key) ++child;
      if (!(heap_[child].key < e.key)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = e;
  }

  std::vector<Entry> heap_;
  std::vector<Payload> pool_;
  std::vector<std::uint32_t> free_;
};

}  // namespace p2p::sim
