#include "protocol/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace p2p {
namespace {

constexpr std::size_t kHuge = HugePageAllocator<int>::kHugePage;

// An array of 2 MiB or more starts on a 2 MiB boundary (a huge page can back it), keeps what is
// written across its whole length, and goes back without a trace; a smaller one comes from the
// ordinary allocator.
TEST(HugePageAllocator, LargeArraysStartOnAHugePageAndHoldTheirValues) {
  for (std::size_t bytes : {kHuge, kHuge + 8, 3 * kHuge - 4, 5 * kHuge}) {
    HugePageAllocator<std::uint32_t> alloc;
    const std::size_t n = bytes / sizeof(std::uint32_t);
    std::uint32_t* p = alloc.allocate(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % kHuge, 0u) << bytes << " bytes";
    std::iota(p, p + n, 0u);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += p[i];
    EXPECT_EQ(sum, std::uint64_t{n} * (n - 1) / 2);
    alloc.deallocate(p, n);
  }
}

TEST(HugePageAllocator, AVectorGrowsAcrossTheThresholdAndKeepsItsElements) {
  HugePageVector<std::uint64_t> v;
  const std::size_t n = 3 * kHuge / sizeof(std::uint64_t) + 5;
  for (std::size_t i = 0; i < n; ++i) v.push_back(i * 3);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % kHuge, 0u);
  for (std::size_t i = 0; i < n; i += 4099) ASSERT_EQ(v[i], i * 3);
  EXPECT_EQ(v.back(), (n - 1) * 3);
  v.erase(v.begin() + 10, v.end());
  v.shrink_to_fit();  // back below 2 MiB: the ordinary allocator's again
  EXPECT_EQ(v[9], 27u);
  HugePageVector<std::uint64_t>().swap(v);
  EXPECT_TRUE(v.empty());
}

}  // namespace
}  // namespace p2p
