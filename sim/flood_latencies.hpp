#pragma once
// A flood's delivery latencies, held until the flood finishes for their exact percentiles.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <vector>

#include "protocol/time.hpp"

namespace p2p::sim {

// A few thousand latencies are a list of 4 bytes each. From kCountFrom on, those under kSpan
// microseconds (about four seconds: nearly all of a flood's) are counted instead, one counter per
// microsecond, so a flood over a hundred million nodes holds a few megabytes rather than 4 or 8
// bytes a node. The rest stay listed: 4 bytes while under 2^32 microseconds (over an hour), 8
// beyond. Each tier's latencies are larger than every latency of the tiers before it (counted,
// listed, long), so the k-th smallest is read across them without merging.
class FloodLatencies {
 public:
  static constexpr std::size_t kCountFrom = std::size_t{1} << 16;
  static constexpr Time kSpan = Time{1} << 22;

  // `t` is a delivery's time after the message was said: never negative.
  void add(Time t) {
    assert(t >= 0);
    if (counting_ && t < kSpan) {
      count(t);
    } else if (t <= static_cast<Time>(UINT32_MAX)) {
      listed_.push_back(static_cast<std::uint32_t>(t));
      if (!counting_ && listed_.size() >= kCountFrom) start_counting();
    } else {
      long_.push_back(t);
    }
    ++size_;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Puts them in order, for sorted_at and nearest_rank.
  void sort() {
    std::sort(listed_.begin(), listed_.end());
    std::sort(long_.begin(), long_.end());
  }
  // The k-th smallest (from 0), once sorted.
  Time sorted_at(std::size_t k) const {
    assert(k < size_);
    if (k < counted_)
      for (std::size_t t = 0;; ++t) {
        if (k < counts_[t]) return static_cast<Time>(t);
        k -= counts_[t];
      }
    k -= counted_;
    return k < listed_.size() ? Time{listed_[k]} : long_[k - listed_.size()];
  }
  // The nearest-rank percentile p (0 < p <= 1), once sorted and not empty: the smallest latency
  // with at least p of them at or below it.
  Time nearest_rank(double p) const {
    const auto n = static_cast<double>(size_);
    const auto k = static_cast<std::size_t>(std::max(1.0, std::ceil(p * n)));
    return sorted_at(std::min(k, size_) - 1);
  }
  // Calls f(latency) for each, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t t = 0; t < counts_.size(); ++t)
      for (std::uint32_t c = counts_[t]; c > 0; --c) f(static_cast<Time>(t));
    for (std::uint32_t t : listed_) f(Time{t});
    for (Time t : long_) f(t);
  }

 private:
  void count(Time t) {
    const auto at = static_cast<std::size_t>(t);
    if (at >= counts_.size())
      counts_.resize(std::min(static_cast<std::size_t>(kSpan),
                              std::max(at + 1, counts_.size() + counts_.size() / 2)));
    ++counts_[at];
    ++counted_;
  }
  // The listed latencies under kSpan become counts; those above stay listed.
  void start_counting() {
    counting_ = true;
    std::size_t kept = 0;
    for (std::uint32_t t : listed_)
      if (static_cast<Time>(t) < kSpan)
        count(t);
      else
        listed_[kept++] = t;
    listed_.resize(kept);
    listed_.shrink_to_fit();
  }

  bool counting_ = false;
  std::vector<std::uint32_t> counts_;  // counts_[t]: latencies of t microseconds, once counting
  std::size_t counted_ = 0;
  std::vector<std::uint32_t> listed_;  // under 2^32 (and, once counting, at least kSpan)
  std::vector<Time> long_;             // 2^32 and beyond
  std::size_t size_ = 0;
};

}  // namespace p2p::sim
