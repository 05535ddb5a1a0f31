#pragma once
// The simulator's agenda: events ordered by (virtual time, sending entity, that entity's own send
// counter). The order never depends on memory addresses or on how nodes are laid out, so a run can
// later be split across workers and still give the same bytes.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "protocol/huge_pages.hpp"
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

// How an event waits in a bucket. An event type that derives from a `Body` (all of it but `at`) is
// kept as its body and its time within the bucket, 2 bytes: a flood keeps millions of events
// pending, and the time's other bytes are the bucket's. Any other type is kept whole.
template <typename Event, typename = void>
struct StoredBody {
  using type = Event;
};
template <typename Event>
struct StoredBody<Event, std::void_t<typename Event::Body>> {
  using type = typename Event::Body;
  static_assert(std::is_base_of_v<type, Event>, "an event's Body is its base");
};

// Strict order of two events by their (at, sender, seq) members.
template <typename Event>
constexpr bool earlier(const Event& a, const Event& b) {
  if (a.at != b.at) return a.at < b.at;
  if (a.sender != b.sender) return a.sender < b.sender;
  return a.seq < b.seq;
}

// A calendar queue of events stored by value. Almost every event lands less than one network
// latency ahead of the clock, so a ring of buckets, each 2^shift microseconds wide, spanning a
// window a little wider than that takes a push in O(1); a two-level bitmap finds the next
// non-empty bucket in a few word reads; events further ahead (timers, scenario steps) wait in a
// small binary heap. A bucket is sorted by the full key when the clock reaches it, so the order is
// exactly that of a heap on (at, sender, seq). Buckets a few tens of microseconds wide keep the
// ring small enough to stay in cache. `Event` needs members `at`, `sender` and `seq`; `at` of a
// push is never before the last popped event's.
template <typename Event>
class EventQueue {
 public:
  // `window` (rounded up) should exceed the usual delay between a push and its event; longer
  // delays still work, through the heap.
  explicit EventQueue(Time window = Time{1} << 16, int shift = 6) : shift_(shift) {
    assert(shift_ >= 0 && shift_ <= 16);  // a time within a bucket fits in 16 bits
    std::size_t w = 1024;
    while (static_cast<Time>(w << shift_) < window && w < (std::size_t{1} << 22)) w <<= 1;
    mask_ = w - 1;
    ring_.resize(w);
    bits_.assign(w / 64, 0);
    summary_.assign((w / 64 + 63) / 64, 0);
  }

  // Chunks live in slabs the queue owns: a move takes them along.
  EventQueue(EventQueue&&) noexcept = default;
  EventQueue& operator=(EventQueue&&) = delete;

  bool empty() const { return size_ == 0; }
  // Events held in the queue's own places.
  std::size_t size() const { return size_; }
  // Events that entries stand for besides themselves (the simulator's fan-outs: one entry for
  // several copies of a message), counted in pending() and the peak.
  std::size_t hidden() const { return hidden_; }
  std::size_t pending() const { return size_ + hidden_; }
  void hide(std::size_t n) {
    hidden_ += n;
    if (size_ + hidden_ > peak_) peak_ = size_ + hidden_;
  }
  void unhide(std::size_t n) {
    assert(hidden_ >= n);
    hidden_ -= n;
  }
  // Large buckets put in order by their keys alone, without the three-field sort.
  std::size_t sorted_by_key() const { return sorted_by_key_; }
  // Largest number of events ever pending at once (memory high-water mark).
  std::size_t peak() const { return peak_; }

  [[gnu::always_inline]] void push(const Event& e) {
    assert(e.at >= now_);
    const Time eb = e.at >> shift_;
    if (eb == cur_) {
      if (current_.size() <= kInsertUpTo) {
        // Keep `current_` sorted latest-first so the earliest pops from the back.
        auto it = std::lower_bound(current_.begin(), current_.end(), e,
                                   [](const Event& x, const Event& y) { return earlier(y, x); });
        current_.insert(it, e);
      } else {
        // A large gathered bucket (a flood's wave): a sorted insert would move half of it.
        hot_.push_back(e);
        std::push_heap(hot_.begin(), hot_.end(), later_first);
      }
    } else if (static_cast<std::uint64_t>(eb - cur_) <= mask_) {
      const std::size_t b = static_cast<std::size_t>(eb) & mask_;
      Bucket& bucket = ring_[b];
      if (bucket.head == nullptr) set_bit(b);  // its bits are set while it holds events
      append(bucket, eb << shift_, e);
    } else {
      far_.push_back(e);
      std::push_heap(far_.begin(), far_.end(), later_first);
    }
    if (++size_ + hidden_ > peak_) peak_ = size_ + hidden_;
  }

  // Time of the earliest pending event; the queue must not be empty. Does not move the clock, so
  // events may still be pushed at any time from the last popped one on.
  Time next_time() const {
    if (!hot_.empty())
      return current_.empty() ? hot_.front().at : std::min(hot_.front().at, current_.back().at);
    if (!current_.empty()) return current_.back().at;
    Time t = far_.empty() ? kNever : far_.front().at;
    const std::size_t b = next_bucket();
    if (b != kNone) {
      std::uint32_t first = ~std::uint32_t{0};
      for (const Chunk* c = ring_[b].head; c != nullptr; c = c->next)
        for (std::size_t i = 0; i < c->count; ++i)
          first = std::min<std::uint32_t>(first, c->offset[i]);
      if (ring_[b].head != nullptr) t = std::min(t, ring_[b].start + Time{first});
    }
    return t;
  }

  // Whether the earliest pending event is at or before `t` (next_time() <= t); the queue must not
  // be empty. A bucket that ends by `t` is not looked into: a run up to the next arrival asked
  // this before each event, and at each bucket's start that meant a pass over its events (2% of
  // a join phase's instructions).
  bool due_by(Time t) const {
    if (hot_.empty()) [[likely]] {
      // Asked before every event: a gathered bucket's earliest is the queue's (next_time()).
      if (!current_.empty()) return current_.back().at <= t;
      if (!far_.empty() && far_.front().at <= t) return true;
      const std::size_t b = next_bucket();
      if (b != kNone && ring_[b].head != nullptr && ring_[b].start + ((Time{1} << shift_) - 1) <= t)
        return true;
    }
    return next_time() <= t;
  }

  // Whether an event at `at` would join the bucket being drained (where peek() does not show it).
  bool due_in_current(Time at) const { return (at >> shift_) == cur_; }

  // How many events are gathered (peek() shows them): it grows only when a bucket is gathered.
  std::size_t gathered() const { return current_.size(); }

  // The event `k` places after the earliest if it is already gathered (for prefetching), or null.
  const Event* peek(std::size_t k) const {
    return k < current_.size() ? &current_[current_.size() - 1 - k] : nullptr;
  }

  // Removes the earliest event into `out`.
  void pop(Event& out) {
    if (!hot_.empty() && (current_.empty() || earlier(hot_.front(), current_.back()))) {
      std::pop_heap(hot_.begin(), hot_.end(), later_first);
      out = hot_.back();
      hot_.pop_back();
    } else {
      if (current_.empty()) advance();
      out = current_.back();
      current_.pop_back();
    }
    now_ = out.at;
    if (--size_ + hidden_ == 0 && slabs_.size() > 1) release_spare();
  }

 private:
  static constexpr Time kNever = INT64_MAX;
  static constexpr std::size_t kNone = ~std::size_t{0};
  // A bucket's events sit in fixed-size chunks linked in push order, taken from a pool that keeps
  // every chunk it made. A flood's wave fills buckets of 100,000 events and more: grown as one
  // block, a bucket copied each event several times into ever larger blocks and faulted fresh
  // pages in for each; chunks are written once, copied once when the bucket is gathered, and
  // reused by the buckets that follow.
  static constexpr std::size_t kChunkEvents = 256;
  using Body = typename StoredBody<Event>::type;
  static constexpr bool kSplit = !std::is_same_v<Body, Event>;
  struct Chunk {
    Chunk* next = nullptr;
    std::size_t count = 0;
    std::uint16_t offset[kChunkEvents];  // at - the bucket's start
    Body body[kChunkEvents];
  };
  struct Bucket {
    Chunk* head = nullptr;
    Chunk* tail = nullptr;
    std::size_t size = 0;
    Time start = 0;  // the first time the bucket spans, once it has an event
  };
  static Event load(const Chunk& c, std::size_t i, Time start) {
    if constexpr (kSplit) {
      Event e;
      static_cast<Body&>(e) = c.body[i];
      e.at = start + Time{c.offset[i]};
      return e;
    } else {
      return c.body[i];
    }
  }

  // Chunks are cut from slabs: the first of kFirstSlabChunks (so that a small run stays small),
  // then of 2 MiB on huge pages where the system has them. A wave's millions of pending events
  // fill about 19,000 chunks at a million nodes: taken from the heap one by one, each of their
  // 4 KiB pages cost a fault of its own (a tenth of that run's faults), and a translation of its
  // own when the bucket is gathered.
  static constexpr std::size_t kFirstSlabChunks = 64;
  static constexpr std::size_t kHugePage = HugePageAllocator<std::byte>::kHugePage;
  static_assert(std::is_trivially_destructible_v<Chunk>, "a slab is freed without its chunks");
  struct SlabFree {
    std::size_t bytes = 0;
    void operator()(std::byte* p) const { HugePageAllocator<std::byte>{}.deallocate(p, bytes); }
  };
  using Slab = std::unique_ptr<std::byte[], SlabFree>;
  // The bytes of slab `index`, which holds as many chunks as fit. After the first, a whole huge
  // page, not just the chunks it holds: the allocator asks for huge pages only for 2 MiB and more
  // (slabs of 314 chunks, 2 KiB short of it, came from the heap on 4 KiB pages).
  static std::size_t slab_bytes(std::size_t index) {
    return index == 0 ? kFirstSlabChunks * sizeof(Chunk) : kHugePage;
  }

  Chunk* fresh_chunk() {
    if (!free_.empty()) {
      Chunk* c = free_.back();
      free_.pop_back();
      c->next = nullptr;
      c->count = 0;
      return c;
    }
    return cut_chunk();
  }
  // A chunk never used before, from the last slab or a new one: out of line, so that the push
  // that reuses a chunk stays small.
  [[gnu::noinline]] Chunk* cut_chunk() {
    if (slabs_.empty() || carved_ == slab_bytes(slabs_.size() - 1) / sizeof(Chunk)) {
      const std::size_t bytes = slab_bytes(slabs_.size());
      slabs_.emplace_back(HugePageAllocator<std::byte>{}.allocate(bytes), SlabFree{bytes});
      carved_ = 0;
    }
    return ::new (slabs_.back().get() + carved_++ * sizeof(Chunk)) Chunk;
  }

  // Once nothing is pending, every chunk is free: a wave's slabs are freed, all but the first
  // (and the gathered bucket's room goes too). They go back to the heap, which returns large
  // blocks to the system. The report that follows a run needs that memory more than the next
  // wave.
  void release_spare() {
    slabs_.resize(1);
    carved_ = 0;  // the first slab is cut anew
    free_.clear();
    Events().swap(current_);
    std::vector<Event>().swap(hot_);
    std::vector<Chunk*>().swap(chunks_);  // named chunks just freed or back in the pool
    std::vector<Event>().swap(extra_);
    Keys().swap(keys_);
    Keys().swap(spare_keys_);
#if defined(__GLIBC__)
    malloc_trim(0);  // give back what the vectors' growth left in the heap
#endif
  }

  [[gnu::always_inline]] void append(Bucket& bucket, Time start, const Event& e) {
    if (bucket.head == nullptr) bucket.start = start;
    assert(bucket.start == start);
    Chunk* c = bucket.tail;
    if (c == nullptr || c->count == kChunkEvents) {
      Chunk* fresh = fresh_chunk();
      (c == nullptr ? bucket.head : c->next) = fresh;
      bucket.tail = c = fresh;
    }
    c->offset[c->count] = static_cast<std::uint16_t>(e.at - start);
    c->body[c->count++] = e;
    ++bucket.size;
  }

  // An object, not a function: the heaps and sorts given a function's address called it through
  // the pointer for every comparison (7% of a HyParView run, whose timers wait in the far heap).
  struct LaterFirst {
    bool operator()(const Event& a, const Event& b) const { return earlier(b, a); }
  };
  static constexpr LaterFirst later_first{};

  // The ring slot of the first non-empty bucket after the current one, or kNone.
  std::size_t next_bucket() const {
    const std::size_t start = static_cast<std::size_t>(cur_ + 1) & mask_;
    std::size_t b = find_from(start);
    if (b == kNone) b = find_from(0);
    return b;
  }

  // Moves to the next bucket with events and gathers them, sorted, into `current_`.
  [[gnu::hot]] void advance() {
    // The next bucket with events: the ring's next, or the far heap's earliest if that is sooner.
    const std::size_t next = next_bucket();
    Time tb = next == kNone ? kNever : ring_[next].start >> shift_;
    if (!far_.empty()) tb = std::min(tb, far_.front().at >> shift_);
    const std::size_t b = static_cast<std::size_t>(tb) & mask_;
    Bucket& bucket = ring_[b];
    assert(current_.empty());
    std::size_t in_chunks = 0;
    Chunk* head = nullptr;
    if (bucket.head != nullptr && bucket.start == (tb << shift_)) {
      in_chunks = bucket.size;
      head = bucket.head;
      bucket = Bucket{};
      clear_bit(b);
    }
    cur_ = tb;
    if (in_chunks >= kKeyedSortFrom) {
      chunks_.clear();
      for (Chunk* c = head; c != nullptr; c = c->next) chunks_.push_back(c);
      // A large bucket (a flood's wave) is sorted by key from its chunks, far events due in it
      // placed after the chunks' events.
      extra_.clear();
      while (!far_.empty() && (far_.front().at >> shift_) == tb) {
        std::pop_heap(far_.begin(), far_.end(), later_first);
        extra_.push_back(far_.back());
        far_.pop_back();
      }
      sort_by_keys(tb << shift_, in_chunks);
      for (Chunk* c : chunks_) free_.push_back(c);
    } else {
      // A small one (a join phase's bucket holds about five events) is gathered straight into
      // place: by rank (rank_place) when it is one chunk of at most kRankSortUpTo events and the
      // far heap has none due in it, else by insertion (std::sort's set-up cost more than the
      // sorting of so few). Its chunks are read down their chain and go back to the pool as
      // they are read, with no list of them made (1% of a join phase's instructions).
      const Time start = tb << shift_;
      if (in_chunks > 0 && in_chunks <= kRankSortUpTo &&
          (far_.empty() || (far_.front().at >> shift_) != tb)) {
        assert(head->next == nullptr && head->count == in_chunks);
        if (rank_place(*head, in_chunks, start)) insertion_sort();  // tied times: the keys decide
        free_.push_back(head);
        return;
      }
      current_.reserve(in_chunks);
      for (Chunk* c = head; c != nullptr;) {
        for (std::size_t i = 0; i < c->count; ++i) current_.push_back(load(*c, i, start));
        Chunk* next = c->next;
        free_.push_back(c);
        c = next;
      }
      while (!far_.empty() && (far_.front().at >> shift_) == tb) {
        std::pop_heap(far_.begin(), far_.end(), later_first);
        current_.push_back(far_.back());
        far_.pop_back();
      }
      if (current_.size() <= kInsertionSortUpTo) {
        insertion_sort();
      } else {
        std::sort(current_.begin(), current_.end(), later_first);
      }
    }
  }

  void insertion_sort() {
    for (std::size_t i = 1; i < current_.size(); ++i) {
      const Event e = current_[i];
      std::size_t j = i;
      for (; j > 0 && later_first(e, current_[j - 1]); --j) current_[j] = current_[j - 1];
      current_[j] = e;
    }
  }

  // Puts the `n` events of chunk `c` (at most kRankSortUpTo, all at or after `start`) in
  // `current_`, latest first by time alone, and says whether two of them share a time. Each
  // event's place is counted from its time's comparisons with all the others at once, and the
  // loops here run kRankSortUpTo times (only the vector's resize runs `n`), with no jump that
  // depends on the times: a join phase's bucket holds about five events in random order, and an
  // insertion sort missed about one jump for each event it placed. The keys are the time within the
  // bucket (below 2^16, as a chunk keeps it) above the place in the chunk, so that no two are
  // equal; the places past `n` get a key above all of them. A chunk has room for far more than
  // kRankSortUpTo events, so those places can be read (and what they hold is never used).
  bool rank_place(const Chunk& c, std::size_t n, Time start) {
    static_assert(kChunkEvents >= kRankSortUpTo);
    alignas(16) std::int32_t key[kRankSortUpTo];
    alignas(16) std::int32_t rank[kRankSortUpTo];
    std::uint32_t tied_bits = 0;  // bit i: the event in place i shares its time with another
    for (std::size_t i = 0; i < kRankSortUpTo; ++i) {
      const std::int32_t used = -static_cast<std::int32_t>(i < n);
      const auto k = static_cast<std::int32_t>(std::uint32_t{c.offset[i]} << kPlaceBits | i);
      key[i] = (k & used) | (kNoKey & ~used);
    }
#if defined(__SSE2__)
    static_assert(kRankSortUpTo == 8);
    const __m128i lo = _mm_load_si128(reinterpret_cast<const __m128i*>(key));
    const __m128i hi = _mm_load_si128(reinterpret_cast<const __m128i*>(key + 4));
    const __m128i lo_at = _mm_srai_epi32(lo, kPlaceBits), hi_at = _mm_srai_epi32(hi, kPlaceBits);
    __m128i lo_rank = _mm_setzero_si128(), hi_rank = lo_rank, lo_same = lo_rank, hi_same = lo_rank;
    for (std::size_t j = 0; j < kRankSortUpTo; ++j) {
      // A true comparison is -1: subtracting it counts it.
      const __m128i other = _mm_set1_epi32(key[j]), other_at = _mm_set1_epi32(key[j] >> kPlaceBits);
      lo_rank = _mm_sub_epi32(lo_rank, _mm_cmpgt_epi32(lo, other));
      hi_rank = _mm_sub_epi32(hi_rank, _mm_cmpgt_epi32(hi, other));
      lo_same = _mm_sub_epi32(lo_same, _mm_cmpeq_epi32(lo_at, other_at));
      hi_same = _mm_sub_epi32(hi_same, _mm_cmpeq_epi32(hi_at, other_at));
    }
    _mm_store_si128(reinterpret_cast<__m128i*>(rank), lo_rank);
    _mm_store_si128(reinterpret_cast<__m128i*>(rank + 4), hi_rank);
    const __m128i one = _mm_set1_epi32(1);  // itself
    tied_bits = static_cast<std::uint32_t>(
        _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(lo_same, one))) |
        _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(hi_same, one))) << 4);
#else
    for (std::size_t i = 0; i < kRankSortUpTo; ++i) {
      std::int32_t same = 0;
      rank[i] = 0;
      for (std::size_t j = 0; j < kRankSortUpTo; ++j) {
        rank[i] += key[j] < key[i];
        same += (key[j] >> kPlaceBits) == (key[i] >> kPlaceBits);
      }
      tied_bits |= std::uint32_t{same > 1} << i;
    }
#endif
    current_.resize(n);
    // The unused places first, into place 0, which a used one then overwrites: the ranks of the
    // used places are 0 to n - 1, each once.
    for (std::size_t i = kRankSortUpTo; i-- > 0;) {
      const std::size_t used = std::size_t{0} - (i < n);
      current_[(n - 1 - static_cast<std::size_t>(rank[i])) & used] = load(c, i, start);
    }
    return (tied_bits & ((std::uint32_t{1} << n) - 1)) != 0;
  }

  // Puts the events of `chunks_` (the first `in_chunks` places, every chunk full but the last)
  // and then of `extra_` into `current_`, latest first. Each is ordered by one 64-bit word: its
  // time within the bucket starting at `start`, its sender and its place in push order, which for
  // one sender is nearly always the order of its counter (a sender numbers its events as it
  // sends them; the simulator holds a node's copies of a message back until the node is done). An
  // insertion pass over neighbours then orders (time, sender, counter) exactly. Keys too wide for
  // one word fall back to the three-field sort.
  [[gnu::hot]] void sort_by_keys(Time start, std::size_t in_chunks) {
    const std::size_t n = in_chunks + extra_.size();
    auto event = [&](std::size_t i) -> Event {
      return i < in_chunks ? load(*chunks_[i / kChunkEvents], i % kChunkEvents, start)
                           : extra_[i - in_chunks];
    };
    const int index_bits = std::max(1, static_cast<int>(std::bit_width(n)));
    std::uint32_t senders = 0;  // the bits any sender has
    for (const Chunk* c : chunks_)
      for (std::size_t k = 0; k < c->count; ++k) senders |= c->body[k].sender;
    for (const Event& e : extra_) senders |= e.sender;
    const int sender_bits = std::bit_width(senders);
    // Filled by appending: every event is written once, not first zeroed (a wave's buckets hold
    // millions of events between them). Grown by a quarter at least: a wave's buckets grow a
    // little each, and growing to each one's size exactly mapped and faulted fresh memory for
    // nearly every bucket (half of a million-node run's page faults).
    if (current_.capacity() < n) current_.reserve(std::max(n, current_.capacity() * 5 / 4));
    if (shift_ + sender_bits + index_bits <= 64) {
      keys_.resize(n);
      auto key = [&](std::uint64_t offset, std::uint32_t sender, std::size_t i) {
        return (offset << (sender_bits + index_bits)) |
               (static_cast<std::uint64_t>(sender) << index_bits) | i;
      };
      std::size_t i = 0;
      for (const Chunk* c : chunks_)
        for (std::size_t k = 0; k < c->count; ++k, ++i)
          keys_[i] = key(c->offset[k], c->body[k].sender, i);
      for (const Event& e : extra_) {
        keys_[i] = key(static_cast<std::uint64_t>(e.at - start), e.sender, i);
        ++i;
      }
      // Least significant digit first, each pass stable, over the time and sender bits only: the
      // place in push order is already the order of equal (time, sender).
      radix_sort(index_bits, index_bits + sender_bits + shift_);
      const std::uint64_t index_mask = (std::uint64_t{1} << index_bits) - 1;
      for (std::size_t r = n; r-- > 0;) current_.push_back(event(keys_[r] & index_mask));
      // The keys order (time, sender) exactly. Events of one sender at one instant are in push
      // order, which is nearly always their counter's: an insertion pass puts the few that are
      // not in place.
      bool moved = false;
      for (std::size_t i = 1; i < n; ++i) {
        if (earlier(current_[i], current_[i - 1])) continue;
        const Event e = current_[i];
        std::size_t j = i;
        for (; j > 0 && later_first(e, current_[j - 1]); --j) current_[j] = current_[j - 1];
        current_[j] = e;
        moved = true;
      }
      if (!moved) ++sorted_by_key_;
      return;
    } else {
      for (std::size_t i = 0; i < n; ++i) current_.push_back(event(i));
    }
    std::sort(current_.begin(), current_.end(), later_first);
  }
  static constexpr std::size_t kKeyedSortFrom = 64;
  // Up to this many gathered events, one pushed into their bucket is inserted in place; beyond,
  // it waits in hot_.
  static constexpr std::size_t kInsertUpTo = 32;
  static constexpr std::size_t kInsertionSortUpTo = 16;
  // A bucket of one chunk this small is put in order by rank_place.
  static constexpr std::size_t kRankSortUpTo = 8;
  static constexpr int kPlaceBits = 3;               // a gathered place below kRankSortUpTo
  static constexpr std::int32_t kNoKey = INT32_MAX;  // above every key: the unused places

  // Sorts keys_ by their bits [from, to), stably, in passes of kDigitBits bits.
  void radix_sort(int from, int to) {
    static constexpr int kDigitBits = 11;
    static constexpr std::size_t kDigits = std::size_t{1} << kDigitBits;
    const std::size_t n = keys_.size();
    spare_keys_.resize(n);
    std::vector<std::size_t> place(kDigits);
    for (int shift = from; shift < to; shift += kDigitBits) {
      std::fill(place.begin(), place.end(), 0);
      for (std::uint64_t k : keys_) ++place[(k >> shift) & (kDigits - 1)];
      if (place[(keys_[0] >> shift) & (kDigits - 1)] == n) continue;  // one value: none moves
      std::size_t sum = 0;
      for (std::size_t& p : place) sum += std::exchange(p, sum);
      for (std::uint64_t k : keys_) spare_keys_[place[(k >> shift) & (kDigits - 1)]++] = k;
      keys_.swap(spare_keys_);
    }
  }

  void set_bit(std::size_t b) {
    bits_[b >> 6] |= std::uint64_t{1} << (b & 63);
    summary_[b >> 12] |= std::uint64_t{1} << ((b >> 6) & 63);
  }
  void clear_bit(std::size_t b) {
    std::uint64_t& w = bits_[b >> 6];
    w &= ~(std::uint64_t{1} << (b & 63));
    if (w == 0) summary_[b >> 12] &= ~(std::uint64_t{1} << ((b >> 6) & 63));
  }

  // First bucket at or after `b` (no wrap) with events, or kNone.
  std::size_t find_from(std::size_t b) const {
    std::size_t word = b >> 6;
    if (word >= bits_.size()) return kNone;
    const std::uint64_t here = bits_[word] & (~std::uint64_t{0} << (b & 63));
    if (here != 0) return (word << 6) | static_cast<std::size_t>(std::countr_zero(here));
    ++word;
    std::size_t s = word >> 6;
    if (s >= summary_.size()) return kNone;
    std::uint64_t sw =
        (word & 63) == 0 ? summary_[s] : summary_[s] & (~std::uint64_t{0} << (word & 63));
    for (;;) {
      if (sw != 0) {
        const std::size_t w = (s << 6) | static_cast<std::size_t>(std::countr_zero(sw));
        return (w << 6) | static_cast<std::size_t>(std::countr_zero(bits_[w]));
      }
      if (++s >= summary_.size()) return kNone;
      sw = summary_[s];
    }
  }

  int shift_;
  std::size_t mask_ = 0;
  std::vector<Bucket> ring_;            // ring_[b & mask_]: events of bucket b, in push order
  std::vector<Slab> slabs_;             // where every chunk is
  std::size_t carved_ = 0;              // chunks cut from the last slab
  std::vector<Chunk*> free_;            // chunks cut and in no bucket
  std::vector<std::uint64_t> bits_;     // bit b: ring_[b] is not empty
  std::vector<std::uint64_t> summary_;  // bit w: bits_[w] is not zero
  // A wave's gathered buckets and their sort keys run to megabytes: on huge pages.
  using Events = HugePageVector<Event>;
  using Keys = HugePageVector<std::uint64_t>;
  Events current_;              // events of bucket cur_, latest first
  std::vector<Event> hot_;      // min-heap of events pushed into bucket cur_ once gathered
  std::vector<Chunk*> chunks_;  // the chunks of a large bucket being gathered
  std::vector<Event> extra_;    // far events due in a large bucket being gathered
  Keys keys_;                   // sort keys of a large gathered bucket
  Keys spare_keys_;
  std::vector<Event> far_;  // min-heap of events beyond the window
  Time cur_ = 0;            // the bucket being drained (time >> shift_)
  Time now_ = 0;            // the last popped event's time
  std::size_t size_ = 0;
  std::size_t hidden_ = 0;
  std::size_t peak_ = 0;
  std::size_t sorted_by_key_ = 0;
};

}  // namespace p2p::sim
