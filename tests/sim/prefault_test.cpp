// The helper that faults the node array's room in on another core.
#include "sim/prefault.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "sim/network.hpp"

namespace p2p::sim {
namespace {

constexpr std::size_t kBytes = 3 * Prefault::kLead;

// A fresh anonymous mapping: its pages are not in memory until something faults them in.
struct Mapping {
  Mapping()
      : data(mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) {}
  ~Mapping() {
    if (data != MAP_FAILED) munmap(data, kBytes);
  }
  static std::size_t page() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
  // How many of the pages in the first `bytes` are in memory.
  std::size_t resident_pages(std::size_t bytes = kBytes) const {
    std::vector<unsigned char> in((bytes + page() - 1) / page());
    if (mincore(data, bytes, in.data()) != 0) return 0;
    std::size_t n = 0;
    for (unsigned char c : in) n += c & 1;
    return n;
  }
  void* data;
};

// Waits up to ten seconds for the first `bytes` of `m` to be in memory.
bool resident_soon(const Mapping& m, std::size_t bytes) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (m.resident_pages(bytes) == bytes / Mapping::page()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(Prefault, MapsPagesAheadOfWhatIsWrittenWithoutChangingThem) {
  if (!Prefault::more_than_one_core()) GTEST_SKIP() << "the helper runs only with a second core";
  Mapping m;
  ASSERT_NE(m.data, MAP_FAILED);
  // The first megabyte already written, as the first nodes are when the helper starts.
  const std::size_t mb = std::size_t{1} << 20;
  auto* bytes = static_cast<unsigned char*>(m.data);
  for (std::size_t i = 0; i < mb; ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 3);
  ASSERT_LT(m.resident_pages(), kBytes / Mapping::page());
  Prefault p;
  p.start(m.data, kBytes);
  ASSERT_TRUE(p.running());
  p.written(mb);
  // It maps the lead beyond what was written, and (give or take a huge page) no further.
  EXPECT_TRUE(resident_soon(m, mb + Prefault::kLead));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(m.resident_pages(), (mb + Prefault::kLead + 2 * mb) / Mapping::page());
  // Told of more written, it maps the rest.
  p.written(kBytes - Prefault::kLead);
  EXPECT_TRUE(resident_soon(m, kBytes));
  p.stop();
  EXPECT_FALSE(p.running());
  for (std::size_t i = 0; i < mb; ++i)
    ASSERT_EQ(bytes[i], static_cast<unsigned char>(i * 7 + 3)) << i;
  // The pages it mapped read as zero, as fresh pages do.
  for (std::size_t i = mb; i < kBytes; i += 4093) ASSERT_EQ(bytes[i], 0) << i;
}

TEST(Prefault, LeavesSmallRangesAlone) {
  Mapping m;
  ASSERT_NE(m.data, MAP_FAILED);
  Prefault p;
  p.start(m.data, Prefault::kLead - 1);
  EXPECT_FALSE(p.running());
  EXPECT_EQ(m.resident_pages(), 0u);
}

TEST(Prefault, StopsAtOnceWhenAsked) {
  if (!Prefault::more_than_one_core()) GTEST_SKIP() << "the helper runs only with a second core";
  Prefault p;
  {
    Mapping m;
    ASSERT_NE(m.data, MAP_FAILED);
    p.start(m.data, kBytes);
    ASSERT_TRUE(p.running());
    p.stop();  // before the mapping goes
    EXPECT_FALSE(p.running());
  }
  p.stop();  // twice is harmless
  EXPECT_FALSE(p.running());
}

// The simulator's use: a network reserved for many nodes runs the same with the helper at work.
TEST(Prefault, ANetworkReservedLargeRunsAsOneGrownNodeByNode) {
  const Config config;
  NetworkOptions options;
  options.seed = 5;
  auto run = [&](bool reserve) {
    Network net(config, options);
    if (reserve) net.reserve(200000);  // tens of megabytes: the helper starts
    const std::uint32_t entry = net.add_node();
    for (int i = 0; i < 300; ++i) {
      const std::uint32_t n = net.add_node();
      net.schedule_join(Time{i} * 10 * kMillisecond, n, entry);
    }
    net.run_until(60 * kSecond);
    std::vector<std::vector<std::uint32_t>> links;
    for (std::uint32_t i = 0; i < net.size(); ++i) {
      links.emplace_back();
      for (const Link& l : net.node(i).links()) links.back().push_back(l.peer);
    }
    return links;
  };
  const auto grown = run(false);
  EXPECT_EQ(run(true), grown);
  std::size_t total = 0;
  for (const auto& l : grown) total += l.size();
  EXPECT_GT(total, 300u);  // the nodes joined
}

}  // namespace
}  // namespace p2p::sim
