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
#include <cstdint>
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
    const std::size_t rounded = round_up(bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Mapped afresh rather than taken from the heap: a 2 MiB page can back only a range that has
    // no 4 KiB page yet, and heap memory freed earlier often has some (measured: a quarter of a
    // flood's event slabs fell back to 4 KiB pages, a fault for each).
    void* mapped = mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    char* const start = static_cast<char*>(mapped);
    const std::size_t head =
        (kHugePage - reinterpret_cast<std::uintptr_t>(start) % kHugePage) % kHugePage;
    char* const aligned = start + head;
    if (head > 0) munmap(start, head);
    if (kHugePage - head > 0) munmap(aligned + rounded, kHugePage - head);
    madvise(aligned, rounded, MADV_HUGEPAGE);  // advice only: without huge pages it works as before
    return reinterpret_cast<T*>(aligned);
#else
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
#endif
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      std::allocator<T>{}.deallocate(p, n);
      return;
    }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    munmap(p, round_up(bytes));
#else
    std::free(p);
#endif
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static std::size_t round_up(std::size_t bytes) {
    return (bytes + kHugePage - 1) / kHugePage * kHugePage;
  }
};

// A vector whose storage, once it reaches 2 MiB, sits on huge pages where the system has them.
template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace p2p
