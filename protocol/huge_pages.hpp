#pragma once
// Large per-node and per-edge arrays on transparent huge pages.
//
// The simulator and the graph kernels read their big arrays in random order (the node an event
// is for, a neighbour's word, a union-find entry, a discovery time), so with 4 KiB pages nearly
// every such read also misses the TLB, and every fresh page costs a fault: on a million-node graph
// that was a sixth of `p2p analyze`'s time.
// Linux backs an allocation with 2 MiB pages when asked (madvise), which the default system
// setting ("madvise") otherwise withholds. Small arrays use the ordinary allocator.
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace p2p {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>{}.allocate(n);
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without huge pages it works as before
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      std::allocator<T>{}.deallocate(p, n);
    } else {
      std::free(p);
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

// A vector whose storage, once it reaches 2 MiB, sits on huge pages where the system has them.
template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace p2p
