#pragma once
// A flood's delivery latencies, held until the flood finishes for their percentiles.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "protocol/time.hpp"

namespace p2p::sim {

// 4 bytes a latency while it is under 2^32 microseconds (over an hour), as nearly all are, and
// 8 beside them for the rest: at ten million nodes a list of 8-byte latencies grown by doubling
// was a sixth of the flood's memory.
class FloodLatencies {
 public:
  void reserve(std::size_t n) { near_.reserve(n); }
  void add(Time t) {
    if (t >= 0 && t <= static_cast<Time>(UINT32_MAX))
      near_.push_back(static_cast<std::uint32_t>(t));
    else
      far_.push_back(t);
  }
  std::size_t size() const { return near_.size() + far_.size(); }
  bool empty() const { return near_.empty() && far_.empty(); }
  // Puts them in order, for sorted_at and nearest_rank.
  void sort() {
    std::sort(near_.begin(), near_.end());
    std::sort(far_.begin(), far_.end());
  }
  // The k-th smallest (from 0), once sorted: every far one is larger than every near one.
  Time sorted_at(std::size_t k) const {
    return k < near_.size() ? Time{near_[k]} : far_[k - near_.size()];
  }
  // The nearest-rank percentile p (0 < p <= 1), once sorted and not empty: the smallest latency
  // with at least p of them at or below it.
  Time nearest_rank(double p) const {
    const auto n = static_cast<double>(size());
    const auto k = static_cast<std::size_t>(std::max(1.0, std::ceil(p * n)));
    return sorted_at(std::min(k, size()) - 1);
  }
  // Calls f(latency) for each, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::uint32_t t : near_) f(Time{t});
    for (Time t : far_) f(t);
  }

 private:
  std::vector<std::uint32_t> near_;
  std::vector<Time> far_;
};

}  // namespace p2p::sim
