#pragma once
// The simulator's live nodes: a list that a departure changes by moving the last node into the
// departed one's place, so that drawing a live node uniformly is one read. Until the first
// departure every node is live in index order: the list is then the indices 0..n-1, and neither it
// nor each node's place in it is kept (8 bytes a node, which most runs, the default one among them,
// never need). The first departure writes both out.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <vector>

namespace p2p::sim {

class LiveNodes {
 public:
  class const_iterator {
   public:
    // Each step reads the node in the next place: an input iterator, read once per pass.
    using iterator_category = std::input_iterator_tag;
    using value_type = std::uint32_t;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::uint32_t;

    const_iterator() = default;
    std::uint32_t operator*() const { return (*of_)[k_]; }
    const_iterator& operator++() {
      ++k_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator was = *this;
      ++k_;
      return was;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.k_ == b.k_;
    }

   private:
    friend class LiveNodes;
    const_iterator(const LiveNodes* of, std::size_t k) : of_(of), k_(k) {}
    const LiveNodes* of_ = nullptr;
    std::size_t k_ = 0;
  };

  std::size_t size() const { return listed_ ? list_.size() : count_; }
  bool empty() const { return size() == 0; }
  // The node in place k (k < size()).
  std::uint32_t operator[](std::size_t k) const {
    assert(k < size());
    return listed_ ? list_[k] : static_cast<std::uint32_t>(k);
  }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }
  std::vector<std::uint32_t> to_vector() const {
    std::vector<std::uint32_t> out;
    out.reserve(size());
    for (std::size_t k = 0; k < size(); ++k) out.push_back((*this)[k]);
    return out;
  }

  // Adds node `i`, the newest: every node added before it was given a smaller index.
  void add(std::uint32_t i) {
    if (!listed_) {
      assert(i == count_);
      ++count_;
      return;
    }
    assert(i == place_.size());
    place_.push_back(static_cast<std::uint32_t>(list_.size()));
    list_.push_back(i);
  }
  // Removes live node `i`: the last node in the list takes its place.
  void remove(std::uint32_t i) {
    if (!listed_) {
      assert(i < count_);
      list_.resize(count_);
      std::iota(list_.begin(), list_.end(), 0u);
      place_ = list_;
      listed_ = true;
    }
    const std::uint32_t at = place_[i];
    assert(at < list_.size() && list_[at] == i);
    const std::uint32_t last = list_.back();
    list_[at] = last;
    place_[last] = at;
    list_.pop_back();
  }

 private:
  bool listed_ = false;
  std::uint32_t count_ = 0;           // before the first departure: nodes 0..count_-1
  std::vector<std::uint32_t> list_;   // from the first departure on
  std::vector<std::uint32_t> place_;  // by index: each live node's place in list_ (others stale)
};

}  // namespace p2p::sim
